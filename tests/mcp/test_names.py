"""Which of a server's tools are offered, under which names: every name a provider accepts,
tools that need tasks left out, the profile's and MassGen's filters honoured."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from tests.mcp.conftest import SERVER, Harness
from tests.mcp.server import LONG_NAME
from workbench.config.loader import load_profile_file
from workbench.tools.mcp import McpServerSource, offered_name
from workbench.tools.sources import sources_for

PROVIDER_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


async def test_every_offered_name_is_one_providers_accept_and_maps_back(
    source: McpServerSource,
) -> None:
    names = {t.mcp_name: t.name for t in source.tools()}
    assert all(PROVIDER_NAME.match(name) for name in names.values())
    assert names["files.read"] == "t__files_read"
    assert len(names[LONG_NAME]) == 64 and names[LONG_NAME].startswith("t__a_tool_whose")
    h = Harness(source)
    assert (await h.one("t__files_read", path="a.txt")).content == "read a.txt"
    assert (await h.one(names[LONG_NAME])).content == "long"
    assert any("'files.read' is offered as 't__files_read'" in n for n in source.notes)


def test_two_long_names_with_one_prefix_stay_apart() -> None:
    a = offered_name("srv", "x" * 70 + "_one")
    b = offered_name("srv", "x" * 70 + "_two")
    assert a != b and len(a) == len(b) == 64
    assert offered_name("srv", "ok", taken=["srv__ok"]) != "srv__ok"


async def test_a_tool_that_needs_tasks_is_left_out_and_said_so(source: McpServerSource) -> None:
    assert "t__needs_task" not in {t.name for t in source.tools()}
    assert any(
        "tool 'needs_task' is left out: it can only run as a task" in note for note in source.notes
    )


def _profile(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(body)
    return path


async def test_a_profiles_tools_list_filters_mcp_tools_by_server__tool(tmp_path: Path) -> None:
    path = _profile(
        tmp_path,
        "type: scripted\ntools: [read_file, t__echo, t__files.read, t__nope]\nmcp_servers:\n"
        f"  - {{name: t, command: {sys.executable}, args: [{SERVER}]}}\n",
    )
    [profile] = load_profile_file(path)
    [src] = sources_for(profile)
    assert isinstance(src, McpServerSource)
    await src.start()
    try:
        assert [t.name for t in src.tools()] == ["t__echo", "t__files_read"]
        assert src.notes[-1] == "tools names 't__nope', which this server does not offer"
    finally:
        await src.aclose()
    from workbench.runtime import build_tools

    assert build_tools(profile).names == ["read_file"]  # the MCP names are the sources' to offer


async def test_massgen_allowed_and_excluded_tools_are_honoured(tmp_path: Path) -> None:
    path = _profile(
        tmp_path,
        "agents:\n  - id: a\n    backend:\n      type: openai\n      model: gpt-5-mini\n"
        "      allowed_tools: [mcp__t__echo, mcp__t__pid, mcp__t__history]\n"
        "      exclude_tools: [mcp__t__pid]\n"
        "      mcp_servers:\n"
        f"        - {{name: t, type: stdio, command: {sys.executable}, args: [{SERVER}]}}\n"
        f"        - {{name: u, type: stdio, command: {sys.executable}, args: [{SERVER}],"
        " exclude_tools: [echo], allowed_tools: [echo, history]}\n",
    )
    [profile] = load_profile_file(path)
    assert not any("allowed_tools" in w for w in profile.warnings())
    t_src, u_src = sources_for(profile)
    assert isinstance(t_src, McpServerSource) and isinstance(u_src, McpServerSource)
    for src in (t_src, u_src):
        await src.start()
    try:
        assert sorted(t.name for t in t_src.tools()) == ["t__echo", "t__history"]
        assert [t.name for t in u_src.tools()] == ["u__history"]
    finally:
        for src in (t_src, u_src):
            await src.aclose()


def test_a_tools_entry_naming_no_configured_server_is_a_warning(tmp_path: Path) -> None:
    [profile] = load_profile_file(_profile(tmp_path, "type: scripted\ntools: [get_date, gh__x]\n"))
    assert "tools names 'gh__x', but no MCP server is named 'gh'; it is never offered." in (
        profile.warnings()
    )
