"""The app on the real runtime with the offline scripted model: prompt, knobs, Esc, recording."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from tests.tui.conftest import SIZE, ready, recording_app, run_turn, shown, submit, wait_for
from workbench.config import ScriptedOptions, resolve_profile
from workbench.core.events import CallStarted, Event, TurnFinished
from workbench.runtime import Runtime
from workbench.session import load_session
from workbench.tools.latency import set_latency_scale
from workbench.tui.ports import RuntimeFactory, RuntimeLike
from workbench.tui.screens.live import LiveScreen
from workbench.tui.widgets.chat import ChatView, ToolChip


@dataclass
class Started:
    """A real runtime the app started, and a signal when a call starts (the moment to press Esc)."""

    runtime: Runtime
    call_started: asyncio.Event


@pytest.fixture
def no_latency() -> Iterator[None]:
    old = set_latency_scale(0.0)
    yield
    set_latency_scale(old)


@pytest.fixture
def started() -> list[Started]:
    return []


def factory_for(tmp_path: Path, started: list[Started]) -> RuntimeFactory:
    async def start(name: str | None) -> RuntimeLike:
        profile = resolve_profile(name or "local")
        fast = profile.model_copy(
            update={"scripted": ScriptedOptions(ttft_ms=0.0, tokens_per_s=1_000_000.0)}
        )
        call_started = asyncio.Event()

        def watch(event: Event) -> None:
            if isinstance(event, CallStarted):
                call_started.set()

        runtime = await Runtime.start(fast, record=tmp_path / "session.jsonl", extra_sinks=[watch])
        started.append(Started(runtime, call_started))
        return runtime

    return start


@pytest.mark.usefixtures("no_latency")
async def test_a_real_turn_and_a_knob(tmp_path: Path, started: list[Started]) -> None:
    app = recording_app(runtime_factory=factory_for(tmp_path, started))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await run_turn(pilot, "What's the weather in Paris and Rome?")
        screen = app.screen
        assert isinstance(screen, LiveScreen)
        assert screen.model.turns[-1].status == "completed"
        assert screen.model.batches and all(
            row.state == "ok" for b in screen.model.batches for row in b.calls
        )
        assert all(chip.state == "ok" for chip in screen.query(ToolChip))
        await submit(pilot, "/max 1")
        assert started[-1].runtime.settings.execution.max_concurrent == 1
        await run_turn(pilot, "And the weather in Oslo and Lima?")
        assert screen.model.batches[-1].settings.max_concurrent == 1


@pytest.mark.usefixtures("no_latency")
async def test_esc_cancels_a_hanging_call_and_the_session_records_it(
    tmp_path: Path, started: list[Started]
) -> None:
    app = recording_app(runtime_factory=factory_for(tmp_path, started))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await submit(pilot, "/fault get_weather hang")
        await submit(pilot, "What's the weather in Paris and Rome?")
        await wait_for(started[-1].call_started)
        await pilot.press("escape")
        await wait_for(app.turn_completed)
        screen = app.screen
        assert isinstance(screen, LiveScreen)
        assert screen.model.turns[-1].status == "cancelled"
        rows = [row for b in screen.model.batches for row in b.calls]
        assert rows and all(row.state == "cancelled" for row in rows)
        await submit(pilot, "/fault get_weather off")
        await run_turn(pilot, "What's the weather in Paris?")
        assert [t.status for t in screen.model.turns] == ["cancelled", "completed"]
    recorded = load_session(tmp_path / "session.jsonl")
    statuses = [e.status for e in recorded.events if isinstance(e, TurnFinished)]
    assert statuses == ["cancelled", "completed"]


class CannotCancel(Runtime):
    """A runtime whose cancel request is refused: Esc then cancels the app's worker, which closes
    the turn's iterator mid-batch (the path a second Esc takes)."""

    def cancel_turn(self) -> bool:
        return False


