"""SVG snapshot of the timeline on the turn axis (`t`), fed with deterministic synthetic events.

Update after an intended change with: pytest tests/tui/test_snapshot_turn_axis.py --snapshot-update
"""

from __future__ import annotations

from textual.pilot import Pilot

from tests.fabricate import Script, concurrent_turn, failing_turn
from tests.tui.conftest import SIZE
from tests.tui.test_snapshots import SnapCompare, feeding, live_app
from workbench.tui.widgets.timeline import Timeline


def test_turn_axis(snap_compare: SnapCompare) -> None:
    script = Script()
    feed = feeding(concurrent_turn(script) + failing_turn(script))

    async def run_before(pilot: Pilot[None]) -> None:
        await feed(pilot)
        timeline = pilot.app.screen.query_one(Timeline)
        timeline.focus()
        await pilot.press("t")
        await pilot.pause()

    assert snap_compare(live_app(), terminal_size=SIZE, run_before=run_before)
