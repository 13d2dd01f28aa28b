"""Tool sources a profile names: its Python tools, and (when configured) its MCP servers.

Each is a :class:`workbench.core.tools.ToolSource`; the runtime starts them all before the first turn and
closes them at the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.core.tools import Tool, ToolSource, ToolSourceError

if TYPE_CHECKING:
    from workbench.config.profile import Profile


class FunctionToolSource:
    """Python tools that are ready as they are: starting and closing them costs nothing."""

    name = "python"

    def __init__(self, tools: Sequence[Tool]) -> None:
        self._tools = list(tools)

    async def start(self) -> None:
        return None

    async def aclose(self) -> None:
        return None

    def tools(self) -> Sequence[Tool]:
        return self._tools


class UnusableSource:
    """A source whose configuration broke after the profile was loaded (its mcp_config file was
    edited, say): it fails to start with the reason, so the session goes on as with any failure."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self._reason = reason

    async def start(self) -> None:
        raise ToolSourceError(self._reason)

    async def aclose(self) -> None:
        return None

    def tools(self) -> Sequence[Tool]:
        return []


def sources_for(profile: Profile, *, cwd: Path | None = None) -> list[ToolSource]:
    """Every tool source the profile configures beyond its Python tools: one per MCP server.

    A profile's ``tools:`` list filters MCP tools like any other (by their ``{server}__{tool}``
    names). The MCP SDK is imported only when the profile has servers.
    """
    if not profile.mcp_servers and not profile.mcp_config:
        return []
    from workbench.config.errors import ProfileError
    from workbench.config.mcp import profile_servers

    base_dir = Path(profile.source_path).parent if profile.source_path else (cwd or Path.cwd())
    try:
        servers, _ = profile_servers(profile.mcp_servers, profile.mcp_config, base_dir)
    except ProfileError as exc:
        return [UnusableSource("mcp_config", str(exc))]
    from workbench.tools.mcp import McpServerSource

    return [McpServerSource(server, cwd=cwd, enabled=profile.tools) for server in servers]
