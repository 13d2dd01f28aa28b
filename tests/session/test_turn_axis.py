"""A whole turn on one time axis: model + tools − overlap + idle = wall, on sessions recorded with the
real runtime (eager and not, retries, failures, turns cancelled mid-call and mid-stream)."""

from __future__ import annotations

import asyncio

import pytest

from workbench.core.events import CallRetrying, Event, TurnFinished
from workbench.render.turn_axis import TurnAxis, TurnAxisBuilder, render_turn_axis, turn_axes
from workbench.session import load_session
from workbench.tools.latency import set_latency_scale

from .recorded import varied_sessions

MS = 1e-3
LOOP_READS = 5e-3
"""The loop reads the clock again for its own totals (``wall_s``, ``model_time_s``) a few
microseconds after the event's ``t``; on a busy machine the process can be preempted in between."""


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Event]]:
    home = tmp_path_factory.mktemp("axis-home")
    with pytest.MonkeyPatch.context() as mp:
        for var in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME"):
            mp.setenv(var, str(home / var.lower()))
        previous = set_latency_scale(0.0)
        try:
            paths = asyncio.run(varied_sessions(tmp_path_factory.mktemp("axis")))
        finally:
            set_latency_scale(previous)
    return {name: load_session(path).events for name, path in paths.items()}


def finished(events: list[Event]) -> dict[int, TurnFinished]:
    return {e.turn: e for e in events if isinstance(e, TurnFinished)}


def test_the_scenarios_are_what_they_claim(recorded: dict[str, list[Event]]) -> None:
    assert any(isinstance(e, CallRetrying) for e in recorded["retries"])
    statuses = [t.status for t in finished(recorded["cancelled"]).values()]
    assert statuses == ["cancelled", "cancelled", "completed"]


@pytest.mark.parametrize("name", ["eager", "batched", "retries", "cancelled", "mixed"])
def test_the_figures_add_up_to_the_turn_wall_time(
    recorded: dict[str, list[Event]], name: str
) -> None:
    events = recorded[name]
    axes = turn_axes(events)
    ends = finished(events)
    assert [a.turn for a in axes] == sorted(ends)
    for axis in axes:
        total = axis.model_s + axis.tools_s - axis.overlap_s + axis.idle_s
        assert abs(total - axis.wall_s) < MS
        assert abs(axis.wall_s - ends[axis.turn].stats.wall_s) < LOOP_READS
        assert min(axis.model_s, axis.tools_s, axis.overlap_s, axis.idle_s) >= 0
        assert axis.overlap_s <= min(axis.model_s, axis.tools_s) + 1e-9
        assert abs(axis.ttft_s + axis.streaming_s - axis.model_s) < 1e-9
        assert axis.status == ends[axis.turn].status
        for span in axis.spans:
            assert axis.start - 1e-9 <= span.start <= span.end <= axis.end + 1e-9


@pytest.mark.parametrize("name", ["eager", "batched", "retries", "mixed"])
def test_model_time_is_the_loop_s_own_figure(recorded: dict[str, list[Event]], name: str) -> None:
    ends = finished(recorded[name])
    for axis in turn_axes(recorded[name]):
        assert abs(axis.model_s - ends[axis.turn].stats.model_time_s) < LOOP_READS
        assert axis.round_trips == ends[axis.turn].stats.round_trips
        assert axis.batches == ends[axis.turn].stats.batches


def test_eager_calls_overlap_the_stream_and_batched_ones_never_do(
    recorded: dict[str, list[Event]],
) -> None:
    eager = turn_axes(recorded["eager"])
    batched = turn_axes(recorded["batched"])
    assert any(a.overlap_s > 0 for a in eager)
    assert all(a.overlap_s == 0 for a in batched)
    # Both ran the same prompts, so the same round trips and batches.
    assert [a.round_trips for a in eager] == [a.round_trips for a in batched]


def test_a_turn_cancelled_mid_stream_ends_its_round_trip_at_the_cancel(
    recorded: dict[str, list[Event]],
) -> None:
    first, second, third = turn_axes(recorded["cancelled"])
    assert first.tools_s > 0  # hang() ran until the cancel
    [cut] = [s for s in second.spans if s.kind == "model"]
    assert not cut.finished
    assert cut.first_token is not None  # it was cancelled after text had streamed
    assert second.tools_s == 0
    assert all(s.finished for s in third.spans)


def test_live_folding_gives_a_running_turn_then_the_same_axes(
    recorded: dict[str, list[Event]],
) -> None:
    events = recorded["eager"]
    builder = TurnAxisBuilder()
    seen_running: list[TurnAxis] = []
    for event in events:
        builder.apply(event)
        running = builder.current()
        if running is not None:
            seen_running.append(running)
    assert seen_running and all(a.status is None for a in seen_running)
    for axis in seen_running:
        total = axis.model_s + axis.tools_s - axis.overlap_s + axis.idle_s
        assert abs(total - axis.wall_s) < MS
    assert builder.axes() == turn_axes(events)


def test_the_text_shows_both_rows_on_one_axis_and_the_split(
    recorded: dict[str, list[Event]],
) -> None:
    axis = turn_axes(recorded["batched"])[0]
    title, model, tools, split, detail = render_turn_axis(axis, width=80)
    assert title.startswith("turn 1 · completed")
    assert len(model) == len(tools) == 80
    assert "▒" in model and "█" in tools
    assert split.strip().startswith(f"wall {axis.wall_s * 1e3:.0f} ms = model")
    assert "− overlap 0 ms (0%)" in split
    assert "3 round trips, 2 batches" in detail
