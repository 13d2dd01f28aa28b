"""The what-if view: a recorded batch drawn again under another cap, with +/- and the chart."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Input, Static

from tests.analysis.support import profile, record
from tests.tui.conftest import ready, region_text, run_turn, wait_for
from workbench.analysis import from_group
from workbench.core.events import Event
from workbench.core.timeline import TimelineModel
from workbench.session import load_session
from workbench.tui.app import WorkbenchApp, create_app
from workbench.tui.screens.replay import ReplayScreen
from workbench.tui.screens.whatif import WhatIfScreen, chart_caps, render
from workbench.tui.widgets.timeline import Timeline

SIZE = (140, 45)


@pytest.fixture
async def events(tmp_path: Path) -> list[Event]:
    path = tmp_path / "s.jsonl"
    await record(
        path,
        ["sleep(ms=40), sleep(ms=20), sleep(ms=30), sleep(ms=50), hang()"],
        profile(max_concurrent_tools=2, tool_timeout_s=0.05),
    )
    return load_session(path).events


class Host(App[None]):
    def __init__(self, events: list[Event]) -> None:
        super().__init__()
        self.events = events

    def compose(self) -> ComposeResult:
        yield Static("host")

    def on_mount(self) -> None:
        self.push_screen(WhatIfScreen.of_events(self.events, "b1"))


def body(app: App[None]) -> str:
    return str(app.screen.query_one("#whatif-body", Static).render())


async def test_the_view_opens_at_the_recorded_cap_and_plus_minus_change_it(
    events: list[Event],
) -> None:
    app = Host(events)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, WhatIfScreen)
        text = body(app)
        assert "batch b1 · 5 calls · ran concurrent ≤2 · recorded wall" in text
        assert "simulated from the recorded call durations" in text
        assert "cap 2 (simulated)" in text
        at_two = screen.schedule.wall_s
        # the timed-out hang() is on the critical chain: the wall is a lower bound
        assert "simulated wall ≥ " in text
        await pilot.press("minus")
        assert screen.cap == 1
        assert "cap 1 (sequential) (simulated)" in body(app)
        assert screen.schedule.wall_s > at_two
        await pilot.press("plus", "plus", "plus")
        assert screen.cap == 4
        await pilot.press("plus")
        assert screen.cap is None
        assert "unbounded (simulated)" in body(app)
        assert screen.schedule.wall_s < at_two
        await pilot.press("s")
        assert screen.cap == 1
        await pilot.press("r")
        assert screen.cap == 2
        assert "wall against cap (simulated)" in body(app)
        await pilot.press("escape")
        assert not isinstance(app.screen, WhatIfScreen)


def test_the_timeline_models_batch_gives_the_same_view(events: list[Event]) -> None:
    """Live or replayed, the app holds a batch as the timeline model does: the same facts."""
    model = TimelineModel()
    for event in events:
        model.apply(event)
    group = model.batch("b1")
    assert group is not None
    from_timeline = from_group(group)
    from_recording = WhatIfScreen.of_events(events, "b1").recorded
    assert render(from_timeline, 2).plain == render(from_recording, 2).plain
    group.stats = None
    with pytest.raises(ValueError, match="still running"):
        from_group(group)


def test_the_chart_covers_every_cap_up_to_the_batch_and_samples_big_ones() -> None:
    assert chart_caps(5) == [1, 2, 3, 4, 5]
    big = chart_caps(1000)
    assert big[0] == 1
    assert big[-1] == 1000
    assert len(big) <= 48


async def test_w_on_a_replayed_batch_opens_its_what_if_and_esc_returns(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    await record(
        path,
        ["sleep(ms=30), sleep(ms=20), sleep(ms=40) then sleep(ms=10), sleep(ms=10)"],
        profile(max_concurrent_tools=2),
    )
    app = create_app(replay=path, replay_speed=None)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(app.replay_finished)
        screen = app.screen
        assert isinstance(screen, ReplayScreen)
        timeline = screen.query_one(Timeline)
        timeline.flush()
        timeline.focus()
        await pilot.pause()
        first = screen.model.batches[0].calls[0].call_id
        assert timeline.select_call(first)
        await pilot.press("w")
        whatif = app.screen
        assert isinstance(whatif, WhatIfScreen)
        assert whatif.recorded.batch_id == "b1"
        assert "batch b1 · 3 calls · ran concurrent ≤2" in body(app)
        await pilot.press("minus")
        assert whatif.cap == 1
        await pilot.press("escape")
        assert app.screen is screen


async def test_w_typed_in_the_prompt_is_a_letter_not_the_what_if_view(
    app: WorkbenchApp,
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await run_turn(pilot)
        prompt = app.screen.query_one("#prompt", Input)
        prompt.focus()
        await pilot.press("w")
        assert prompt.value == "w"
        assert not isinstance(app.screen, WhatIfScreen)
        app.screen.query_one(Timeline).focus()
        await pilot.press("w")  # nothing selected: the last batch
        assert isinstance(app.screen, WhatIfScreen)


async def test_the_advisors_note_shows_at_its_turn_in_the_timeline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text("x = 1\n")
    path = tmp_path / "s.jsonl"
    await record(
        path,
        [
            "sleep(ms=10) then sleep(ms=20) then sleep(ms=30)",
            'read_file(path="a.py") then run_linter(path="a.py")',
        ],
        profile(),
    )
    app = create_app(replay=path, replay_speed=None)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(app.replay_finished)
        timeline = app.screen.query_one(Timeline)
        timeline.flush()
        await pilot.pause()
        notes = [s for s in timeline.sections if s.kind == "note"]
        # turn 1's three sleeps could have been one response; turn 2's linter needed the read
        assert [(n.turn, n.text.split(":")[0]) for n in notes] == [
            (1, "round trips 1–3 could have been one")
        ]
        timeline.scroll_home(animate=False)
        await pilot.pause()
        assert "advice: round trips 1–3 could have been one: −" in region_text(app, timeline)


def test_the_what_if_bars_are_the_shared_drawing_in_the_themes_colours(
    events: list[Event],
) -> None:
    from rich.style import Style

    from workbench.analysis import from_events
    from workbench.render.bars import Kind

    asked: set[Kind] = set()

    def style(kind: Kind) -> Style:
        asked.add(kind)
        return Style(color="#123456") if kind == "timeout" else Style()

    batch = from_events(events).batches["b1"]
    text = render(batch, 1, style=style)
    # The kinds of workbench/render/bars.py: waiting for a slot, ran, and the call that timed out.
    assert {"wait", "ok", "timeout"} <= asked
    painted = {
        text.plain[span.start : span.end] for span in text.spans if "#123456" in str(span.style)
    }
    assert any(set(run) <= {"█", "░"} for run in painted if run.strip())


async def test_the_what_if_colours_come_from_the_theme(events: list[Event]) -> None:
    app = Host(events)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, WhatIfScreen)
        assert (
            screen._style("error").color == screen.get_component_rich_style("whatif--error").color
        )
        app.theme = "textual-light" if app.theme != "textual-light" else "nord"
        await pilot.pause()
        assert (
            screen._style("error").color == screen.get_component_rich_style("whatif--error").color
        )


def _lines_fit(app: App[None]) -> None:
    """The heading and the bar rows within the dialog: none wrapped onto the next (a bar row
    wrapped is two rows of bars a user cannot read; the sentences may wrap)."""
    widget = app.screen.query_one("#whatif-body", Static)
    room = widget.content_region.width
    assert room > 0
    lines = body(app).splitlines()
    start = next(i for i, line in enumerate(lines) if "recorded  " in line)
    rows = lines[start : lines.index("", start)]
    assert len(rows) == 6  # the heading and the five calls
    assert max(len(line) for line in rows) <= room, "\n".join(rows)


@pytest.mark.parametrize("size", [(60, 20), (80, 24), (100, 30)])
async def test_the_view_fits_the_terminal_and_redraws_when_it_is_resized(
    events: list[Event], size: tuple[int, int]
) -> None:
    """Drawn for the width it opened at, it wrapped every bar row when the terminal shrank (and
    at 80 columns the cap's heading wrapped onto the rows)."""
    app = Host(events)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        _lines_fit(app)
        await pilot.resize_terminal(*size)
        await pilot.pause()
        await pilot.pause()
        _lines_fit(app)
        await pilot.press("u")  # the longest heading: "cap 5 (= unbounded) (simulated)"
        await pilot.pause()
        _lines_fit(app)
