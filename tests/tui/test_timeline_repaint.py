"""The timeline repaints only the lines that changed: what is on screen must still always be what a
fresh drawing of every line gives, whatever order events, flushes and Textual's own paints come in."""

from __future__ import annotations

import random
import types

import pytest
from textual.app import App, ComposeResult

from tests.fabricate import CallSpec, Round, Script, concurrent_turn, failing_turn
from tests.tui.conftest import region_text
from workbench.core.events import Event
from workbench.core.timeline import TimelineModel
from workbench.tui.widgets import timeline as timeline_module
from workbench.tui.widgets.timeline import Timeline


class Clocked(App[None]):
    """A timeline whose session clock the test sets (the spinner is frozen too)."""

    def __init__(self) -> None:
        super().__init__()
        self.model = TimelineModel()
        self.now = 0.0

    def compose(self) -> ComposeResult:
        yield Timeline(self.model, lambda: self.now)


def session() -> list[Event]:
    script = Script()
    slow = Round(
        calls=tuple(CallSpec("fetch", {"url": f"u{i}"}, 0.01 * i, 0.4 + 0.1 * i) for i in range(6))
    )
    return (
        concurrent_turn(script)
        + failing_turn(script)
        + script.add_turn("six slow fetches", [slow], status="cancelled")  # said on its divider
        + concurrent_turn(script)
    )


def shown(app: Clocked, timeline: Timeline) -> list[str]:
    width = timeline.scrollable_content_region.width  # not the scrollbar
    return [line[:width].rstrip() for line in region_text(app, timeline).splitlines()]


def drawn(timeline: Timeline) -> list[str]:
    return [timeline.render_line(y).text.rstrip() for y in range(timeline.size.height)]


@pytest.mark.parametrize("seed", [3, 5, 8])
@pytest.mark.parametrize("height", [14, 60])  # following a scrolling view, and all in view
async def test_the_screen_always_matches_a_fresh_drawing(
    seed: int, height: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(timeline_module, "time", types.SimpleNamespace(monotonic=lambda: 7.0))
    rng = random.Random(seed)
    app = Clocked()
    async with app.run_test(size=(110, height)) as pilot:
        timeline = app.query_one(Timeline)
        events = session()
        for index, event in enumerate(events):
            app.now = max(app.now, event.t)
            timeline.note(app.model.apply(event))
            flush, paint = rng.random() < 0.4, rng.random() < 0.3
            if flush:
                app.now += rng.random() * 0.2  # open bars grow with the clock
                timeline.flush()
            if paint:  # Textual paints whenever it likes: after a flush, or between two
                await pilot.pause()
            if (flush and paint) or index == len(events) - 1:
                timeline.flush()
                await pilot.pause()
                assert shown(app, timeline) == drawn(timeline), f"after event {index}: {event}"
