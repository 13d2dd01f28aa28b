"""``workbench mcp list`` and what ``workbench --help`` must not import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.mcp.conftest import SERVER
from workbench.cli import main


def _profile(tmp_path: Path, *, broken: bool) -> Path:
    path = tmp_path / "p.yaml"
    text = (
        "type: scripted\nmcp_servers:\n"
        f"  - {{name: t, command: {json.dumps(sys.executable)}, args: [{json.dumps(SERVER)}]}}\n"
    )
    if broken:
        text += "  - {name: gone, command: no-such-mcp-server-binary}\n"
    path.write_text(text)
    return path


def test_mcp_list_shows_each_servers_tools_and_exits_0_when_all_connect(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["mcp", "list", "--profile", str(_profile(tmp_path, broken=False))])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("✓ t  stdio  ")
    assert "    t__echo(text: string, times?: integer)\n        Return the text, repeated.\n" in out
    assert "    ! tool 'needs_task' is left out: it can only run as a task" in out
    assert "    ! tool 'files.read' is offered as 't__files_read'" in out


def test_mcp_list_prints_the_config_notes_profiles_prints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "m.json").write_text(
        json.dumps({"mcpServers": {"events": {"url": "http://127.0.0.1:9/sse"}}})
    )
    path = tmp_path / "p.yaml"
    path.write_text("type: scripted\nmcp_config: m.json\n")
    assert main(["profiles", str(path)]) == 0
    said = capsys.readouterr().out
    assert main(["mcp", "list", "--profile", str(path)]) == 0
    out = capsys.readouterr().out
    assert "server 'events' is skipped" in said
    assert out.startswith("! server 'events' is skipped: ")
    assert "the SSE transport is not supported" in out


def test_mcp_list_exits_1_and_says_why_when_a_server_does_not_connect(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["mcp", "list", "--json", "--profile", str(_profile(tmp_path, broken=True))])
    data = json.loads(capsys.readouterr().out)
    assert code == 1
    good, bad = data["servers"]
    assert good["connected"] is True
    echo = next(t for t in good["tools"] if t["name"] == "t__echo")
    assert echo["input_schema"]["required"] == ["text"]
    assert bad == {
        "name": "gone",
        "type": "stdio",
        "command": "no-such-mcp-server-binary",
        "connected": False,
        "error": "MCP server 'gone' could not start: command 'no-such-mcp-server-binary' not found",
        "tools": [],
        "log": bad["log"],
        "notes": [],
    }


def test_a_profile_without_servers_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["mcp", "list", "--profile", "local"]) == 0
    assert "has no MCP servers" in capsys.readouterr().out


def test_help_and_the_runtime_do_not_import_the_mcp_sdk() -> None:
    probe = (
        "import sys, workbench.cli, workbench.runtime;"
        "workbench.cli.build_parser().format_help();"
        "print(','.join(m for m in ('mcp', 'mcp_types', 'jsonschema') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
