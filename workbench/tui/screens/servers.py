"""/mcp: the session's MCP servers, each with its state, its tools and its log file.

:class:`McpCommand` is declared here, beside the screen; the live screen handles it. The screen reads the servers through :class:`ServerLike` (``workbench.tools.mcp.McpServerSource``
fits) and redraws twice a second while open, so a crash, a restart or a reconnect shows as it happens.
It never talks to a server itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from workbench.render.format import schema_signature
from workbench.tui.commands import SlashCommand, command

_STATE_STYLE = {
    "connected": ("●", "green"),
    "starting": ("◌", "yellow"),
    "reconnecting": ("↻", "yellow"),
    "failed": ("✗", "red"),
    "closed": ("○", "dim"),
    "idle": ("○", "dim"),
}


@command
@dataclass(frozen=True, slots=True)
class McpCommand(SlashCommand):
    name: ClassVar[str] = "mcp"
    usage: ClassVar[str] = "/mcp"
    help: ClassVar[str] = "MCP servers: state, tools, log"
    nargs: ClassVar[int] = 0


class ToolLike(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def description(self) -> str: ...

    @property
    def parameters(self) -> dict[str, Any]: ...


@runtime_checkable
class ServerLike(Protocol):
    """What the view shows of one server."""

    @property
    def name(self) -> str: ...

    @property
    def state(self) -> str:
        """starting, connected, reconnecting, failed or closed."""
        ...

    @property
    def reason(self) -> str | None:
        """Why it failed, or why it was last restarted."""
        ...

    @property
    def summary(self) -> str:
        """Transport and command or URL, e.g. ``stdio · python server.py``."""
        ...

    @property
    def log_path(self) -> Path: ...

    @property
    def restarts(self) -> int: ...

    @property
    def notes(self) -> Sequence[str]:
        """Tools left out (they need tasks, a filter) or offered under another name."""
        ...

    def tools(self) -> Sequence[ToolLike]: ...


def servers_of(runtime: object) -> list[ServerLike]:
    """The MCP servers a runtime was asked to start, those that failed included."""
    sources: Sequence[object] = (
        getattr(runtime, "offered_sources", None) or getattr(runtime, "sources", None) or ()
    )
    return [s for s in sources if isinstance(s, ServerLike)]


def render_server(server: ServerLike) -> Text:
    mark, style = _STATE_STYLE.get(server.state, ("?", ""))
    text = Text.assemble(
        (f"{mark} ", style),
        (server.name, "bold"),
        "  ",
        (server.summary, "dim"),
        "  ",
        (server.state, style),
    )
    if server.restarts:
        text.append(f" · restarted {server.restarts}×", "dim")
    if server.reason and server.state != "connected":
        text.append("\n    ")
        text.append(server.reason, style)
    tools = server.tools()
    if tools:
        text.append(f"\n    {len(tools)} tools", "dim")
        for tool in tools:
            text.append("\n    ")
            text.append(tool.name, "bold")
            text.append(f"({schema_signature(tool.parameters)})")
            if tool.description:
                text.append(f"  {tool.description.splitlines()[0]}", "dim")
    for note in server.notes:
        text.append("\n    ! ", "yellow")
        text.append(note, "dim")
    text.append("\n    log ", "dim")
    text.append(str(server.log_path))
    return text


class ServersScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    ServersScreen {
        align: center middle;
        & > VerticalScroll {
            width: 110; max-width: 95%; height: auto; max-height: 90%;
            border: round $accent; background: $panel; padding: 0 1;
        }
        & .server { margin-bottom: 1; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close"),
        Binding("q", "dismiss", "Close", show=False),
    ]

    REFRESH_S = 0.5

    def __init__(self, servers: Sequence[ServerLike]) -> None:
        super().__init__()
        self.servers = list(servers)
        self._shown: list[str] = []

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = "MCP servers"
            box.border_subtitle = "esc to close"
            if not self.servers:
                yield Static(
                    "This profile has no MCP servers. Add mcp_servers: (or mcp_config:) to it; "
                    "see the README's MCP section.",
                    id="no-servers",
                )
            for i, server in enumerate(self.servers):
                yield Static(render_server(server), classes="server", id=f"server-{i}")

    def on_mount(self) -> None:
        self._shown = [render_server(s).plain for s in self.servers]
        if self.servers:
            self.set_interval(self.REFRESH_S, self.refresh_servers)

    def refresh_servers(self) -> None:
        """Redraw the servers whose state or tools changed."""
        for i, server in enumerate(self.servers):
            text = render_server(server)
            if text.plain != self._shown[i]:
                self._shown[i] = text.plain
                self.query_one(f"#server-{i}", Static).update(text)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)
