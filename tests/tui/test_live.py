"""Pilot tests of a live session on a fake runtime: prompt, chips, timeline, details, cancel."""

from __future__ import annotations

from textual.widgets import Input, Markdown

from tests.tui.conftest import (
    SIZE,
    ready,
    recording_app,
    region_text,
    run_turn,
    shown,
    submit,
    wait_for,
)
from tests.tui.fakes import FakeFactory
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.live import LiveScreen
from workbench.tui.widgets.chat import ChatView, ToolChip
from workbench.tui.widgets.details import CallDetails
from workbench.tui.widgets.timeline import Timeline


def main_screen(app: WorkbenchApp) -> LiveScreen:
    screen = app.screen
    assert isinstance(screen, LiveScreen)
    return screen


def last_status(screen: LiveScreen) -> str | None:
    return screen.model.turns[-1].status


def timeline_text(app: WorkbenchApp) -> str:
    return region_text(app, app.screen.query_one(Timeline))


def details_text(app: WorkbenchApp) -> str:
    return region_text(app, app.screen.query_one(CallDetails))


async def test_prompt_streams_answer_and_draws_the_batch(
    app: WorkbenchApp, factory: FakeFactory
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await run_turn(pilot, "weather in Paris and Rome?")
        screen = main_screen(app)
        assert factory.runtime.prompts == ["weather in Paris and Rome?"]
        chips = list(screen.query(ToolChip))
        assert [chip.state for chip in chips] == ["ok", "ok", "ok"]
        assert all(chip.has_class("-ok") for chip in chips)
        answer = screen.query(Markdown).last()
        assert "Rome is **warmer**." in answer.source
        text = timeline_text(app)
        assert "▾ b1 · 3 calls" in text
        assert "◆ rt 1" in text and "◆ rt 2" in text
        assert "get_weather city=Rome" in text
        assert "round trips 2" in str(screen.query_one("#totals").render())
        assert screen.query_one("#prompt", Input).value == ""


async def test_next_prompt_works_after_a_turn(app: WorkbenchApp, factory: FakeFactory) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await run_turn(pilot, "one")
        await run_turn(pilot, "two")
        assert factory.runtime.prompts == ["one", "two"]
        assert [b.batch_id for b in main_screen(app).model.batches] == ["b1", "b2"]
        text = timeline_text(app)
        assert "── turn 2 · two" in text and "▾ b2 · 3 calls" in text


async def test_clicking_a_chip_selects_the_call_in_timeline_and_details(app: WorkbenchApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await run_turn(pilot)
        screen = main_screen(app)
        chip = list(screen.query(ToolChip))[1]
        await pilot.click(chip)
        await pilot.pause()
        timeline = screen.query_one(Timeline)
        assert timeline.cursor == chip.call_id
        assert timeline.has_focus
        details = screen.query_one(CallDetails)
        assert details.call_id == chip.call_id
        shown = details_text(app)
        assert "get_weather" in shown and "Rome" in shown


async def test_arrow_keys_walk_the_calls_across_batches(app: WorkbenchApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await run_turn(pilot, "one")
        await run_turn(pilot, "two")
        screen = main_screen(app)
        timeline = screen.query_one(Timeline)
        timeline.focus()
        await pilot.press("home")
        first = timeline.cursor
        await pilot.press("down", "down", "down")
        row = timeline.selected_call()
        assert first is not None and row is not None
        assert row.batch_id == "b2" and row.index == 0  # the fourth call is the first of b2
        await pilot.press("up")
        assert timeline.selected_call() is not None
        assert timeline.selected_call().batch_id == "b1"  # type: ignore[union-attr]
        assert screen.query_one(CallDetails).call_id == timeline.cursor


async def test_clicking_a_timeline_row_selects_it(app: WorkbenchApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await run_turn(pilot)
        timeline = main_screen(app).query_one(Timeline)
        timeline.scroll_home(animate=False, immediate=True)
        await pilot.pause()
        # Lines: turn divider, model row, batch header, axis, then the calls.
        await pilot.click(timeline, offset=(5, 1 + 4 + 2))
        await pilot.pause()
        row = timeline.selected_call()
        assert row is not None and row.index == 2


async def test_esc_cancels_a_hanging_batch_and_the_next_prompt_works(
    app: WorkbenchApp, factory: FakeFactory
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await submit(pilot, "/fault search hang")
        await submit(pilot, "go")
        runtime = factory.runtime
        await wait_for(runtime.hanging)
        await pilot.press("escape")
        await wait_for(app.turn_completed)
        screen = main_screen(app)
        screen.query_one(Timeline).flush()
        search = next(c for c in screen.query(ToolChip) if c.tool == "search")
        assert search.state == "cancelled"
        assert last_status(screen) == "cancelled"
        assert all(row.done for b in screen.model.batches for row in b.calls)
        assert "1 cancelled" in timeline_text(app)
        await submit(pilot, "/fault search off")
        await run_turn(pilot, "again")
        assert last_status(screen) == "completed"


async def test_esc_cancels_even_when_the_runtime_cannot(
    factory: FakeFactory,
) -> None:
    from tests.tui.fakes import fake_profiles

    factory.runtime_kwargs["supports_cancel"] = False
    app = recording_app(runtime_factory=factory, profile_lister=fake_profiles)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await submit(pilot, "/fault search hang")
        await submit(pilot, "go")
        await wait_for(factory.runtime.hanging)
        await pilot.press("escape")
        await wait_for(app.turn_completed)
        await pilot.pause()
        screen = main_screen(app)
        running = [row for b in screen.model.batches for row in b.calls if not row.done]
        assert running == []
        assert last_status(screen) == "cancelled"
        search = next(c for c in screen.query(ToolChip) if c.tool == "search")
        assert search.state == "cancelled"
        await submit(pilot, "/fault search off")
        await run_turn(pilot, "again")
        assert last_status(screen) == "completed"


async def test_chat_keeps_transcript_in_order(app: WorkbenchApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await run_turn(pilot, "first question")
        chat = main_screen(app).query_one(ChatView)
        kinds = [type(child).__name__ for child in chat.children]
        assert kinds[0] == "Static"  # the user's prompt
        assert kinds.index("Markdown") < kinds.index("ToolChip")
        assert kinds[-1] == "Markdown"  # the final answer


async def test_errors_and_notices_reach_the_user(app: WorkbenchApp) -> None:
    from workbench.core.events import ErrorEvent, Notice

    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = main_screen(app)
        await screen.feed(
            Notice(t=0.1, turn=None, message="parallel_tool_calls is ignored by this model")
        )
        await screen.feed(
            ErrorEvent(t=0.2, turn=1, kind="rate_limit", message="Slow down: 429 from the API")
        )
        await pilot.pause()
        chat = region_text(app, screen.query_one(ChatView))
        assert "parallel_tool_calls is ignored" in chat
        assert "rate_limit: Slow down" in chat
        assert any(n.severity == "error" and "429" in n.message for n in shown(app))


async def test_enter_on_a_chip_selects_its_call(app: WorkbenchApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await run_turn(pilot)
        screen = main_screen(app)
        chip = list(screen.query(ToolChip))[2]
        chip.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert screen.query_one(Timeline).cursor == chip.call_id
        assert screen.query_one(CallDetails).call_id == chip.call_id


async def test_what_went_wrong_at_start_is_in_the_transcript() -> None:
    from tests.tui.fakes import fake_profiles
    from workbench.core.events import Notice

    problem = "tool source 'weather-mcp' did not start: connection refused"
    factory = FakeFactory(start_notices=[Notice(t=0.0, turn=None, message=problem)])
    app = recording_app(runtime_factory=factory, profile_lister=fake_profiles)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert "'weather-mcp' did not start" in region_text(
            app, main_screen(app).query_one(ChatView)
        )
