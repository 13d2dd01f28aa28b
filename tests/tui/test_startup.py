"""Start-up: the screen is usable before the runtime is, and the first frame imports only what it draws."""

from __future__ import annotations

import asyncio
import gc
import subprocess
import sys
from pathlib import Path
from typing import Any

from textual import events
from textual.widgets import Input

from tests.tui.conftest import (
    SIZE,
    RecordingApp,
    recording_app,
    region_text,
    shown,
    wait_for,
)
from tests.tui.fakes import FakeFactory, fake_profiles
from tests.tui.test_replay import session_events, write_session
from workbench.session.format import SessionFileError
from workbench.tui.app import WorkbenchApp, create_app
from workbench.tui.ports import RuntimeLike
from workbench.tui.screens.help import HelpScreen
from workbench.tui.screens.live import LiveScreen
from workbench.tui.screens.start import StartScreen
from workbench.tui.widgets.key_footer import KeyFooter


class GatedFactory(FakeFactory):
    """A runtime that starts only when the test opens the gate."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()

    async def __call__(self, name: str | None) -> RuntimeLike:
        await self.gate.wait()
        return await super().__call__(name)


async def test_typing_ahead_while_the_runtime_starts() -> None:
    factory = GatedFactory()
    app = recording_app(runtime_factory=factory, profile_lister=fake_profiles)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        prompt = app.screen.query_one("#prompt", Input)
        assert prompt.has_focus and not prompt.disabled
        assert "Starting the default profile" in prompt.placeholder
        await pilot.press(*"hello", "enter")
        await pilot.pause()
        # Kept, and sent by itself once the runtime is there.
        chat = app.screen.query_one("#chat")
        assert "sent once it is ready" in " ".join(region_text(app, chat).split())
        assert factory.started == []  # nothing has run it yet
        factory.gate.set()
        await wait_for(app.runtime_ready)
        await wait_for(app.turn_completed)
        assert factory.runtime.prompts == ["hello"]
        assert prompt.has_focus


async def test_footer_shows_the_keys_of_each_screen(tmp_path: Path) -> None:
    app = recording_app(runtime_factory=FakeFactory(), profile_lister=fake_profiles)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(app.runtime_ready)
        await pilot.pause()
        footer = app.screen.query_one(KeyFooter)
        text = region_text(app, footer)
        for expected in ("Cancel turn", "Help", "Quit"):
            assert expected in text
        assert "Pause/play" not in text  # replay keys are hidden in a live session
        app.screen.query_one("#timeline").focus()  # moving focus keeps the same keys
        await pilot.pause()

        def keys(footer_text: str) -> list[str]:
            return sorted(part.strip() for part in footer_text.split("  ") if part.strip())

        assert keys(region_text(app, footer)) == keys(text)
    replay = recording_app(
        replay=write_session(tmp_path / "s.jsonl", session_events()), replay_speed=None
    )
    async with replay.run_test(size=SIZE) as pilot:
        await wait_for(replay.replay_finished)
        await pilot.pause()
        text = region_text(replay, replay.screen.query_one(KeyFooter))
        assert "Pause/play" in text and "Step batch" in text


def test_first_frame_imports_neither_markdown_nor_the_runtime() -> None:
    code = (
        "import sys; import workbench.tui.app; "
        "late = ['textual.widgets._markdown', 'markdown_it', 'workbench.runtime', "
        "'workbench.config', 'workbench.session.recorder', 'workbench.session.reader', 'yaml']; "
        "print(','.join(m for m in late if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_importing_the_app_does_no_work() -> None:
    # Freezing the collector belongs to starting the app, not to importing it (an embedding
    # process, a test collector or a docs build imports it too).
    code = "import gc, workbench.tui.app; print(gc.get_freeze_count())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"


class UnrecordableFirstStart(FakeFactory):
    """The first start fails on its --record path; later ones record to the default place."""

    def __init__(self) -> None:
        super().__init__()
        self.starts = 0

    async def __call__(self, name: str | None) -> RuntimeLike:
        self.starts += 1
        if self.starts == 1:
            raise SessionFileError(
                Path("/etc/passwd/s.jsonl"),
                "cannot create session file /etc/passwd/s.jsonl: /etc/passwd is a file, not a directory",
            )
        return await super().__call__(name)


async def test_a_record_path_that_cannot_be_created_says_so_and_how_to_go_on() -> None:
    factory = UnrecordableFirstStart()
    app = recording_app(runtime_factory=factory, profile_lister=fake_profiles)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(250):
            await pilot.pause(0.02)
            if any(n.title == "Cannot record the session" for n in shown(app)):
                break
        [note] = [n for n in shown(app) if n.title == "Cannot record the session"]
        assert "/etc/passwd is a file, not a directory" in note.message
        assert "/profile local" in note.message
        prompt = app.screen.query_one("#prompt", Input)
        assert "/profile local" in prompt.placeholder
        await pilot.press(*"/profile local", "enter")
        await wait_for(app.runtime_ready)
        await pilot.press(*"hello", "enter")
        await wait_for(app.turn_completed)
        assert factory.runtime.prompts == ["hello"]


async def test_the_collector_works_between_turns_and_gets_everything_back_at_exit() -> None:
    # A full collection in the middle of a batch stalls the app's drawing (gcpolicy): the app
    # collects when a turn has ended and freezes what survives; at exit it hands everything back.
    app = recording_app(runtime_factory=FakeFactory(), profile_lister=fake_profiles)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(app.runtime_ready)
        gc.unfreeze()
        await pilot.press(*"hello", "enter")
        await wait_for(app.turn_completed)
        await pilot.pause()
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


async def test_collection_paused_for_start_up_resumes_with_the_first_frame() -> None:
    # `workbench` pauses the collector while it imports and builds the first screen; the app
    # must hand it back, or a long session would never collect its garbage cycles.
    from workbench import gcpolicy

    gcpolicy.pause_startup()
    try:
        app = recording_app(runtime_factory=FakeFactory(), profile_lister=fake_profiles)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(app.runtime_ready)
            await pilot.pause()
            assert gc.isenabled()
    finally:
        gc.enable()


# -- the start screen: the first frame of a live start -----------------------------------------------

FIRST_FRAME_PROBE = """
import sys
from workbench.tui.app import WorkbenchApp, create_app
from workbench.tui.screens.start import StartScreen

