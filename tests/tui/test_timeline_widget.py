"""The timeline widget on its own: following the newest batch, scrolling back, many calls."""

from __future__ import annotations

import subprocess
import sys

from textual.app import App, ComposeResult

from tests.fabricate import CallSpec, Round, Script, concurrent_turn
from workbench.core.events import CallQueued, CallStarted
from workbench.core.timeline import TimelineModel
from workbench.tui.widgets.timeline import Timeline


class TimelineApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.model = TimelineModel()

    def compose(self) -> ComposeResult:
        yield Timeline(self.model, lambda: self.model.last_t)

    def feed_turns(self, script: Script, turns: int) -> None:
        timeline = self.query_one(Timeline)
        for _ in range(turns):
            for event in concurrent_turn(script):
                timeline.note(self.model.apply(event))
        timeline.flush()


async def test_follows_the_newest_batch_until_the_user_scrolls_back() -> None:
    app = TimelineApp()
    async with app.run_test(size=(100, 20)) as pilot:
        timeline = app.query_one(Timeline)
        script = Script()
        app.feed_turns(script, 5)
        await pilot.pause()
        assert timeline.follow and timeline.scroll_y == timeline.max_scroll_y > 0
        await pilot.pause()  # the first layout's scroll_end (on_resize, after a refresh) is done
        timeline.scroll_to(y=0, animate=False, immediate=True)
        await pilot.pause()
        assert not timeline.follow
        app.feed_turns(script, 2)
        await pilot.pause()
        assert timeline.scroll_y == 0  # the user's place is kept
        timeline.focus()
        await pilot.press("end")
        await pilot.pause()
        assert timeline.follow and timeline.scroll_y == timeline.max_scroll_y
        app.feed_turns(script, 1)
        await pilot.pause()
        assert timeline.scroll_y == timeline.max_scroll_y


async def test_running_calls_grow_with_the_clock_and_show_a_spinner() -> None:
    now = [0.0]
    model = TimelineModel()

    class Live(App[None]):
        def compose(self) -> ComposeResult:
            yield Timeline(model, lambda: now[0])

    script = Script()
    events = script.add_turn("slow", [Round(calls=(CallSpec("fetch", {"url": "x"}, 0.0, 5.0),))])
    # Stop just after the call started: it is running.
    cut = next(i for i, e in enumerate(events) if isinstance(e, CallStarted)) + 1
    app = Live()
    async with app.run_test(size=(100, 12)) as pilot:
        timeline = app.query_one(Timeline)
        for event in events[:cut]:
            timeline.note(model.apply(event))
        started = events[cut - 1].t
        now[0] = started + 1.0
        timeline.flush()
        await pilot.pause()
        lines = [timeline.render_line(y).text for y in range(timeline.size.height)]
        row = next(line for line in lines if "fetch url=x" in line)
        assert "█" in row and "1 s" in row
        assert "0/1 done" in "\n".join(lines)


async def test_a_batch_of_thousands_only_draws_what_is_visible() -> None:
    script = Script()
    calls = tuple(
        CallSpec("get_weather", {"i": i}, i * 0.001, i * 0.001 + 0.01) for i in range(3000)
    )
    events = script.add_turn("many", [Round(calls=calls)])
    app = TimelineApp()
    async with app.run_test(size=(120, 30)) as pilot:
        timeline = app.query_one(Timeline)
        for event in events:
            timeline.note(app.model.apply(event))
        timeline.flush()
        await pilot.pause()
        assert timeline.virtual_size.height > 3000
        assert sum(isinstance(e, CallQueued) for e in events) == 3000
        last = [timeline.render_line(y).text for y in range(timeline.size.height)]
        assert any("get_weather i=2999" in line for line in last)


def test_the_app_starts_without_vendor_sdks() -> None:
    code = (
        "import sys; import workbench.tui.app; "
        "bad = [m for m in ('openai', 'anthropic', 'google.genai') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


async def test_the_scrollbar_thumb_is_where_the_view_is_after_it_first_overflows() -> None:
    from tests.fabricate import Script, concurrent_turn, failing_turn
    from tests.tui.test_snapshots import feeding, live_app

    app = live_app()
    async with app.run_test(size=(100, 30)) as pilot:
        script = Script()
        await feeding(concurrent_turn(script) + failing_turn(script))(pilot)
        timeline = app.screen.query_one(Timeline)
        await pilot.pause()
        timeline.flush()
        await pilot.pause()
        assert timeline.max_scroll_y > 0 and timeline.scroll_y == timeline.max_scroll_y
        assert timeline.vertical_scrollbar.position == timeline.scroll_y  # not left at the top
