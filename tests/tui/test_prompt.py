"""What the prompt does with what the user types or pastes: a rejected command is selected (the next
one replaces it), a multi-line paste keeps every line, ``/replay`` of a missing file stays put."""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.widgets import Input

from tests.tui.conftest import SIZE, ready, shown, submit, wait_for
from tests.tui.fakes import FakeFactory
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.live import LiveScreen


async def test_a_rejected_command_is_replaced_by_what_is_typed_next(app: WorkbenchApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await submit(pilot, "/max abc")
        prompt = app.screen.query_one("#prompt", Input)
        assert prompt.value == "/max abc"  # kept, to be fixed
        await pilot.press(*"/max 3", "enter")
        await pilot.pause()
        assert prompt.value == ""  # not "/max abc/max 3"
        assert not [n for n in shown(app) if "/max abc/max" in n.message]
        assert app.screen.query_one("#max", Input).value == "3"


async def test_a_multi_line_paste_keeps_every_line(app: WorkbenchApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        prompt = app.screen.query_one("#prompt", Input)
        prompt.focus()
        await pilot.pause()
        prompt.post_message(events.Paste("weather in Tokyo\n\nand in Paris\r\nplease"))
        await pilot.pause()
        assert prompt.value == "weather in Tokyo and in Paris please"
        screen = app.screen
        assert isinstance(screen, LiveScreen)
        assert screen.model.turns == []  # a newline in a paste is not Enter


async def test_replay_of_a_missing_file_stays_on_the_live_screen(
    app: WorkbenchApp, tmp_path: Path
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        missing = tmp_path / "nope.jsonl"
        await submit(pilot, f"/replay {missing}")
        await pilot.pause()
        assert isinstance(app.screen, LiveScreen)
        assert any(n.title == "Cannot replay" and str(missing) in n.message for n in shown(app))


async def test_letters_typed_right_behind_enter_are_not_sent_with_the_message(
    app: WorkbenchApp, factory: FakeFactory
) -> None:
    # A terminal hands over a fast typist's keys (or tmux send-keys, or a paste tool) in one read:
    # Enter and the letters behind it arrive together. Submitting on the binding, once Enter had
    # bubbled up to the app, let the letters reach the prompt first: "get_date()next" was sent.
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        prompt = app.screen.query_one("#prompt", Input)
        prompt.focus()
        await pilot.pause()
        for key in [*"get_date()", "enter", *"next"]:  # posted at once, as one read delivers them
            character = key if len(key) == 1 else None
            app.post_message(events.Key(key, character))
        await wait_for(app.turn_completed)
        await pilot.pause()
        assert factory.runtime.prompts == ["get_date()"]
        assert prompt.value == "next"  # kept for the next message
