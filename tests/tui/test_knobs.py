"""Every knob, turned by the user, reaches the runtime and shows on the next batch."""

from __future__ import annotations

import pytest
from textual.widgets import Button, Input, Label, Select, Switch

from tests.tui.conftest import SIZE, ready, recording_app, region_text, run_turn, shown, submit
from tests.tui.fakes import FakeFactory, fake_profiles
from workbench.core.provider import ProviderCapabilities
from workbench.tui.app import WorkbenchApp
from workbench.tui.widgets.knobs import FaultChip, Knobs
from workbench.tui.widgets.timeline import Timeline


async def test_switches_change_emission_and_concurrency(
    app: WorkbenchApp, factory: FakeFactory
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        knobs = app.screen.query_one(Knobs)
        assert knobs.query_one("#parallel-label", Label).content == "parallel_tool_calls"
        await pilot.click("#parallel")
        await pilot.pause()
        assert factory.runtime.settings.emission.parallel is False
        await pilot.click("#concurrency")
        await pilot.pause()
        assert factory.runtime.settings.execution.concurrent is False
        assert knobs.query_one("#concurrency", Switch).value is False
        await run_turn(pilot)
        timeline = region_text(app, app.screen.query_one(Timeline))
        assert "sequential" in timeline  # the batch shows the settings it ran under
        assert "parallel off" in timeline


async def test_function_calling_mode_select(app: WorkbenchApp, factory: FakeFactory) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        select = app.screen.query_one("#mode", Select)
        select.value = "ANY"
        await pilot.pause()
        assert factory.runtime.settings.emission.function_calling_mode == "ANY"


async def test_max_concurrent_buttons_and_typing(app: WorkbenchApp, factory: FakeFactory) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.click("#max-down")
        await pilot.pause()
        assert factory.runtime.settings.execution.max_concurrent == 9
        await pilot.click("#max-up")
        await pilot.click("#max-up")
        await pilot.pause()
        assert factory.runtime.settings.execution.max_concurrent == 11
        cap = app.screen.query_one("#max", Input)
        cap.focus()
        cap.value = "3"
        await pilot.press("enter")
        await pilot.pause()
        assert factory.runtime.settings.execution.max_concurrent == 3
        cap.value = "0"
        await pilot.press("enter")
        await pilot.pause()
        assert factory.runtime.settings.execution.max_concurrent == 3
        assert cap.value == "3"  # a refused value is put back, with a notification
        assert any("max takes a whole number from 1 to 10000" in n.message for n in shown(app))
        await run_turn(pilot)
        assert "concurrent ≤3" in region_text(app, app.screen.query_one(Timeline))


async def test_timeout_input(app: WorkbenchApp, factory: FakeFactory) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        timeout = app.screen.query_one("#timeout", Input)
        timeout.focus()
        timeout.value = "2.5"
        await pilot.press("enter")
        await pilot.pause()
        assert factory.runtime.settings.execution.timeout_s == 2.5
        timeout.value = ""
        await pilot.press("enter")
        await pilot.pause()
        assert factory.runtime.settings.execution.timeout_s is None


async def test_fault_chip_cycles_presets(app: WorkbenchApp, factory: FakeFactory) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        chip = next(c for c in app.screen.query(FaultChip) if c.tool == "search")
        seen = []
        for _ in range(4):
            await pilot.click(chip)
            await pilot.pause()
            seen.append(chip.preset)
            fault = factory.runtime.settings.execution.faults.get("search")
            assert (fault is not None) == (chip.preset != "off")
        assert seen == ["slow", "flaky", "hang", "off"]
        assert chip.has_class("-off")


@pytest.mark.parametrize(
    "knob", ["disable_parallel_tool_use", "tool_choice.disable_parallel_tool_use"]
)
async def test_inverted_provider_knob_is_shown_the_providers_way(knob: str) -> None:
    factory = FakeFactory(capabilities=ProviderCapabilities(parallel_knob=knob))
    app = recording_app(runtime_factory=factory, profile_lister=fake_profiles)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        switch = app.screen.query_one("#parallel", Switch)
        label = app.screen.query_one("#parallel-label", Label)
        assert label.content == knob
        assert switch.value is False  # parallel is on, so "disable" is off
        assert not app.screen.query_one("#mode", Select).display
        await pilot.click(switch)
        await pilot.pause()
        assert factory.runtime.settings.emission.parallel is False
        assert switch.value is True


async def test_missing_provider_knob_is_disabled_with_its_note() -> None:
    factory = FakeFactory(
        capabilities=ProviderCapabilities(
            parallel_knob=None, parallel_note="This API has no parallel switch."
        )
    )
    app = recording_app(runtime_factory=factory, profile_lister=fake_profiles)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert app.screen.query_one("#parallel", Switch).disabled
        note = app.screen.query_one("#parallel-note", Label)
        assert "no parallel switch" in str(note.content)


async def test_slash_commands_turn_the_same_knobs(app: WorkbenchApp, factory: FakeFactory) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        for command in (
            "/parallel off",
            "/concurrency off",
            "/max 4",
            "/timeout 7",
            "/fault fetch flaky",
            "/mode none",
        ):
            await submit(pilot, command)
        settings = factory.runtime.settings
        assert settings.emission.parallel is False
        assert settings.emission.function_calling_mode == "NONE"
        assert settings.execution.concurrent is False
        assert settings.execution.max_concurrent == 4
        assert settings.execution.timeout_s == 7
        assert settings.execution.faults["fetch"].failure_rate == 0.5
        knobs = app.screen.query_one(Knobs)
        assert knobs.query_one("#max", Input).value == "4"
        assert knobs.query_one("#timeout", Input).value == "7s"
        fetch = next(c for c in knobs.query(FaultChip) if c.tool == "fetch")
        assert fetch.preset == "flaky"


async def test_bad_command_keeps_the_text_and_says_why(app: WorkbenchApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await submit(pilot, "/max lots")
        assert app.screen.query_one("#prompt", Input).value == "/max lots"
        assert any("whole number" in n.message for n in shown(app))
        await submit(pilot, "/fault nosuchtool slow")
        assert any("No tool named" in n.message for n in shown(app))
        await submit(pilot, "/bogus")
        assert any("Unknown command /bogus" in n.message for n in shown(app))


async def test_profile_button_opens_the_picker(app: WorkbenchApp, factory: FakeFactory) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert str(app.screen.query_one("#profile", Button).label).startswith("fake")


async def test_a_slash_typed_from_the_timeline_starts_a_command_in_the_prompt() -> None:
    factory = FakeFactory()
    app = recording_app(runtime_factory=factory, profile_lister=fake_profiles)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.screen.query_one(Timeline).focus()
        await pilot.pause()
        await pilot.press("slash")
        await pilot.pause()
        prompt = app.screen.query_one("#prompt", Input)
        assert app.focused is prompt, app.focused
        assert prompt.value == "/"
        await pilot.press("m", "a", "x", "space", "3")
        assert prompt.value == "/max 3"
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        assert factory.runtime.settings.execution.max_concurrent == 3


async def test_strict_switch_and_retries_input_are_on_the_bar(
    app: WorkbenchApp, factory: FakeFactory
) -> None:
    # Both are knobs of the table, so the bar has them with no code of their own.
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.click("#strict")
        await pilot.pause()
        assert factory.runtime.settings.emission.strict is True
        retries = app.screen.query_one("#retries", Input)
        retries.focus()
        retries.value = "2"
        await pilot.press("enter")
        await pilot.pause()
        assert factory.runtime.settings.execution.retries == 2
        retries.value = "11"
        await pilot.press("enter")
        await pilot.pause()
        assert factory.runtime.settings.execution.retries == 2
        assert retries.value == "2"  # put back, with the reason
        assert any("must be at most 10" in n.message for n in shown(app))
