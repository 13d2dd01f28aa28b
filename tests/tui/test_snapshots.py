"""SVG snapshots of the screen, fed with deterministic synthetic events (fixed size, no blinking).

Update after an intended change with: pytest tests/tui/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from tests.fabricate import Script, concurrent_turn, failing_turn
from tests.tui.conftest import SIZE, WAIT_S
from tests.tui.fakes import FakeFactory, fake_profiles
from tests.tui.test_replay import write_session
from workbench.core.events import Event
from workbench.tui.app import WorkbenchApp, create_app
from workbench.tui.screens.live import LiveScreen
from workbench.tui.screens.replay import ReplayScreen
from workbench.tui.widgets.timeline import Timeline

SnapCompare = Callable[..., bool]


def live_app() -> WorkbenchApp:
    return create_app(runtime_factory=FakeFactory(), profile_lister=fake_profiles)


def feeding(
    events: list[Event], select: str | None = None
) -> Callable[[Pilot[None]], Awaitable[None]]:
    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, WorkbenchApp)
        await asyncio.wait_for(app.runtime_ready.wait(), WAIT_S)
        screen = app.screen
        assert isinstance(screen, LiveScreen)
        for event in events:
            await screen.feed(event)
        for input_widget in screen.query(Input):
            input_widget.cursor_blink = False
        timeline = screen.query_one(Timeline)
        timeline.flush()
        if select is not None:
            timeline.select_call(select)
            timeline.focus()
        await pilot.pause()
        screen.pane.redraw(busy=False)
        await pilot.pause()
        # The scrollbars and the footer as a settled layout leaves them, whatever came first.
        screen.refresh(layout=True)
        await pilot.pause()
        screen.pane.redraw(busy=False)
        await pilot.pause()

    return run_before


def test_finished_concurrent_batch(snap_compare: SnapCompare) -> None:
    assert snap_compare(live_app(), terminal_size=SIZE, run_before=feeding(concurrent_turn()))


def test_batch_with_error_timeout_and_cancellation(snap_compare: SnapCompare) -> None:
    assert snap_compare(live_app(), terminal_size=SIZE, run_before=feeding(failing_turn()))


def test_details_pane(snap_compare: SnapCompare) -> None:
    script = Script()
    events = concurrent_turn(script) + failing_turn(script)
    assert snap_compare(live_app(), terminal_size=SIZE, run_before=feeding(events, select="call_6"))


def test_replay(snap_compare: SnapCompare, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    script = Script()
    write_session(Path("session.jsonl"), concurrent_turn(script) + failing_turn(script))
    app = create_app(replay=Path("session.jsonl"), replay_speed=None)

    async def run_before(pilot: Pilot[None]) -> None:
        await asyncio.wait_for(app.replay_finished.wait(), WAIT_S)
        screen = app.screen
        assert isinstance(screen, ReplayScreen)
        screen.query_one(Timeline).flush()
        screen.pane.redraw(busy=False)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
