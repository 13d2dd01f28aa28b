"""A recording cut short by SIGKILL, replayed in the app: the batch that was running, its calls
unfinished, and a note that says so."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from tests.tui.conftest import SIZE, wait_for
from workbench.tui.app import create_app
from workbench.tui.screens.replay import ReplayScreen
from workbench.tui.widgets.chat import ChatView

KILLED = Path(__file__).resolve().parents[1] / "session" / "killed" / "sigkill-mid-batch.jsonl"


async def test_a_killed_session_replays_as_interrupted() -> None:
    app = create_app(replay=KILLED, replay_speed=None)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(app.replay_finished)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReplayScreen)
        model = screen.model
        assert model.interruption is not None
        (batch,) = model.batches
        assert batch.interrupted
        assert [c.state for c in batch.calls] == ["ok", "unfinished", "unfinished", "unfinished"]
        turn = model.turn(1)
        assert turn is not None and turn.interrupted and turn.status is None
        notes = [str(w.render()) for w in screen.query_one(ChatView).query(".note").results(Static)]
        assert any(
            n.startswith("interrupted: the recording ends while batch b1 was running")
            for n in notes
        )
