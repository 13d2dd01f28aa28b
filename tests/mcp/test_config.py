"""MCP server configuration: our profiles' mcp_servers, MassGen configs, mcpServers JSON files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.config.errors import ProfileError
from workbench.config.loader import load_profile_file
from workbench.config.mcp import McpConfigError, McpServerConfig, profile_servers


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


PROFILE = """\
type: scripted
mcp_servers:
  - name: files
    type: stdio
    command: python
    args: [examples/mcp/files_server.py]
    env: {LOG_LEVEL: error, API_TOKEN: "${FILES_TOKEN}"}
  - name: search
    url: http://user:pw@127.0.0.1:8931/mcp?token=abc
    headers: {Authorization: "Bearer ${SEARCH_TOKEN}"}
"""


def test_a_profile_lists_servers_in_massgens_shape(tmp_path: Path) -> None:
    [profile] = load_profile_file(write(tmp_path / "p.yaml", PROFILE))
    files, search = profile.mcp_servers
    assert (files.transport, files.command, files.args) == (
        "stdio",
        "python",
        ["examples/mcp/files_server.py"],
    )
    assert search.transport == "streamable-http"  # inferred from the url
    assert search.headers == {"Authorization": "Bearer ${SEARCH_TOKEN}"}  # not expanded


def test_the_public_profile_has_names_commands_and_urls_only(tmp_path: Path) -> None:
    [profile] = load_profile_file(write(tmp_path / "p.yaml", PROFILE))
    assert profile.public_dict()["mcp_servers"] == [
        {"name": "files", "type": "stdio", "command": "python"},
        {
            "name": "search",
            "type": "streamable-http",
            "url": "http://127.0.0.1:8931/mcp?token=REDACTED",
        },
    ]


def test_vars_are_expanded_only_when_asked_and_a_missing_one_is_named() -> None:
    server = McpServerConfig(
        name="s", url="http://127.0.0.1:1/mcp", headers={"Authorization": "Bearer ${TOK}"}
    )
    assert server.resolved_headers({"TOK": "abc"}) == {"Authorization": "Bearer abc"}
    assert server.secret_values({"TOK": "abc"}) == ["abc"]
    with pytest.raises(
        McpConfigError, match=r"headers.Authorization uses \$\{TOK\}, which is not set"
    ):
        server.resolved_headers({})


@pytest.mark.parametrize(
    ("entry", "where", "message"),
    [
        (
            "name: a__b\n    command: x",
            "line 3, field 'mcp_servers[0].name'",
            "a server name is letters",
        ),
        ("name: a_\n    command: x", "line 3, field 'mcp_servers[0].name'", "not ending in '_'"),
        (
            "name: a\n    type: stdio\n    url: http://x",
            "line 3, field 'mcp_servers[0]'",
            "a stdio server needs a 'command'",
        ),
        ("name: a", "line 3, field 'mcp_servers[0]'", "give either 'command'"),
        (
            "name: a\n    url: ftp://x",
            "line 4, field 'mcp_servers[0].url'",
            "must be an http:// or https:// URL",
        ),
        (
            "name: a\n    command: x\n    comand: y",
            "line 5, field 'mcp_servers[0].comand'",
            "unknown key",
        ),
    ],
)
def test_bad_server_entries_name_the_line_and_field(
    tmp_path: Path, entry: str, where: str, message: str
) -> None:
    path = write(tmp_path / "p.yaml", f"type: scripted\nmcp_servers:\n  - {entry}\n")
    with pytest.raises(ProfileError) as info:
        load_profile_file(path)
    assert f"p.yaml, {where}: " in str(info.value)
    assert message in str(info.value)


def test_two_servers_with_one_name_are_a_profile_error(tmp_path: Path) -> None:
    path = write(
        tmp_path / "p.yaml",
        "type: scripted\nmcp_servers:\n  - {name: a, command: x}\n  - {name: a, command: y}\n",
    )
    with pytest.raises(ProfileError, match="two MCP servers are named 'a'"):
        load_profile_file(path)


CLAUDE_DESKTOP = {
    "mcpServers": {
        "fs": {"command": "npx", "args": ["-y", "server-fs", "/tmp"], "env": {"A": "b"}},
        "remote": {"url": "http://127.0.0.1:9/mcp", "headers": {"X-Key": "${K}"}},
        "old": {"command": "x", "disabled": True},
        "cline": {"command": "y", "alwaysAllow": ["read"], "fancy": 1},
    }
}


def test_an_mcp_servers_file_adds_its_servers(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    write(tmp_path / "conf" / "claude.json", json.dumps(CLAUDE_DESKTOP, indent=2))
    path = write(
        tmp_path / "p.yaml",
        "type: scripted\nmcp_config: conf/claude.json\nmcp_servers:\n  - {name: own, command: z}\n",
    )
    [profile] = load_profile_file(path)
    servers, _ = profile_servers(profile.mcp_servers, profile.mcp_config, tmp_path)
    assert [(s.name, s.transport) for s in servers] == [
        ("own", "stdio"),
        ("fs", "stdio"),
        ("remote", "streamable-http"),
        ("cline", "stdio"),
    ]
    assert any("mcpServers.cline.fancy is not used" in w for w in profile.warnings())
    assert any("'old' is disabled there; skipped" in w for w in profile.warnings())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{\n  "mcpServers": {,}\n}', "not valid JSON"),
        ('{"servers": []}', "expected an object with an 'mcpServers' map"),
    ],
)
def test_errors_in_the_file_name_it_and_its_line(
    tmp_path: Path, content: str, message: str
) -> None:
    write(tmp_path / "m.json", content)
    path = write(tmp_path / "p.yaml", "type: scripted\nmcp_config: m.json\n")
    with pytest.raises(ProfileError) as info:
        load_profile_file(path)
    assert str(info.value).startswith(str(tmp_path / "m.json")) or "m.json" in str(info.value)
    assert message in str(info.value)


SHARED = """\
{
  "mcpServers": {
    "fs": {"comand": "x"},
    "num": {"command": 3},
    "events": {"url": "http://127.0.0.1:9/sse"},
    "github.com/x/y": {"command": "gh-mcp"},
    "github_com_x_y": {"command": "other"},
    "ok": {"command": "fine"}
  }
}
"""


def test_an_entry_of_a_shared_file_workbench_cannot_use_is_skipped_with_a_note(
    tmp_path: Path,
) -> None:
    write(tmp_path / "m.json", SHARED)
    [profile] = load_profile_file(
        write(tmp_path / "p.yaml", "type: scripted\nmcp_config: m.json\n")
    )
    servers, notes = profile_servers(profile.mcp_servers, profile.mcp_config, tmp_path)
    assert [(s.name, s.command) for s in servers] == [
        ("github_com_x_y", "gh-mcp"),
        ("github_com_x_y_2", "other"),
        ("ok", "fine"),
    ]
    text = "\n".join(profile.warnings())
    assert "server 'fs' is skipped" in text
    assert "line 3, field 'mcpServers.fs.comand': unknown key. Did you mean 'command'?" in text
    assert "server 'num' is skipped" in text and "line 4, field 'mcpServers.num.command'" in text
    assert "server 'events' is skipped" in text and "the SSE transport is not supported" in text
    assert "server 'github.com/x/y' is named 'github_com_x_y' here" in text
    assert notes == list(profile.warnings())


def test_a_missing_mcp_config_file_is_a_profile_error(tmp_path: Path) -> None:
    path = write(tmp_path / "p.yaml", "type: scripted\nmcp_config: ~/nowhere/claude.json\n")
    with pytest.raises(ProfileError, match="the mcp_config file does not exist"):
        load_profile_file(path)


MASSGEN = """\
agents:
  - id: weather_agent
    backend:
      type: openai
      model: gpt-5-mini
      mcp_servers:
        - name: weather
          type: stdio
          command: npx
          args: ["-y", "@fak111/weather-mcp"]
          security: {level: strict}
        - name: search
          type: streamable-http
          url: http://127.0.0.1:8931/mcp
  - id: mapped
    backend:
      type: claude
      model: claude-sonnet-4-5
      mcp_servers:
        files: {type: stdio, command: python, args: [f.py]}
"""


def test_a_massgen_config_with_mcp_servers_loads_as_it_is(tmp_path: Path) -> None:
    agent, mapped = load_profile_file(write(tmp_path / "team.yaml", MASSGEN))
    assert [(s.name, s.transport) for s in agent.mcp_servers] == [
        ("weather", "stdio"),
        ("search", "streamable-http"),
    ]
    assert [(s.name, s.command) for s in mapped.mcp_servers] == [("files", "python")]


def test_a_bad_massgen_server_names_its_line(tmp_path: Path) -> None:
    text = MASSGEN.replace("          url: http://127.0.0.1:8931/mcp\n", "")
    with pytest.raises(ProfileError) as info:
        load_profile_file(write(tmp_path / "team.yaml", text))
    assert "team.yaml, line 12, field 'agents[0].backend.mcp_servers[1]'" in str(info.value)
    assert "a streamable-http server needs a 'url'" in str(info.value)
