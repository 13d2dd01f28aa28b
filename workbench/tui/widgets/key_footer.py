"""Textual's Footer, rebuilt only when the keys it shows change.

The stock Footer recomposes every key on every bindings refresh, and Textual refreshes bindings on
each focus move (twice). Moving between the prompt, the knobs and the timeline rarely changes what
the footer shows, so this one compares first and skips the rebuild (~5-20 ms each, 3-5 at start-up).
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer

Shown = tuple[tuple[str, str, bool, str], ...]


def shown_keys(screen: Screen[object]) -> Shown:
    """What a footer on ``screen`` would show: key, description, enabled, tooltip."""
    palette = screen.app.COMMAND_PALETTE_BINDING
    return tuple(
        (binding.key, binding.description, enabled, tooltip)
        for key, (_node, binding, enabled, tooltip) in screen.active_bindings.items()
        if binding.show or key == palette
    )


class KeyFooter(Footer):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: Shown | None = None
        self._check_pending = False

    def bindings_changed(self, screen: Screen[object]) -> None:
        # A focus move publishes twice; look once, after the refresh that settles it.
        if not self._check_pending:
            self._check_pending = True
            self.call_after_refresh(self._check, screen)

    def _check(self, screen: Screen[object]) -> None:
        self._check_pending = False
        shown = shown_keys(screen)
        if shown != self._shown:
            if screen.app.app_focus:  # the stock footer skips the rebuild without app focus
                self._shown = shown
            super().bindings_changed(screen)
