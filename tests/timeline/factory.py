"""Fabricate realistic event sequences from a compact description of a batch.

The order and the stats follow the executor's rules: every call is queued when the batch opens, a
call that frees a slot finishes before the next one starts at the same instant, ``started_t`` is the
first attempt's start, and the stats are computed the way ``Batch._stats`` computes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workbench.core.events import (
    BatchFinished,
    BatchStarted,
    BatchStats,
    CallFinished,
    CallQueued,
    CallRetrying,
    CallStarted,
    Event,
    ModelRequestStarted,
    ModelResponseFinished,
    TextDelta,
    ToolCallEmitted,
    TurnFinished,
    TurnStarted,
    TurnStats,
    TurnStatus,
)
from workbench.core.messages import CallStatus, Usage
from workbench.core.settings import EmissionSettings, ExecutionSettings


@dataclass(frozen=True)
class C:
    """One call, times relative to the batch start: queued, first start (None: never ran), end."""

    tool: str
    args: dict[str, Any]
    start: float | None
    end: float
    status: CallStatus = "ok"
    queued: float = 0.0
    retries: tuple[tuple[float, float], ...] = ()
    """(attempt failed at, next attempt started at), one pair per retry."""
    error: str | None = None


def call_id(batch_id: str, index: int) -> str:
    return f"{batch_id}-c{index + 1}"


def batch_stats(calls: list[C], peak: int | None = None) -> BatchStats:
    if not calls:
        return BatchStats(
            calls=0, wall_s=0, sum_s=0, speedup=1.0, peak_concurrency=0, wait_s=0,
            ok=0, errors=0, timeouts=0, cancelled=0,
        )  # fmt: skip
    wall = max(c.end for c in calls) - min(c.queued for c in calls)
    run = sum(c.end - c.start for c in calls if c.start is not None)
    wait = sum((c.start if c.start is not None else c.end) - c.queued for c in calls)
    if peak is None:
        # Finishes sort before starts at the same instant: a freed slot is taken, not doubled.
        edges = sorted(
            [(c.start, 1) for c in calls if c.start is not None]
            + [(c.end, -1) for c in calls if c.start is not None]
        )
        peak = running = 0
        for _, step in edges:
            running += step
            peak = max(peak, running)
    statuses = [c.status for c in calls]
    return BatchStats(
        calls=len(calls),
        wall_s=wall,
        sum_s=run,
        speedup=run / wall if wall > 0 else 1.0,
        peak_concurrency=peak,
        wait_s=wait,
        ok=statuses.count("ok"),
        errors=statuses.count("error"),
        timeouts=statuses.count("timeout"),
        cancelled=statuses.count("cancelled"),
    )


def batch_events(
    batch_id: str,
    calls: list[C],
    *,
    t0: float = 0.0,
    turn: int = 1,
    settings: ExecutionSettings | None = None,
    eager: bool = False,
    finish: bool = True,
) -> list[Event]:
    """batch_started, the call events in time order, then batch_finished (unless ``finish=False``)."""
    settings = settings or ExecutionSettings()
    timed: list[tuple[float, int, int, Event]] = []
    for i, c in enumerate(calls):
        cid = call_id(batch_id, i)
        common: dict[str, Any] = {
            "batch_id": batch_id,
            "call_id": cid,
            "tool": c.tool,
            "args": c.args,
        }
        timed.append((c.queued, 0, i, CallQueued(t=t0 + c.queued, index=i, **common)))
        if c.start is not None:
            timed.append((c.start, 3, i, CallStarted(t=t0 + c.start, attempt=1, **common)))
        for n, (failed, restarted) in enumerate(c.retries, start=1):
            retrying = CallRetrying(
                t=t0 + failed,
                attempt=n,
                error="RuntimeError: flaky",
                delay_s=restarted - failed,
                **common,
            )
            timed.append((failed, 2, i, retrying))
            timed.append((restarted, 3, i, CallStarted(t=t0 + restarted, attempt=n + 1, **common)))
        finished = CallFinished(
            t=t0 + c.end,
            status=c.status,
            result="fine" if c.status == "ok" else f"Error: {c.status}",
            error=c.error if c.status != "ok" else None,
            attempts=1 + len(c.retries),
            queued_t=t0 + c.queued,
            started_t=None if c.start is None else t0 + c.start,
            finished_t=t0 + c.end,
            **common,
        )
        timed.append((c.end, 1, i, finished))
    timed.sort(key=lambda item: item[:3])
    first = min((c.queued for c in calls), default=0.0)
    events: list[Event] = [
        BatchStarted(t=t0 + first, turn=turn, batch_id=batch_id, settings=settings, eager=eager)
    ]
    events += [event for *_, event in timed]
    if finish:
        end = max((c.end for c in calls), default=first)
        events.append(
            BatchFinished(t=t0 + end, turn=turn, batch_id=batch_id, stats=batch_stats(calls))
        )
    return events


def emitted_events(
    batch_id: str, calls: list[C], *, t: float, turn: int = 1, step: float = 0.01
) -> list[Event]:
    return [
        ToolCallEmitted(
            t=t + i * step,
            turn=turn,
            batch_id=batch_id,
            call_id=call_id(batch_id, i),
            tool=c.tool,
            args=c.args,
            index=i,
        )
        for i, c in enumerate(calls)
    ]


def one_batch_turn(
    calls: list[C],
    *,
    batch_id: str = "b1",
    settings: ExecutionSettings | None = None,
    eager: bool = False,
    prompt: str = "Weather in three cities?",
    before: str = "Let me check.",
    answer: str = "All sunny.",
    model_s: tuple[float, float] = (0.3, 0.2),
    status: TurnStatus = "completed",
    turn: int = 1,
) -> list[Event]:
    """A whole turn: a response that emits ``calls``, the batch, then a final text-only response."""
    emission = EmissionSettings()
    first_s, second_s = model_s
    events: list[Event] = [
        TurnStarted(t=0.0, turn=turn, prompt=prompt),
        ModelRequestStarted(
            t=0.0, turn=turn, round_trip=1, provider="scripted", model="m", emission=emission
        ),
        TextDelta(t=0.05, turn=turn, text=before),
    ]
    emit_at = 0.1
    emitted = emitted_events(batch_id, calls, t=emit_at, turn=turn)
    response = ModelResponseFinished(
        t=first_s,
        turn=turn,
        round_trip=1,
        batch_id=batch_id,
        calls=len(calls),
        usage=Usage(input_tokens=500, output_tokens=60),
        duration_s=first_s,
        stop_reason="tool_calls",
    )
    # Eager batches open as the first call streams in, and run while the response goes on.
    t0 = emit_at if eager else first_s
    batch = batch_events(batch_id, calls, t0=t0, turn=turn, settings=settings, eager=eager)
    if eager:
        events += sorted([*emitted, *batch, response], key=lambda e: e.t)  # stable: ties keep order
    else:
        events += [*emitted, response, *batch]
    batch_end = batch[-1].t
    events += [
        ModelRequestStarted(
            t=batch_end, turn=turn, round_trip=2, provider="scripted", model="m", emission=emission
        ),
        TextDelta(t=batch_end + 0.05, turn=turn, text=answer),
        ModelResponseFinished(
            t=batch_end + second_s,
            turn=turn,
            round_trip=2,
            batch_id=None,
            calls=0,
            usage=Usage(input_tokens=312, output_tokens=36),
            duration_s=second_s,
            stop_reason="stop",
        ),
    ]
    end = batch_end + second_s
    stats = batch[-1].stats if isinstance(batch[-1], BatchFinished) else batch_stats(calls)
    events.append(
        TurnFinished(
            t=end,
            turn=turn,
            status=status,
            text=answer if status == "completed" else "",
            stats=TurnStats(
                round_trips=2,
                model_time_s=first_s + second_s,
                tool_time_s=stats.wall_s,
                wall_s=end,
                batches=1,
                calls=len(calls),
                usage=Usage(input_tokens=812, output_tokens=96),
            ),
        )
    )
    return events
