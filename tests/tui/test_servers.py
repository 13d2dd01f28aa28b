"""The servers view (/mcp): each server's state, tools and log file, redrawn as the state changes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual.app import App
from textual.widgets import Static

from tests.mcp.conftest import stdio_config
from workbench.tools.mcp import McpServerSource
from workbench.tui.screens.servers import ServerLike, ServersScreen, servers_of


@dataclass
class FakeTool:
    name: str
    description: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass
class FakeServer:
    name: str
    state: str
    summary: str
    log_path: Path
    reason: str | None = None
    restarts: int = 0
    listed: list[FakeTool] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def tools(self) -> Sequence[FakeTool]:
        return self.listed


def _servers(tmp_path: Path) -> list[FakeServer]:
    read = FakeTool(
        "files__read",
        "Read a text file.",
        {
            "properties": {"path": {"type": "string"}, "max_chars": {"type": "integer"}},
            "required": ["path"],
        },
    )
    return [
        FakeServer(
            "files",
            "connected",
            "stdio · python files.py",
            tmp_path / "files.log",
            listed=[read],
            notes=["tool 'build' is left out: it can only run as a task"],
        ),
        FakeServer(
            "search",
            "failed",
            "streamable-http · http://127.0.0.1:8931/mcp",
            tmp_path / "search.log",
            reason="MCP server 'search' cannot be reached at http://127.0.0.1:8931/mcp: ConnectError",
        ),
    ]


def _text(app: App[None], selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def test_the_servers_view_shows_state_tools_and_log_and_follows_changes(
    tmp_path: Path,
) -> None:
    servers = _servers(tmp_path)
    app: App[None] = App()
    async with app.run_test(size=(120, 30)) as pilot:
        await app.push_screen(ServersScreen(servers))
        await pilot.pause()
        files = _text(app, "#server-0")
        assert "● files  stdio · python files.py  connected" in files
        assert "files__read(path: string, max_chars?: integer)  Read a text file." in files
        assert f"log {tmp_path / 'files.log'}" in files
        assert "! tool 'build' is left out: it can only run as a task" in files
        search = _text(app, "#server-1")
        assert "✗ search" in search and "failed" in search
        assert "cannot be reached at http://127.0.0.1:8931/mcp" in search

        servers[0].state, servers[0].reason = (
            "reconnecting",
            "MCP server 'files' exited with code 3",
        )
        screen = app.screen
        assert isinstance(screen, ServersScreen)
        screen.refresh_servers()  # what its 0.5 s timer does
        await pilot.pause()
        assert "↻ files" in _text(app, "#server-0")
        assert "exited with code 3" in _text(app, "#server-0")

        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ServersScreen)


async def test_without_servers_the_view_says_how_to_add_them() -> None:
    app: App[None] = App()
    async with app.run_test(size=(120, 30)) as pilot:
        await app.push_screen(ServersScreen([]))
        await pilot.pause()
        assert "no MCP servers" in _text(app, "#no-servers")


def test_a_real_mcp_source_is_what_the_view_reads_and_the_runtime_offers_it() -> None:
    source = McpServerSource(stdio_config("t"))
    assert isinstance(source, ServerLike)
    assert source.summary.startswith("stdio · ")

    class Runtime:
        def __init__(self) -> None:
            self.offered_sources = [source, object()]

    assert servers_of(Runtime()) == [source]


async def test_slash_mcp_and_the_palette_open_the_view_on_the_live_screen(tmp_path: Path) -> None:
    from tests.tui.conftest import SIZE, ready, submit
    from tests.tui.fakes import FakeFactory, fake_profiles
    from workbench.tui.app import create_app
    from workbench.tui.screens.live import LiveScreen

    factory = FakeFactory()
    app = create_app(runtime_factory=factory, profile_lister=fake_profiles)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        live = app.screen
        assert isinstance(live, LiveScreen)
        setattr(factory.runtime, "offered_sources", _servers(tmp_path))  # noqa: B010 (a fake's extra)
        titles = [title for title, _, _ in live.palette_entries()]
        assert "MCP servers" in titles
        await submit(pilot, "/mcp")
        assert isinstance(app.screen, ServersScreen)
        assert "● files" in _text(app, "#server-0")
        assert "✗ search" in _text(app, "#server-1")
        await pilot.press("escape")
        await pilot.pause()
        back: object = app.screen  # (mypy narrowed app.screen above)
        assert back is live
