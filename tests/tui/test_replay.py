"""Replaying a recorded session: same screen, same timeline, pace controls, broken files."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Button, Input, Label

from tests.fabricate import Script, concurrent_turn, failing_turn
from tests.tui.conftest import SIZE, ready, recording_app, region_text, shown, submit, wait_for
from tests.tui.fakes import FakeFactory, fake_profiles
from workbench.core.events import Event
from workbench.session import SessionRecorder
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.help import HelpScreen
from workbench.tui.screens.live import LiveScreen
from workbench.tui.screens.replay import ReplayScreen
from workbench.tui.widgets.chat import ChatView
from workbench.tui.widgets.knobs import Knobs
from workbench.tui.widgets.timeline import Timeline

PROFILE = {"name": "local", "type": "scripted", "model": "demo"}


def session_events() -> list[Event]:
    script = Script()
    return concurrent_turn(script) + failing_turn(script)


def write_session(path: Path, events: list[Event]) -> Path:
    recorder = SessionRecorder.create(path, profile=PROFILE)
    for event in events:
        recorder.record(event)
    recorder.close()
    return path


@pytest.fixture
def session_file(tmp_path: Path) -> Path:
    return write_session(tmp_path / "session.jsonl", session_events())


def replay_screen(app: WorkbenchApp) -> ReplayScreen:
    screen = app.screen
    assert isinstance(screen, ReplayScreen)
    return screen


async def test_instant_replay_draws_the_recorded_timeline(session_file: Path) -> None:
    app = recording_app(replay=session_file, replay_speed=None)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(app.replay_finished)
        screen = replay_screen(app)
        screen.query_one(Timeline).flush()
        await pilot.pause()
        assert [b.batch_id for b in screen.model.batches] == ["b1", "b2"]
        assert screen.model.batches[1].effective_stats().timeouts == 1
        assert screen.query_one("#prompt", Input).disabled
        assert screen.query_one(Knobs).disabled
        text = region_text(app, screen.query_one(Timeline))
        assert "▾ b2 · 4 calls" in text and "1 timeout" in text
        assert "local · scripted · demo" in region_text(app, screen.query_one("#status"))
        # The knobs show what the recorded batches ran under.
        assert screen.query_one("#max", Input).value == "3"


async def test_pause_speeds_and_step(session_file: Path) -> None:
    app = recording_app(replay=session_file, replay_speed=1.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = replay_screen(app)
        await pilot.press("space")
        controller = screen.controller
        assert controller is not None and controller.paused
        await pilot.press("n")
        await wait_for(app.replay_held)
        assert [b.done for b in screen.model.batches] == [True]
        assert not app.replay_finished.is_set()
        await pilot.press("2")
        assert controller.speed == 2.0 and not controller.paused
        await pilot.press("1")
        assert controller.speed == 1.0
        await pilot.click("#speed-2")
        assert controller.speed == 2.0
        await pilot.press("0")
        assert controller.speed == 10.0
        await pilot.press("i")
        assert controller.speed is None
        await wait_for(app.replay_finished)
        await pilot.pause()
        assert len(screen.model.batches) == 2
        assert "end" in str(screen.query_one("#replay-position", Label).content)
        pause = screen.query_one("#replay-pause", Button)
        assert str(pause.label) == "■ ended" and pause.disabled  # not "‖ pause" at the end


async def test_one_x_replay_keeps_recorded_order(tmp_path: Path) -> None:
    script = Script()
    events = concurrent_turn(script)
    path = write_session(tmp_path / "short.jsonl", events)
    app = recording_app(replay=path, replay_speed=10.0)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(app.replay_finished)
        await pilot.pause()
        screen = replay_screen(app)
        assert screen.model.turns[0].status == "completed"
        chat = screen.query_one(ChatView)
        assert "Compare the weather" in region_text(app, chat)


async def test_truncated_file_replays_what_it_can_and_says_so(tmp_path: Path) -> None:
    path = write_session(tmp_path / "torn.jsonl", session_events())
    with path.open("ab") as file:
        file.write(b'{"type": "call_started", "t": 9')
    app = recording_app(replay=path, replay_speed=None)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(app.replay_finished)
        await pilot.pause()
        assert len(replay_screen(app).model.batches) == 2
        assert any(n.title == "Session file problems" for n in shown(app))


async def test_not_a_session_file_is_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "notes.jsonl"
    path.write_text('{"hello": "world"}\n')
    app = recording_app(replay=path, replay_speed=None)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(app.replay_finished)
        await pilot.pause()
        assert any(n.title == "Cannot replay" for n in shown(app))
        chat = replay_screen(app).query_one(ChatView)
        assert "Cannot replay" in region_text(app, chat)


async def test_replay_command_opens_over_the_live_session(
    session_file: Path, factory: FakeFactory
) -> None:
    app = recording_app(runtime_factory=factory, profile_lister=fake_profiles, replay_speed=None)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await submit(pilot, f"/replay {session_file}")
        await wait_for(app.replay_finished)
        assert len(replay_screen(app).model.batches) == 2
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = region_text(app, app.screen.query_one("VerticalScroll"))
        assert "Pause/play" in text and "Close replay" in text
        assert "Cancel turn" not in text and "/profile" not in text  # the replay's own help
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
        live = app.screen
        assert isinstance(live, LiveScreen)
        assert not factory.runtime.closed


async def test_esc_closes_a_replay_opened_over_the_live_session(
    session_file: Path, factory: FakeFactory
) -> None:
    app = recording_app(runtime_factory=factory, profile_lister=fake_profiles, replay_speed=None)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await submit(pilot, f"/replay {session_file}")
        await wait_for(app.replay_finished)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, LiveScreen)


async def test_replay_labels_the_parallel_knob_as_the_recorded_provider_did(tmp_path: Path) -> None:
    path = tmp_path / "claude.jsonl"
    recorder = SessionRecorder.create(
        path,
        profile={"name": "anthropic", "type": "anthropic", "model": "claude"},
        provider={
            "name": "anthropic",
            "model": "claude",
            "parallel_knob": "tool_choice.disable_parallel_tool_use",
            "parallel_note": "",
            "eager_dispatch": True,
            "supports_function_calling_mode": True,
        },
    )
    for event in session_events():
        recorder.record(event)
    recorder.close()
    app = recording_app(replay=path, replay_speed=None)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(app.replay_finished)
        await pilot.pause()
        label = replay_screen(app).query_one("#parallel-label", Label)
        assert "disable_parallel_tool_use" in str(label.render())


async def test_a_replay_of_its_own_lists_only_the_keys_that_work(session_file: Path) -> None:
    app = recording_app(replay=session_file, replay_speed=None)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(app.replay_finished)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = region_text(app, app.screen.query_one("VerticalScroll"))
        assert "Step batch" in text and "/help" in text
        assert "Close replay" not in text  # nothing to close back to
        assert "/max" not in text  # a recording's settings are not turned


async def test_a_replay_exports_its_file_from_the_palette(session_file: Path) -> None:
    from workbench.tui.commands import ExportCommand

    app = recording_app(replay=session_file, replay_speed=None)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(app.replay_finished)
        screen = replay_screen(app)
        assert "Export: Perfetto trace" in [entry[0] for entry in screen.palette_entries()]
        await screen.run_command(ExportCommand("chrome"))
        await screen.workers.wait_for_complete()
        await pilot.pause()
        target = session_file.with_name("session.trace.json")
        assert target.exists()
        assert any(str(target) in n.message for n in shown(app))
        # The transcript keeps where it went after the toast has gone.
        chat = screen.pane.chat
        notes = [str(w.render()) for w in chat.query("Static")]
        assert any(target.name in note for note in notes), notes
