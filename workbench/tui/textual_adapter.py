"""The one place the TUI reaches under Textual's public API (``tests/tui/test_textual_adapter.py``
fails when Textual changes what it relies on; ``pyproject.toml`` bounds textual below 9).

Textual has no public way to change a ``ScrollView``'s scrollable height without a layout of the
whole screen: ``virtual_size`` is a reactive with ``layout=True``. On a screen of four panes that
layout re-arranged every widget and repainted what it touched (10-25 ms, every flush of a growing
timeline), so the height is set the way a layout itself sets it.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.scroll_view import ScrollView


def set_scroll_height(view: ScrollView, height: int) -> None:
    """Make ``view`` scroll over ``height`` lines (its width is not scrolled), with a layout of
    the screen only when the scrollbar comes or goes (never with ``overflow-y: scroll``)."""
    size = Size(0, height)
    if size == view.virtual_size:
        return
    viewport = view.container_size.height
    crosses = (view.virtual_size.height > viewport) != (height > viewport)
    if not viewport or (crosses and view.styles.overflow_y == "auto"):
        view.virtual_size = size  # the public way: it lays the screen out
        return
    view.set_reactive(ScrollView.virtual_size, size)  # the value, without the layout it asks for
    view._scroll_update(size)  # the scrollbar's window and the scroll limits, as a layout does
