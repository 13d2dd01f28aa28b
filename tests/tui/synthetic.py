"""Deterministic event sequences for TUI tests: what a runtime would yield, with fixed times."""

from __future__ import annotations

from dataclasses import dataclass, field
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
class CallSpec:
    """One call, times relative to its batch start; ``start`` None: it never got a slot."""

    tool: str
    args: dict[str, Any]
    start: float | None
    end: float
    status: CallStatus = "ok"
    retries: tuple[float, ...] = ()
    result: str = "done"


@dataclass(frozen=True)
class Round:
    """One model response: some text, then (maybe) a batch of calls."""

    text: str = ""
    calls: tuple[CallSpec, ...] = ()
    model_s: float = 0.5
    execution: ExecutionSettings = field(default_factory=ExecutionSettings)
    emission: EmissionSettings = field(default_factory=EmissionSettings)


@dataclass
class Script:
    """Builds turns one after another on one session clock."""

    t: float = 0.0
    turn: int = 0
    round_trip: int = 0
    batches: int = 0
    calls: int = 0
    events: list[Event] = field(default_factory=list)

    def add_turn(
        self, prompt: str, rounds: list[Round], *, status: TurnStatus = "completed"
    ) -> list[Event]:
        self.turn += 1
        turn_events: list[Event] = [TurnStarted(t=self.t, turn=self.turn, prompt=prompt)]
        start_t = self.t
        usage = Usage()
        tool_time = 0.0
        model_time = 0.0
        n_calls = 0
        batch_ids: list[str] = []
        answer = ""
        for rnd in rounds:
            self.round_trip += 1
            rt_usage = Usage(input_tokens=100 * self.round_trip, output_tokens=20 + len(rnd.text))
            usage = usage + rt_usage
            turn_events.append(
                ModelRequestStarted(
                    t=self.t,
                    turn=self.turn,
                    round_trip=self.round_trip,
                    provider="scripted",
                    model="demo",
                    emission=rnd.emission,
                )
            )
            words = rnd.text.split(" ") if rnd.text else []
            for i, word in enumerate(words):
                turn_events.append(
                    TextDelta(
                        t=self.t + rnd.model_s * 0.5 * (i + 1) / len(words),
                        turn=self.turn,
                        text=word if i == 0 else " " + word,
                    )
                )
            batch_id = None
            if rnd.calls:
                self.batches += 1
                batch_id = f"b{self.batches}"
                batch_ids.append(batch_id)
            ids = []
            for index, spec in enumerate(rnd.calls):
                self.calls += 1
                call_id = f"call_{self.calls}"
                ids.append(call_id)
                assert batch_id is not None
                turn_events.append(
                    ToolCallEmitted(
                        t=self.t + rnd.model_s * (0.6 + 0.3 * index / len(rnd.calls)),
                        turn=self.turn,
                        batch_id=batch_id,
                        call_id=call_id,
                        tool=spec.tool,
                        args=spec.args,
                        index=index,
                    )
                )
            self.t += rnd.model_s
            model_time += rnd.model_s
            turn_events.append(
                ModelResponseFinished(
                    t=self.t,
                    turn=self.turn,
                    round_trip=self.round_trip,
                    batch_id=batch_id,
                    calls=len(rnd.calls),
                    usage=rt_usage,
                    duration_s=rnd.model_s,
                    stop_reason="tool_use" if rnd.calls else "stop",
                )
            )
            if batch_id is None:
                answer = rnd.text
                continue
            turn_events.extend(self._batch(batch_id, rnd, ids))
            wall = max(c.end for c in rnd.calls)
            self.t += wall
            tool_time += wall
            n_calls += len(rnd.calls)
        turn_events.append(
            TurnFinished(
                t=self.t,
                turn=self.turn,
                status=status,
                text=answer,
                stats=TurnStats(
                    round_trips=len(rounds),
                    model_time_s=model_time,
                    tool_time_s=tool_time,
                    wall_s=self.t - start_t,
                    batches=len(batch_ids),
                    calls=n_calls,
                    usage=usage,
                ),
            )
        )
        self.t += 1.0
        self.events.extend(turn_events)
        return turn_events

    def _batch(self, batch_id: str, rnd: Round, ids: list[str]) -> list[Event]:
        t0 = self.t
        timed: list[tuple[float, int, Event]] = []
        out: list[Event] = [
            BatchStarted(t=t0, turn=self.turn, batch_id=batch_id, settings=rnd.execution)
        ]
        for index, (call_id, spec) in enumerate(zip(ids, rnd.calls, strict=True)):
            out.append(
                CallQueued(
                    t=t0,
                    batch_id=batch_id,
                    call_id=call_id,
                    tool=spec.tool,
                    args=spec.args,
                    index=index,
                )
            )
            common = {
                "batch_id": batch_id,
                "call_id": call_id,
                "tool": spec.tool,
                "args": spec.args,
            }
            if spec.start is not None:
                timed.append((t0 + spec.start, 0, CallStarted(t=t0 + spec.start, **common)))
            for attempt, retry_t in enumerate(spec.retries, start=1):
                timed.append(
                    (
                        t0 + retry_t,
                        1,
                        CallRetrying(
                            t=t0 + retry_t, attempt=attempt, error="boom", delay_s=0.1, **common
                        ),
                    )
                )
            timed.append(
                (
                    t0 + spec.end,
                    2,
                    CallFinished(
                        t=t0 + spec.end,
                        status=spec.status,
                        result=spec.result if spec.status == "ok" else f"{spec.status}: boom",
                        error=None if spec.status == "ok" else f"{spec.status}: boom",
                        attempts=len(spec.retries) + 1,
                        queued_t=t0,
                        started_t=None if spec.start is None else t0 + spec.start,
                        finished_t=t0 + spec.end,
                        **common,
                    ),
                )
            )
        timed.sort(key=lambda item: (item[0], item[1]))
        out.extend(event for _, _, event in timed)
        specs = rnd.calls
        wall = max(c.end for c in specs)
        run = sum(c.end - c.start for c in specs if c.start is not None)
        points = sorted(
            [(c.start, 1) for c in specs if c.start is not None]
            + [(c.end, -1) for c in specs if c.start is not None]
        )
        peak = level = 0
        for _, delta in points:
            level += delta
            peak = max(peak, level)
        out.append(
            BatchFinished(
                t=t0 + wall,
                turn=self.turn,
                batch_id=batch_id,
                stats=BatchStats(
                    calls=len(specs),
                    wall_s=wall,
                    sum_s=run,
                    speedup=run / wall if wall else 1.0,
                    peak_concurrency=peak,
                    wait_s=sum((c.start if c.start is not None else c.end) for c in specs),
                    ok=sum(c.status == "ok" for c in specs),
                    errors=sum(c.status == "error" for c in specs),
                    timeouts=sum(c.status == "timeout" for c in specs),
                    cancelled=sum(c.status == "cancelled" for c in specs),
                ),
            )
        )
        return out