LATE = ("pydantic", "workbench.core.events", "workbench.core.timeline", "workbench.core.settings",
        "workbench.tui.screens.live", "workbench.tui.panes.session", "workbench.tui.widgets.timeline",
        "workbench.tui.widgets.knobs", "workbench.config", "workbench.runtime", "workbench.tools")

class Probe(WorkbenchApp):
    async def load_live_screen(self):
        # The start screen has been drawn: what is imported by now, the first frame waited for.
        shown = isinstance(self.screen, StartScreen) and "Starting" in self.screen.prompt.placeholder
        print(shown, ",".join(m for m in LATE if m in sys.modules))
        self.exit()

create_app(app_class=Probe).run(headless=True, size=(140, 45))
"""


def test_the_first_frame_is_drawn_before_the_models_the_timeline_and_the_runtime_load() -> None:
    # The first frame of `workbench` waits only for Textual: pydantic models, the session pane,
    # the knobs and the runtime load after it (0.44 s to the first frame when it waited for them).
    out = subprocess.run(
        [sys.executable, "-c", FIRST_FRAME_PROBE], capture_output=True, text=True, check=True
    )
    shown, _, late = out.stdout.strip().rpartition("\n")[-1].partition(" ")
    assert shown == "True"
    assert late == ""


class GatedStart(RecordingApp):
    """Opens on the start screen; the live screen's modules "load" when the test opens the gate."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(start_screen=True, **kwargs)
        self.loaded = asyncio.Event()

    async def load_live_screen(self) -> None:
        await self.loaded.wait()


async def live_in_place(app: WorkbenchApp) -> LiveScreen:
    """Let the live screen load and take the start screen's place."""
    assert isinstance(app, GatedStart)
    app.loaded.set()
    await wait_for(app.signals.live_took_over)
    live = app.screen_stack[-1] if isinstance(app.screen, LiveScreen) else app.screen_stack[-2]
    assert isinstance(live, LiveScreen)
    return live


async def test_what_is_typed_on_the_start_screen_is_kept_and_sent_once_the_runtime_is_ready() -> (
    None
):
    factory = GatedFactory()
    app = create_app(runtime_factory=factory, profile_lister=fake_profiles, app_class=GatedStart)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, StartScreen)
        prompt = app.screen.query_one("#prompt", Input)
        assert prompt.has_focus and "Starting the default profile" in prompt.placeholder
        await pilot.press(*"hello", "enter", *"world", "left")
        live = await live_in_place(app)
        await pilot.pause()
        chat = live.query_one("#chat")
        assert "sent once it is ready" in " ".join(region_text(app, chat).split())
        assert (live.prompt.value, live.prompt.cursor_position) == ("world", 4)
        assert live.prompt.has_focus
        assert factory.started == []
        factory.gate.set()
        await wait_for(app.runtime_ready)
        await wait_for(app.turn_completed)
        assert factory.runtime.prompts == ["hello"]


async def test_a_footer_key_pressed_on_the_start_screen_does_its_work_on_the_live_screen() -> None:
    app = create_app(
        runtime_factory=FakeFactory(), profile_lister=fake_profiles, app_class=GatedStart
    )
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        footer = region_text(app, app.screen.query_one(KeyFooter))
        for expected in ("What if", "Cancel turn", "Help", "Turn axis", "Quit"):  # the live keys
            assert expected in footer
        await pilot.press("x")  # with text in the prompt, ctrl+w deletes a word, as on live
        await pilot.pause()
        assert "What if" not in region_text(app, app.screen.query_one(KeyFooter))
        await pilot.press("ctrl+w")
        await pilot.pause()
        assert app.screen.query_one("#prompt", Input).value == ""
        await pilot.press("f1")
        await live_in_place(app)
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


class KeysWhileMounting(GatedStart):
    """Keys arrive while the live screen is being mounted in the start screen's place."""

    def live_screen(self) -> LiveScreen:
        live = super().live_screen()
        for key, char in (("c", "c"), ("enter", None), ("d", "d")):
            self.post_message(events.Key(key, char))
        return live


async def test_keys_typed_while_the_live_screen_takes_over_reach_its_prompt_in_order() -> None:
    factory = GatedFactory()
    app = create_app(
        runtime_factory=factory, profile_lister=fake_profiles, app_class=KeysWhileMounting
    )
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("a", "b")
        live = await live_in_place(app)
        # "abc" was sent (it waits for the runtime) before "d" was typed: the Enter between them
        # came in the middle of the take-over and kept its place.
        assert live.prompt.value == "d"
        factory.gate.set()
        await wait_for(app.turn_completed)
        assert factory.runtime.prompts == ["abc"]
