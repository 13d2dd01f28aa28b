"""The timeline reducer: what the TUI and the printer see after realistic event sequences."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from tests.fabricate import C, batch_events, call_id, emitted_events, one_batch_turn
from workbench.core.events import (
    BatchFinished,
    CallFinished,
    CallStarted,
    ErrorEvent,
    Event,
    ModelRequestStarted,
    Notice,
    SettingsChanged,
    TextDelta,
    TurnFinished,
    TurnStarted,
    TurnStats,
)
from workbench.core.messages import Usage
from workbench.core.settings import EmissionSettings, ExecutionSettings, RunSettings
from workbench.core.timeline import Change, TimelineModel

CITIES = [
    C("get_weather", {"city": "Tokyo"}, 0.0, 0.251),
    C("get_weather", {"city": "Paris"}, 0.0, 0.160),
    C("get_weather", {"city": "Lima"}, 0.0, 0.152),
]


def run(events: Iterable[Event], model: TimelineModel | None = None) -> TimelineModel:
    model = model or TimelineModel()
    for event in events:
        model.apply(event)
    return model


def test_concurrent_batch_is_grouped_in_call_order_with_its_model_response() -> None:
    model = run(one_batch_turn(CITIES))
    [batch] = model.batches
    assert [c.args for c in batch.calls] == [{"city": "Tokyo"}, {"city": "Paris"}, {"city": "Lima"}]
    assert [c.state for c in batch.calls] == ["ok", "ok", "ok"]
    assert batch.peak == 3 and batch.running == 0
    assert (
        batch.done and batch.stats is not None and batch.stats.speedup == pytest.approx(2.243, 1e-3)
    )
    assert batch.model_span is model.model_spans[0]
    assert batch.emission == EmissionSettings()
    assert model.model_spans[0].batch_id == "b1"
    tokyo = batch.calls[0]
    assert tokyo.emitted_t == pytest.approx(0.1)
    assert tokyo.queued_t == pytest.approx(0.3)
    assert tokyo.run_s == pytest.approx(0.251) and tokyo.wait_s == 0.0
    assert model.call(call_id("b1", 0)) is tokyo


def test_totals_add_up_round_trips_usage_model_and_tool_time() -> None:
    model = run(one_batch_turn(CITIES))
    totals = model.totals
    assert (totals.round_trips, totals.batches, totals.calls, totals.failures) == (2, 1, 3, 0)
    assert totals.usage == Usage(input_tokens=812, output_tokens=96)
    assert totals.model_time_s == pytest.approx(0.5)
    assert totals.tool_time_s == pytest.approx(0.251)
    assert totals.wall_s == pytest.approx(0.751)
    [turn] = model.turns
    assert (turn.prompt, turn.text, turn.status, turn.answer) == (
        "Weather in three cities?",
        "Let me check.All sunny.",
        "completed",
        "All sunny.",
    )
    assert turn.batch_ids == ["b1"]


def test_capped_batch_shows_calls_waiting_for_a_slot() -> None:
    calls = [
        C("a", {}, 0.0, 0.2),
        C("b", {}, 0.0, 0.1),
        C("c", {}, 0.1, 0.3),
    ]
    events = batch_events("b1", calls, settings=ExecutionSettings(max_concurrent=2))
    model = TimelineModel()
    # Up to the moment b finishes: c is queued, two calls hold the slots.
    first_finish = next(i for i, e in enumerate(events) if isinstance(e, CallFinished))
    run(events[:first_finish], model)
    batch = model.batches[0]
    assert [c.state for c in batch.calls] == ["running", "running", "queued"]
    assert batch.running == 2
    run(events[first_finish:], model)
    c = batch.calls[2]
    assert c.wait_s == pytest.approx(0.1)
    assert batch.peak == 2
    assert batch.live_stats().wait_s == pytest.approx(0.1)
    assert batch.live_stats().wall_s == pytest.approx(0.3)


def test_sequential_batch_runs_one_call_at_a_time() -> None:
    calls = [C("a", {}, 0.0, 0.1), C("b", {}, 0.1, 0.2), C("c", {}, 0.2, 0.3)]
    model = run(batch_events("b1", calls, settings=ExecutionSettings(concurrent=False)))
    batch = model.batches[0]
    assert batch.peak == 1
    assert [round(c.wait_s, 3) for c in batch.calls] == [0.0, 0.1, 0.2]
    assert not batch.settings.concurrent


def test_eager_batch_runs_while_its_model_response_still_streams() -> None:
    events = one_batch_turn(CITIES, eager=True)
    model = TimelineModel()
    response_at = next(
        i for i, e in enumerate(events) if e.type == "model_response_finished" and e.round_trip == 1
    )
    run(events[:response_at], model)
    batch = model.batches[0]
    span = model.model_spans[0]
    assert span.end_t is None, "the response is still streaming"
    assert batch.eager and batch.model_span is span and span.batch_id == "b1"
    assert any(c.state == "running" for c in batch.calls)
    assert span.calls == 3
    run(events[response_at:], model)
    assert span.end_t == pytest.approx(0.3) and span.calls == 3
    assert batch.calls[0].finished_t == pytest.approx(0.351)


def test_emitted_calls_wait_for_the_batch_in_non_eager_mode() -> None:
    events: list[Event] = [
        TurnStarted(t=0, turn=1, prompt="p"),
        ModelRequestStarted(
            t=0, turn=1, round_trip=1, provider="x", model="m", emission=EmissionSettings()
        ),
        *emitted_events("b1", CITIES, t=0.1),
    ]
    model = run(events)
    batch = model.batches[0]
    assert not batch.has_started
    assert [c.state for c in batch.calls] == ["emitted"] * 3
    run(batch_events("b1", CITIES, t0=0.3), model)
    assert batch.has_started and [c.state for c in batch.calls] == ["ok"] * 3
    assert batch.calls[0].emitted_t == pytest.approx(0.1)
    assert batch.calls[0].queued_t == pytest.approx(0.3)


def test_errors_timeouts_and_cancellations_are_counted() -> None:
    calls = [
        C("a", {}, 0.0, 0.1, "error", error="boom"),
        C("b", {}, 0.0, 0.5, "timeout", error="timed out after 0.5 s"),
        C("c", {}, 0.0, 0.3, "cancelled"),
        C("d", {}, 0.0, 0.2),
    ]
    model = run(batch_events("b1", calls, settings=ExecutionSettings(timeout_s=0.5)))
    batch = model.batches[0]
    assert [c.state for c in batch.calls] == ["error", "timeout", "cancelled", "ok"]
    assert batch.calls[0].error == "boom"
    assert batch.outcomes == {"error": 1, "timeout": 1, "cancelled": 1, "ok": 1}
    totals = model.totals
    assert (totals.failures, totals.errors, totals.timeouts, totals.cancelled) == (3, 1, 1, 1)


def test_retries_record_each_attempt_and_keep_the_slot_through_backoff() -> None:
    calls = [C("flaky", {}, 0.0, 0.5, retries=((0.1, 0.2), (0.3, 0.4))), C("steady", {}, 0.0, 0.25)]
    events = batch_events("b1", calls, settings=ExecutionSettings(retries=2))
    model = TimelineModel()
    first_retry = next(i for i, e in enumerate(events) if e.type == "call_retrying")
    run(events[: first_retry + 1], model)
    flaky = model.batches[0].calls[0]
    assert flaky.state == "retrying"
    assert model.batches[0].running == 2, "a call backing off still holds its slot"
    run(events[first_retry + 1 :], model)
    assert model.batches[0].calls[0].state == "ok" and flaky.attempts == 3
    assert flaky.retry_ts == pytest.approx([0.1, 0.3])
    assert flaky.attempt_ts == pytest.approx([0.0, 0.2, 0.4])
    assert flaky.started_t == 0.0 and flaky.run_s == pytest.approx(0.5)
    assert model.batches[0].peak == 2


def test_cancellation_mid_batch_leaves_unstarted_calls_cancelled_without_a_start() -> None:
    calls = [
        C("a", {}, 0.0, 0.1),
        C("b", {}, 0.0, 0.2, "cancelled"),
        C("c", {}, None, 0.2, "cancelled"),
    ]
    events = one_batch_turn(calls, settings=ExecutionSettings(max_concurrent=2), status="cancelled")
    model = run(events)
    c = model.batches[0].calls[2]
    assert c.state == "cancelled" and c.started_t is None
    assert c.wait_s == pytest.approx(0.2) and c.run_s == 0.0
    assert model.turns[0].status == "cancelled"


def test_turn_cancelled_mid_stream_closes_emitted_calls() -> None:
    events: list[Event] = [
        TurnStarted(t=0, turn=1, prompt="p"),
        ModelRequestStarted(
            t=0, turn=1, round_trip=1, provider="x", model="m", emission=EmissionSettings()
        ),
        *emitted_events("b1", CITIES[:2], t=0.1),
    ]
    model = run(events)
    stats = TurnStats(
        round_trips=1, model_time_s=0.3, tool_time_s=0, wall_s=0.3, batches=0, calls=0,
        usage=Usage(),
    )  # fmt: skip
    change = model.apply(TurnFinished(t=0.3, turn=1, status="cancelled", text="", stats=stats))
    assert change.closed == (call_id("b1", 0), call_id("b1", 1))
    batch = model.batches[0]
    assert batch.done and [c.state for c in batch.calls] == ["cancelled", "cancelled"]
    assert model.model_spans[0].end_t == pytest.approx(0.3)
    assert model.totals.model_time_s == pytest.approx(0.3)


def test_a_finish_without_queued_or_started_still_makes_a_row() -> None:
    model = TimelineModel()
    change = model.apply(
        CallFinished(
            t=0.5,
            batch_id="bx",
            call_id="c9",
            tool="t",
            args={"x": 1},
            status="ok",
            result="r",
            queued_t=0.1,
            started_t=0.2,
            finished_t=0.5,
        )
    )
    assert (change.batch_id, change.call_id) == ("bx", "c9")
    row = model.call("c9")
    assert row is not None and row.state == "ok"
    assert row.wait_s == pytest.approx(0.1) and row.run_s == pytest.approx(0.3)
    batch = model.batch("bx")
    assert batch is not None and batch.axis() == pytest.approx((0.1, 0.5))
    assert not batch.has_started
    assert batch.live_stats().ok == 1


def test_calls_arriving_out_of_index_order_are_kept_in_call_order() -> None:
    events = batch_events("b1", CITIES)
    late_first = [e for e in events if e.type != "call_queued"]
    model = run(late_first)  # rows are created by call_started, in a scrambled order
    model.apply(events[3])  # call_queued index 2 arrives and places its row
    model.apply(events[1])
    model.apply(events[2])
    assert [c.index for c in model.batches[0].calls] == [0, 1, 2]


def test_live_stats_while_running_and_changes_say_what_to_refresh() -> None:
    events = batch_events("b1", CITIES, finish=False)
    model = TimelineModel()
    changes: list[Change] = [model.apply(e) for e in events[:7]]  # queued ×3, started ×3
    batch = model.batches[0]
    assert batch.running == 3 and batch.peak == 3 and not batch.done
    started = changes[4]
    assert isinstance(started.event, CallStarted)
    assert (started.batch_id, started.call_id) == ("b1", call_id("b1", 0))
    for e in events[7:]:
        model.apply(e)
    assert batch.running == 0 and batch.finished_calls == 3
    assert batch.effective_stats().peak_concurrency == 3
    assert batch.live_stats().sum_s == pytest.approx(0.563)
    finish = model.apply(BatchFinished(t=0.251, turn=1, batch_id="b1", stats=batch.live_stats()))
    assert finish.session and batch.done


def test_text_settings_notices_and_errors_are_kept() -> None:
    model = TimelineModel()
    model.apply(TurnStarted(t=0, turn=1, prompt="hi"))
    a = model.apply(TextDelta(t=0.1, turn=1, text="Hel"))
    model.apply(TextDelta(t=0.2, turn=1, text="lo"))
    assert (a.turn, a.text) == (1, "Hel")
    assert model.turns[0].text == "Hello"
    settings = RunSettings(execution=ExecutionSettings(max_concurrent=2))
    change = model.apply(
        SettingsChanged(t=0.3, changes={"execution.max_concurrent": 2}, settings=settings)
    )
    assert change.session and model.settings == settings and len(model.settings_changes) == 1
    model.apply(Notice(t=0.4, turn=1, message="parallel knob ignored"))
    model.apply(ErrorEvent(t=0.5, turn=1, kind="provider", message="rate limited"))
    assert [n.message for n in model.notices] == ["parallel knob ignored"]
    assert [e.message for e in model.errors] == ["rate limited"]
    assert model.totals.wall_s == pytest.approx(0.5)


def test_many_events_keep_their_bookkeeping_consistent() -> None:
    model = TimelineModel()
    for n in range(200):
        calls = [C("t", {"i": i}, 0.0, 0.01 * (i + 1)) for i in range(10)]
        run(batch_events(f"b{n}", calls, t0=n * 1.0), model)
    assert len(model.batches) == 200 and model.totals.calls == 2000
    assert all(b.running == 0 and b.peak == 10 for b in model.batches)
    assert model.totals.tool_time_s == pytest.approx(200 * 0.1)
