"""Every key F1 lists works where it says (F2 and F3 crashed the app), the timeline's keys are
reachable from the prompt, and an exception nobody caught ends the app with one line and exit 1."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.binding import Binding
from textual.pilot import Pilot
from textual.widgets import Input

from tests.fabricate import Script, concurrent_turn
from tests.tui.conftest import ready, recording_app, region_text, run_turn
from tests.tui.fakes import FakeFactory, fake_profiles
from tests.tui.test_replay import write_session
from workbench.tui.app import WorkbenchApp
from workbench.tui.crash import crash_line
from workbench.tui.screens.base import SessionScreen
from workbench.tui.screens.help import HelpScreen
from workbench.tui.screens.whatif import WhatIfScreen
from workbench.tui.widgets.key_footer import KeyFooter
from workbench.tui.widgets.timeline import Timeline

SKIP = {"quit", "close_replay"}
"""Keys that end the screen under test (pressed last, on their own, elsewhere)."""


async def press_every_listed_key(pilot: Pilot[None]) -> list[str]:
    app = pilot.app
    screen = app.screen
    assert isinstance(screen, SessionScreen)
    pressed = []
    pane = screen.pane
    for where, bindings in screen.help_bindings():
        for binding in bindings:
            assert isinstance(binding, Binding)
            if binding.action.partition("(")[0] in SKIP:
                continue
            for key in binding.key.split(","):
                if where == "timeline":
                    pane.show_turn_axis(False)
                    pane.timeline.focus()
                elif where == "turn axis":
                    pane.show_turn_axis(True)
                    pane.turn_axis.focus()
                elif where == "tool chip":
                    chips = screen.query("ToolChip")
                    if chips:
                        chips.first().focus()
                await pilot.pause()
                await pilot.press(key)
                await pilot.pause()
                assert app.return_code is None, f"{key} ({binding.description}) ended the app"
                while app.screen is not screen:  # help, what-if, the palette: close it again
                    app.pop_screen()
                    await pilot.pause()
                pressed.append(key)
    return pressed


async def test_every_key_f1_lists_on_the_live_screen() -> None:
    app = recording_app(runtime_factory=FakeFactory(), profile_lister=fake_profiles)
    async with app.run_test(size=(140, 45)) as pilot:
        await ready(pilot)
        await run_turn(pilot)
        pressed = await press_every_listed_key(pilot)
        assert {"f2", "f3", "ctrl+w", "ctrl+t"} <= set(pressed)
    assert app.return_code in (None, 0)


async def test_every_key_f1_lists_on_the_replay_screen(tmp_path: Path) -> None:
    path = tmp_path / "session.jsonl"
    write_session(path, concurrent_turn(Script()))
    app = recording_app(replay=path, replay_speed=None)
    async with app.run_test(size=(140, 45)) as pilot:
        await app.replay_finished.wait()
        await pilot.pause()
        pressed = await press_every_listed_key(pilot)
        assert {"f2", "f3", "space", "n"} <= set(pressed)
    assert app.return_code in (None, 0)


async def test_f3_and_f2_move_focus_between_timeline_and_prompt(app: WorkbenchApp) -> None:
    async with app.run_test(size=(140, 45)) as pilot:
        await ready(pilot)
        await pilot.press("f3")
        assert isinstance(app.focused, Timeline)
        await pilot.press("f2")
        assert isinstance(app.focused, Input) and app.focused.id == "prompt"


async def test_what_if_and_turn_axis_from_the_prompt(app: WorkbenchApp) -> None:
    async with app.run_test(size=(140, 45)) as pilot:
        await ready(pilot)
        await run_turn(pilot)
        prompt = app.screen.query_one("#prompt", Input)
        prompt.focus()
        await pilot.pause()
        footer = region_text(app, app.screen.query_one(KeyFooter))
        assert "^w What if" in footer and "^t Turn axis" in footer
        await pilot.press("ctrl+t")
        assert app.screen.pane.showing_turn_axis  # type: ignore[attr-defined]
        assert app.focused is prompt  # typing goes on where it was
        await pilot.press("ctrl+w")
        assert isinstance(app.screen, WhatIfScreen)
        app.pop_screen()
        await pilot.pause()
        # With text in the prompt, ctrl+w deletes its last word as it always did.
        await pilot.press("h", "i", "space", "y", "o", "u")
        await pilot.press("ctrl+w")
        assert not isinstance(app.screen, WhatIfScreen)
        assert prompt.value == "hi "


async def test_w_typed_in_the_prompt_is_a_w(app: WorkbenchApp) -> None:
    async with app.run_test(size=(140, 45)) as pilot:
        await ready(pilot)
        await run_turn(pilot)
        app.screen.query_one("#prompt", Input).focus()
        await pilot.press("w")
        assert app.screen.query_one("#prompt", Input).value == "w"
        assert not isinstance(app.screen, (WhatIfScreen, HelpScreen))


async def test_an_unhandled_exception_ends_the_app_with_one_line_and_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "workbench.log"
    monkeypatch.setattr("workbench.tui.crash.log_crash", lambda error: _write(log, error))
    app = recording_app(runtime_factory=FakeFactory(), profile_lister=fake_profiles)

    def boom() -> None:
        raise RuntimeError("a bug of ours")

    async def crash() -> None:
        async with app.run_test(size=(140, 45)) as pilot:
            await ready(pilot)
            app.call_later(boom)
            await pilot.pause()
            await pilot.pause()

    with pytest.raises(Exception, match="workbench crashed") as raised:
        await crash()
    assert app.return_code == 1
    assert str(raised.value) == crash_line(RuntimeError("a bug of ours"), log)
    assert str(raised.value) == (
        f"workbench crashed: RuntimeError: a bug of ours; the traceback is in {log}"
    )
    assert isinstance(raised.value.__cause__, RuntimeError)  # the test still sees the real one
    assert "boom" in log.read_text()


def _write(log: Path, error: BaseException) -> Path:
    import traceback

    log.write_text("".join(traceback.format_exception(error)))
    return log
