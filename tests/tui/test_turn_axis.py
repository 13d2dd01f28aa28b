"""`t` in the timeline: each turn on one time axis with its split, live and in replay, and back."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from tests.fabricate import Script, concurrent_turn, failing_turn
from tests.tui.conftest import SIZE, ready, region_text, run_turn, wait_for
from workbench.render.turn_axis import turn_axes
from workbench.session import SessionRecorder
from workbench.tui.app import WorkbenchApp, create_app
from workbench.tui.widgets.timeline import Timeline
from workbench.tui.widgets.turn_axis import TurnAxisView

PROFILE = {"name": "local", "type": "scripted", "model": "demo"}


async def toggle(pilot: Pilot[None]) -> TurnAxisView:
    """``t`` on the timeline: the turn axis takes its place, and the focus."""
    timeline = pilot.app.screen.query_one("#timeline", Timeline)
    timeline.focus()
    await pilot.press("t")
    await pilot.pause()
    axis = pilot.app.screen.query_one("#turn-axis", TurnAxisView)
    assert axis.has_focus and axis.display and not timeline.display
    return axis


async def test_replay_shows_every_turn_on_one_axis_and_t_switches_back(tmp_path: Path) -> None:
    script = Script()
    events = concurrent_turn(script) + failing_turn(script)
    path = tmp_path / "session.jsonl"
    with SessionRecorder.create(path, profile=PROFILE) as recorder:
        for event in events:
            recorder.record(event)
    app = create_app(replay=path, replay_speed=None)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(app.replay_finished)
        view = await toggle(pilot)
        text = region_text(app, view)
        expected = turn_axes(events)
        assert len(expected) == 2
        for axis in expected:
            assert f"turn {axis.turn} · " in text
        assert text.count("wall ") == 2 and "= model" in text and "− overlap" in text
        assert " model " in text and " tools " in text and "█" in text
        assert "t: batch axes" in text  # the legend on the border says how to go back
        lines = view.axis_text()
        assert any(line.strip().startswith("wall") for line in lines)
        await pilot.press("t")
        await pilot.pause()
        timeline = app.screen.query_one("#timeline", Timeline)
        assert timeline.display and timeline.has_focus and not view.display
        assert "▾ b2 · 4 calls" in region_text(app, timeline)


async def test_live_turns_are_drawn_on_the_turn_axis(app: WorkbenchApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        axis = await toggle(pilot)
        assert axis.axis_text() == []
        await run_turn(pilot)
        app.screen.pane.redraw(busy=False)  # type: ignore[attr-defined]
        await pilot.pause()
        text = region_text(app, axis)
        assert "turn 1 · weather in Paris and Rome? · completed" in text
        assert "wall " in text and "+ idle" in text
