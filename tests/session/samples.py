"""A realistic recorded run that uses every event type, for the session tests."""

from __future__ import annotations

from typing import Any

from workbench.core.events import (
    BatchFinished,
    BatchStarted,
    BatchStats,
    CallFinished,
    CallQueued,
    CallRetrying,
    CallStarted,
    ErrorEvent,
    Event,
    ModelRequestStarted,
    ModelResponseFinished,
    Notice,
    SettingsChanged,
    TextDelta,
    ToolCallEmitted,
    TurnFinished,
    TurnStarted,
    TurnStats,
)
from workbench.core.messages import Usage
from workbench.core.settings import EmissionSettings, ExecutionSettings, Fault, RunSettings

PROFILE: dict[str, Any] = {
    "name": "demo",
    "type": "openai-chat",
    "model": "gpt-4.1-mini",
    "api_key_env": "OPENAI_API_KEY",
    "max_tokens": 4096,
}


def _stats(calls: int, ok: int, errors: int = 0, timeouts: int = 0) -> BatchStats:
    return BatchStats(
        calls=calls,
        wall_s=0.41,
        sum_s=1.1,
        speedup=2.68,
        peak_concurrency=2,
        wait_s=0.05,
        ok=ok,
        errors=errors,
        timeouts=timeouts,
        cancelled=0,
    )


def session_events() -> list[Event]:
    """Two turns: the first runs one batch of three calls (one retried, one timing out)."""
    execution = ExecutionSettings(max_concurrent=2, timeout_s=0.3, retries=1)
    settings = RunSettings(
        emission=EmissionSettings(parallel=True),
        execution=execution.model_copy(update={"faults": {"search": Fault(failure_rate=0.5)}}),
    )
    usage = Usage(input_tokens=812, output_tokens=64)
    calls = [
        ("call_1", "weather", {"city": "Paris"}),
        ("call_2", "search", {"query": "parallel tool calls", "limit": 3}),
        ("call_3", "slow_lookup", {"key": "k-9"}),
    ]
    events: list[Event] = [
        SettingsChanged(t=0.0, changes={"execution.max_concurrent": 2}, settings=settings),
        TurnStarted(t=0.01, turn=1, prompt="What's the weather in Paris, and find me docs?"),
        ModelRequestStarted(
            t=0.02,
            turn=1,
            round_trip=1,
            provider="openai-chat",
            model="gpt-4.1-mini",
            emission=EmissionSettings(),
        ),
        TextDelta(t=0.2, turn=1, text="Let me check "),
        TextDelta(t=0.21, turn=1, text='both — \u00e9t\u00e9 \u2603 "quoted"\n'),
    ]
    for index, (call_id, tool, args) in enumerate(calls):
        events.append(
            ToolCallEmitted(
                t=0.3 + index * 0.01,
                turn=1,
                batch_id="b1",
                call_id=call_id,
                tool=tool,
                args=args,
                index=index,
            )
        )
    events.append(
        ModelResponseFinished(
            t=0.35,
            turn=1,
            round_trip=1,
            batch_id="b1",
            calls=3,
            usage=usage,
            duration_s=0.33,
            stop_reason="tool_calls",
        )
    )
    events.append(BatchStarted(t=0.36, turn=1, batch_id="b1", settings=execution))
    for index, (call_id, tool, args) in enumerate(calls):
        events.append(
            CallQueued(t=0.36, batch_id="b1", call_id=call_id, tool=tool, args=args, index=index)
        )
    events += [
        CallStarted(t=0.361, batch_id="b1", call_id="call_1", tool="weather", args=calls[0][2]),
        CallStarted(t=0.362, batch_id="b1", call_id="call_2", tool="search", args=calls[1][2]),
        CallRetrying(
            t=0.4,
            batch_id="b1",
            call_id="call_2",
            tool="search",
            args=calls[1][2],
            attempt=1,
            error="injected failure",
            delay_s=0.05,
        ),
        CallFinished(
            t=0.45,
            batch_id="b1",
            call_id="call_1",
            tool="weather",
            args=calls[0][2],
            status="ok",
            result='{"temp_c": 21}',
            queued_t=0.36,
            started_t=0.361,
            finished_t=0.45,
        ),
        CallStarted(t=0.45, batch_id="b1", call_id="call_3", tool="slow_lookup", args=calls[2][2]),
        CallStarted(
            t=0.451, batch_id="b1", call_id="call_2", tool="search", args=calls[1][2], attempt=2
        ),
        CallFinished(
            t=0.5,
            batch_id="b1",
            call_id="call_2",
            tool="search",
            args=calls[1][2],
            status="ok",
            result="3 results",
            attempts=2,
            queued_t=0.36,
            started_t=0.362,
            finished_t=0.5,
        ),
        CallFinished(
            t=0.75,
            batch_id="b1",
            call_id="call_3",
            tool="slow_lookup",
            args=calls[2][2],
            status="timeout",
            result="Error: slow_lookup timed out after 0.3 s",
            error="timed out after 0.3 s",
            queued_t=0.36,
            started_t=0.45,
            finished_t=0.75,
        ),
        BatchFinished(t=0.76, turn=1, batch_id="b1", stats=_stats(3, ok=2, timeouts=1)),
        ModelRequestStarted(
            t=0.77,
            turn=1,
            round_trip=2,
            provider="openai-chat",
            model="gpt-4.1-mini",
            emission=EmissionSettings(),
        ),
        TextDelta(t=1.1, turn=1, text="It is 21 °C in Paris."),
        ModelResponseFinished(
            t=1.2,
            turn=1,
            round_trip=2,
            batch_id=None,
            calls=0,
            usage=usage,
            duration_s=0.43,
            stop_reason="stop",
        ),
        TurnFinished(
            t=1.21,
            turn=1,
            status="completed",
            text="It is 21 °C in Paris.",
            stats=TurnStats(
                round_trips=2,
                model_time_s=0.76,
                tool_time_s=0.4,
                wall_s=1.2,
                batches=1,
                calls=3,
                usage=usage + usage,
            ),
        ),
        TurnStarted(t=9.5, turn=2, prompt="And in Oslo?"),
        Notice(t=9.51, turn=2, message="parallel_tool_calls has no effect with this model"),
        ErrorEvent(t=9.9, turn=2, kind="rate_limit", message="429 Too Many Requests"),
        TurnFinished(
            t=9.91,
            turn=2,
            status="error",
            text="",
            stats=TurnStats(
                round_trips=1,
                model_time_s=0.4,
                tool_time_s=0.0,
                wall_s=0.41,
                batches=0,
                calls=0,
                usage=Usage(),
            ),
        ),
    ]
    return events
