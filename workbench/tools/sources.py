"""Tool sources a profile names: its Python tools, and (when configured) its MCP servers.

Each is a :class:`workbench.core.tools.ToolSource`; the runtime starts them all before the first turn and
closes them at the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.core.tools import Tool, ToolSource

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


def sources_for(profile: Profile, *, cwd: Path | None = None) -> list[ToolSource]:
    """Every tool source the profile configures beyond its Python tools (none yet: MCP lands here)."""
    del profile, cwd
    return []