@pytest.mark.usefixtures("no_latency")
async def test_a_forced_cancel_draws_the_loops_own_cleanup(
    tmp_path: Path, started: list[Started]
) -> None:
    async def start(name: str | None) -> RuntimeLike:
        call_started = asyncio.Event()

        def watch(event: Event) -> None:
            if isinstance(event, CallStarted):
                call_started.set()

        runtime = await CannotCancel.start(
            resolve_profile("local"), record=tmp_path / "session.jsonl", extra_sinks=[watch]
        )
        started.append(Started(runtime, call_started))
        return runtime

    app = recording_app(runtime_factory=start)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = app.screen
        assert isinstance(screen, LiveScreen)
        fed: list[Event] = []
        feed = screen.pane.feed

        async def spy(event: Event) -> None:
            fed.append(event)
            await feed(event)

        screen.pane.feed = spy  # type: ignore[method-assign]
        await submit(pilot, "/fault get_weather hang")
        await submit(pilot, "What's the weather in Paris and Rome?")
        await wait_for(started[-1].call_started)
        await pilot.press("escape")
        await wait_for(app.turn_completed)
        rows = [row for b in screen.model.batches for row in b.calls]
        assert rows and all(row.state == "cancelled" for row in rows)
        assert screen.model.turns[-1].status == "cancelled"
        await run_turn(pilot, "What's the date?")
        assert [t.status for t in screen.model.turns] == ["cancelled", "completed"]
    # What was drawn is what the loop emitted and recorded, the cleanup included: nothing made up.
    recorded = load_session(tmp_path / "session.jsonl").events
    assert [e.model_dump() for e in fed] == [e.model_dump() for e in recorded]


@pytest.mark.usefixtures("no_latency")
async def test_a_setting_changed_during_a_turn_is_noted_once(
    tmp_path: Path, started: list[Started]
) -> None:
    app = recording_app(runtime_factory=factory_for(tmp_path, started))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await submit(pilot, "/fault get_weather hang")
        await submit(pilot, "What's the weather in Paris?")
        await wait_for(started[-1].call_started)
        await submit(pilot, "/timeout 2")
        await pilot.press("escape")
        await wait_for(app.turn_completed)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LiveScreen)
        notes = [str(w.render()) for w in screen.query_one(ChatView).query(Static)]
        assert sum("tool timeout 2 s" in note for note in notes) == 1
        assert screen.query_one("#timeout", Input).value == "2s"


@pytest.mark.usefixtures("no_latency")
async def test_export_writes_beside_the_session_and_says_where(
    tmp_path: Path, started: list[Started]
) -> None:
    app = recording_app(runtime_factory=factory_for(tmp_path, started))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await run_turn(pilot, "get_date(), get_date()")
        for fmt, name in (("chrome", "session.trace.json"), ("otlp", "session.otlp.jsonl")):
            await submit(pilot, f"/export {fmt}")
            await app.screen.workers.wait_for_complete()
            await pilot.pause()
            target = tmp_path / name
            assert target.exists()
            assert any(str(target) in n.message for n in shown(app))
            # In the transcript too, in one sentence (it read "… (chrome) to wrote 23 … to PATH").
            notes = [str(w.render()) for w in app.screen.query_one(ChatView).query(Static)]
            [note] = [n for n in notes if n.startswith(f"Exported the session ({fmt})")]
            assert note.startswith(f"Exported the session ({fmt}): wrote ")
            assert note.endswith(f" to {target}")


async def test_an_app_session_in_which_no_turn_ran_leaves_no_file(
    tmp_path: Path, no_latency: None
) -> None:
    # Opening the app and closing it (or switching profile) without asking anything left an empty
    # session behind each time: rows of '0 turns' in the browser. A named --record path is kept.
    from workbench.paths import sessions_dir
    from workbench.tui.app import create_app
    from workbench.tui.ports import default_runtime_factory

    app = create_app(runtime_factory=default_runtime_factory(None))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert len(list(sessions_dir().glob("*.jsonl"))) == 1  # recording while it is open
    assert list(sessions_dir().glob("*.jsonl")) == []

    app = create_app(runtime_factory=default_runtime_factory(None))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await run_turn(pilot, "get_date()")
    [kept] = sessions_dir().glob("*.jsonl")
    assert [e.type for e in load_session(kept).events].count("turn_started") == 1

    named = tmp_path / "named.jsonl"
    app = create_app(runtime_factory=default_runtime_factory(named))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
    assert named.is_file()
