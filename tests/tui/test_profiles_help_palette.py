"""Switching profile, the help screen and the command palette."""

from __future__ import annotations

from textual.widgets import Input, OptionList, Static

from tests.tui.conftest import (
    SIZE,
    ready,
    region_text,
    run_turn,
    shown,
    submit,
    wait_for,
)
from tests.tui.fakes import FakeFactory
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.help import HelpScreen
from workbench.tui.screens.live import LiveScreen
from workbench.tui.screens.profiles import ProfilePicker


async def test_picker_lists_every_profile_and_disables_broken_ones(
    app: WorkbenchApp, factory: FakeFactory
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await run_turn(pilot)
        first = factory.runtime
        await pilot.click("#profile")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, ProfilePicker)
        options = picker.query_one(OptionList)
        listed = {options.get_option_at_index(i).id: i for i in range(options.option_count)}
        assert set(listed) == {"fake", "other", "broken"}
        assert options.get_option_at_index(listed["broken"]).disabled
        assert "unknown key 'modle'" in region_text(app, options)
        app.runtime_ready.clear()
        options.highlighted = listed["other"]
        await pilot.press("enter")
        await wait_for(app.runtime_ready)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LiveScreen)
        assert first.closed
        assert factory.runtime.profile.name == "other"
        assert "other" in str(screen.query_one("#status", Static).render())
        assert screen.model.batches == []  # a new profile is a new session


async def test_profile_command_and_a_broken_profile(
    app: WorkbenchApp, factory: FakeFactory
) -> None:
    factory.broken["nope"] = "nope.yaml: no such profile"
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        first = factory.runtime
        await submit(pilot, "/profile nope")
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert any("no such profile" in n.message for n in shown(app))
        assert not first.closed  # the working session goes on
        app.runtime_ready.clear()
        await submit(pilot, "/profile other")
        await wait_for(app.runtime_ready)
        assert factory.runtime.profile.name == "other"
        await run_turn(pilot)
        assert factory.runtime.prompts


async def test_help_lists_every_binding_and_command(app: WorkbenchApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = region_text(app, app.screen.query_one("VerticalScroll"))
        help_box = app.screen.query_one("VerticalScroll")
        help_box.scroll_end(animate=False, immediate=True)  # the commands are under the keys
        await pilot.pause()
        text += region_text(app, help_box)
        for expected in ("Cancel turn", "escape", "/fault TOOL", "/replay FILE", "Next call"):
            assert expected in text
        for replay_only in ("Pause/play", "Step batch"):  # the live screen's keys only
            assert replay_only not in text
        await pilot.press("escape")
        assert isinstance(app.screen, LiveScreen)
        await submit(pilot, "/help")
        assert isinstance(app.screen, HelpScreen)


async def test_the_palette_finds_every_slash_command_by_its_name(app: WorkbenchApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = app.screen
        assert isinstance(screen, LiveScreen)
        titles = " ".join(entry[0] for entry in screen.palette_entries()).casefold()
        for kind in screen.known_commands():
            assert kind.name in titles or kind.name == "profile", f"/{kind.name} is not offered"


async def test_palette_offers_the_knobs(app: WorkbenchApp, factory: FakeFactory) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        palette_input = app.screen.query_one(Input)
        palette_input.value = "Max concurrent tools: 4"
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert factory.runtime.settings.execution.max_concurrent == 4