def concurrent_turn(script: Script | None = None) -> list[Event]:
    """A finished turn: four weather/search calls run two at a time, then the answer."""
    script = script or Script()
    return script.add_turn(
        "Compare the weather in Paris and Rome",
        [
            Round(
                text="Let me look that up.",
                calls=(
                    CallSpec("get_weather", {"city": "Paris"}, 0.0, 0.40),
                    CallSpec("get_weather", {"city": "Rome"}, 0.0, 0.55),
                    CallSpec("search", {"q": "Paris vs Rome climate"}, 0.40, 0.90),
                    CallSpec("search", {"q": "best season"}, 0.55, 0.80),
                ),
                execution=ExecutionSettings(max_concurrent=2),
            ),
            Round(text="**Rome** is warmer than *Paris* today: 24°C against 17°C.", model_s=0.6),
        ],
    )


def failing_turn(script: Script | None = None) -> list[Event]:
    """A batch with an ok call, a retried error, a timeout and a call cancelled before it ran."""
    script = script or Script()
    return script.add_turn(
        "Fetch three pages",
        [
            Round(
                text="Fetching.",
                calls=(
                    CallSpec("fetch", {"url": "https://a.example"}, 0.0, 0.3),
                    CallSpec("fetch", {"url": "https://b.example"}, 0.0, 0.7, "error", (0.2, 0.4)),
                    CallSpec("slow_tool", {"n": 1}, 0.0, 1.0, "timeout"),
                    CallSpec("fetch", {"url": "https://c.example"}, None, 1.0, "cancelled"),
                ),
                execution=ExecutionSettings(max_concurrent=3, timeout_s=1.0, retries=2),
            ),
            Round(text="Two pages failed.", model_s=0.4),
        ],
    )
