"""A profile's MCP servers in a live session: their tools in the turn and the header, a server that
will not start as a notice, and no ${VAR} value in the session or any log."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.mcp.conftest import SERVER, HttpServer
from workbench.config.loader import load_profile_file
from workbench.core.events import CallFinished
from workbench.paths import log_dir
from workbench.runtime import Runtime
from workbench.session import load_session

# Names that do not look secret, so the generic key redactor cannot be what hides them.
STDIO_VALUE = "plain-looking-value-4711-stdio"
HTTP_VALUE = "plain-looking-value-4711-http"


def _profile(tmp_path: Path, http_url: str) -> Path:
    (tmp_path / "desktop.json").write_text(
        json.dumps(
            {
                "mcpServers": {
                    "web": {"url": http_url, "headers": {"X-Upstream": "Bearer ${WB_HTTP_VALUE}"}}
                }
            }
        )
    )
    profile = tmp_path / "mcp.yaml"
    profile.write_text(
        "type: scripted\n"
        "scripted: {ttft_ms: 0, tokens_per_s: 1000000}\n"
        "mcp_config: desktop.json\n"
        "mcp_servers:\n"
        "  - name: t\n"
        f"    command: {json.dumps(sys.executable)}\n"
        f"    args: [{json.dumps(SERVER)}]\n"
        "    env: {UPSTREAM_VALUE: '${WB_STDIO_VALUE}'}\n"
        "  - name: broken\n"
        "    command: no-such-mcp-server-binary\n"
    )
    return profile


async def test_mcp_tools_run_in_a_session_and_no_var_value_is_recorded_or_logged(
    tmp_path: Path, http_server: HttpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WB_STDIO_VALUE", STDIO_VALUE)
    monkeypatch.setenv("WB_HTTP_VALUE", HTTP_VALUE)
    [profile] = load_profile_file(_profile(tmp_path, http_server.url))
    session = tmp_path / "s.jsonl"
    runtime = await Runtime.start(profile, record=session)
    try:
        [notice] = [n for n in runtime.start_notices if "did not start" in n.message]
        assert (
            "MCP server 'broken' could not start: command 'no-such-mcp-server-binary' not found"
            in (notice.message)
        )
        notes = [n.message for n in runtime.start_notices]
        assert "MCP server 't': tool 'needs_task' is left out" in "\n".join(notes)
        events = [
            e
            async for e in runtime.run_turn(
                't__secret_env(name="UPSTREAM_VALUE"), web__echo(text="over http"), '
                'broken__echo(text="x")'
            )
        ]
    finally:
        await runtime.aclose()
    finished = {e.tool: e for e in events if isinstance(e, CallFinished)}
    assert (finished["t__secret_env"].status, finished["t__secret_env"].result) == ("ok", "set")
    assert (finished["web__echo"].status, finished["web__echo"].result) == ("ok", "over http")
    # A tool of the server that failed to start: the result names the server and why.
    assert finished["broken__echo"].status == "error"
    assert finished["broken__echo"].result == (
        "Error: tool 'broken__echo' is not available: MCP server 'broken' could not start: "
        "command 'no-such-mcp-server-binary' not found. The tool was not run."
    )

    header = load_session(session).header
    kinds = {t.name: (t.kind, t.source) for t in header.tools}
    assert kinds["t__echo"] == ("extension", "t")
    assert kinds["web__echo"] == ("extension", "web")
    assert "broken__echo" not in kinds

    written = [session, *log_dir().rglob("*.log")]
    assert any(p.name == "t.log" for p in written)
    for path in written:
        text = path.read_text()
        assert STDIO_VALUE not in text, path
        assert HTTP_VALUE not in text, path
    assert "UPSTREAM_VALUE=***" in (log_dir() / "mcp" / "t.log").read_text()
