"""The command palette's workbench commands: what the current session screen offers, found by typing.

A screen lists its entries in ``palette_entries()``: a title, a line of help, and what to run (a slash
command, or the name of one of the screen's actions). This provider only shows and runs them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from workbench.tui.commands import SlashCommand

PaletteEntry = tuple[str, str, "SlashCommand | str"]
"""(title, help, a slash command or the name of a screen action)."""


@runtime_checkable
class PaletteSource(Protocol):
    def palette_entries(self) -> Iterator[PaletteEntry]: ...

    async def run_command(self, command: SlashCommand) -> None: ...

    async def run_action(self, action: str) -> bool: ...


class WorkbenchCommands(Provider):
    """Offers the current screen's :meth:`palette_entries` beneath the palette."""

    def _entries(self) -> list[PaletteEntry]:
        screen = self.screen
        if not isinstance(screen, PaletteSource):
            return []
        return list(screen.palette_entries())

    def _runner(self, what: SlashCommand | str) -> Callable[[], Awaitable[object]]:
        screen = self.screen
        assert isinstance(screen, PaletteSource)
        if isinstance(what, str):
            return partial(screen.run_action, what)
        return partial(screen.run_command, what)

    async def discover(self) -> Hits:
        for title, help_text, what in self._entries():
            yield DiscoveryHit(title, self._runner(what), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, what in self._entries():
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(title), self._runner(what), text=title, help=help_text
                )
