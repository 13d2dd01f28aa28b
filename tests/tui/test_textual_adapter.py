"""What workbench/tui/textual_adapter.py relies on in Textual still holds: a changed scroll height
moves the scroll limits and the scrollbar's window, without a layout of the screen."""

from __future__ import annotations

import inspect

from rich.segment import Segment
from textual.app import App, ComposeResult
from textual.scroll_view import ScrollView
from textual.strip import Strip

from workbench.tui.textual_adapter import set_scroll_height


class Lines(ScrollView):
    DEFAULT_CSS = "Lines { overflow-y: scroll; height: 10; }"

    def render_line(self, y: int) -> Strip:
        return Strip([Segment(f"line {self.scroll_offset.y + y}")])


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield Lines()


def test_textual_still_has_what_the_adapter_calls() -> None:
    assert "virtual_size" in inspect.signature(ScrollView._scroll_update).parameters
    assert isinstance(inspect.getattr_static(ScrollView, "virtual_size"), object)


async def test_a_new_height_moves_the_scroll_limits_without_a_layout() -> None:
    app = Host()
    async with app.run_test(size=(40, 20)) as pilot:
        view = app.query_one(Lines)
        set_scroll_height(view, 5)  # fits: the public way
        await pilot.pause()
        layouts: list[object] = []
        original = app.screen._refresh_layout

        def counted(*args: object, **kwargs: object) -> None:
            layouts.append(args)
            original(*args, **kwargs)  # type: ignore[arg-type]

        app.screen._refresh_layout = counted  # type: ignore[method-assign]
        set_scroll_height(view, 500)
        await pilot.pause()
        assert view.virtual_size.height == 500
        assert view.max_scroll_y == 500 - view.scrollable_content_region.height
        assert view.vertical_scrollbar.window_virtual_size == 500
        assert layouts == []  # the screen was not laid out again
        view.scroll_end(animate=False, immediate=True)
        await pilot.pause()
        assert view.scroll_offset.y == view.max_scroll_y
