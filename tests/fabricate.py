"""The one fabricator of test events: realistic sequences from a compact description of the calls.

The order and the stats follow the executor's rules: every call is queued when the batch opens, a
call that frees a slot finishes before the next one starts at the same instant, every attempt has
its ``call_started`` (a retry is ``call_retrying``, then the next attempt's start), ``started_t`` is
the first attempt's start, and :func:`batch_stats` computes the stats the way ``Batch._stats`` does.

Three ways in, one arithmetic:

- :func:`batch_events` / :func:`one_batch_turn`: a batch or a whole turn at fixed times (printer and
  timeline-model tests, where the figures are asserted exactly);
- :class:`Script`: turn after turn on one session clock, with session-wide call ids ``call_1`` …
  (what a runtime would yield: the TUI's fake runtime, snapshots, replays);
- :func:`session_events`: a recorded run that uses every event type (session format tests).
"""

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
    TurnStatus,
)
from workbench.core.messages import CallStatus, Usage
from workbench.core.settings import EmissionSettings, ExecutionSettings, Fault, RunSettings


@dataclass(frozen=True)
class CallSpec:
    """One call, times relative to the batch start: first start (None: never ran) and end."""

    tool: str
    args: dict[str, Any]
    start: float | None
    end: float
    status: CallStatus = "ok"
    queued: float = 0.0
    retries: tuple[tuple[float, float], ...] = ()
    """(attempt failed at, next attempt started at), one pair per retry."""
    error: str | None = None
    """Defaults to ``"<status>: boom"`` for a call that did not end ok."""
    result: str | None = None
    """Defaults to ``"done"``, or ``"Error: <error>"``."""

    @property
    def error_text(self) -> str | None:
        if self.status == "ok":
            return None
        return self.error or f"{self.status}: boom"

    @property
    def result_text(self) -> str:
        if self.result is not None:
            return self.result
        return "done" if self.status == "ok" else f"Error: {self.error_text}"


C = CallSpec
"""Short, for tables of calls."""


def call_id(batch_id: str, index: int) -> str:
    """The id of a batch's ``index``-th call when no ids are given."""
    return f"{batch_id}-c{index + 1}"


def batch_stats(
    calls: list[CallSpec] | tuple[CallSpec, ...], peak: int | None = None
) -> BatchStats:
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
    calls: list[CallSpec] | tuple[CallSpec, ...],
    *,
    t0: float = 0.0,
    turn: int = 1,
    settings: ExecutionSettings | None = None,
    eager: bool = False,
    finish: bool = True,
    ids: list[str] | None = None,
) -> list[Event]:
    """batch_started, the call events in time order, then batch_finished (unless ``finish=False``)."""
    settings = settings or ExecutionSettings()
    ids = ids or [call_id(batch_id, i) for i in range(len(calls))]
    timed: list[tuple[float, int, int, Event]] = []
    for i, (cid, c) in enumerate(zip(ids, calls, strict=True)):
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
            result=c.result_text,
            error=c.error_text,
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
    batch_id: str,
    calls: list[CallSpec] | tuple[CallSpec, ...],
    *,
    t: float,
    turn: int = 1,
    step: float = 0.01,
    ids: list[str] | None = None,
) -> list[Event]:
    ids = ids or [call_id(batch_id, i) for i in range(len(calls))]
    return [
        ToolCallEmitted(
            t=t + i * step,
            turn=turn,
            batch_id=batch_id,
            call_id=cid,
            tool=c.tool,
            args=c.args,
            index=i,
        )
        for i, (cid, c) in enumerate(zip(ids, calls, strict=True))
    ]


def one_batch_turn(
    calls: list[CallSpec],
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


# -- a session, turn after turn ---------------------------------------------------------------------


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
    """Builds turns one after another on one session clock, as a runtime would yield them."""

    t: float = 0.0
    turn: int = 0
    round_trip: int = 0
    batches: int = 0
    calls: int = 0
    provider: str = "scripted"
    model: str = "demo"
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
        n_batches = 0
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
                    provider=self.provider,
                    model=self.model,
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
            ids: list[str] = []
            if rnd.calls:
                self.batches += 1
                n_batches += 1
                batch_id = f"b{self.batches}"
                ids = [f"call_{self.calls + i + 1}" for i in range(len(rnd.calls))]
                self.calls += len(rnd.calls)
                step = rnd.model_s * 0.3 / len(rnd.calls)
                turn_events += emitted_events(
                    batch_id,
                    rnd.calls,
                    t=self.t + rnd.model_s * 0.6,
                    turn=self.turn,
                    step=step,
                    ids=ids,
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
            batch = batch_events(
                batch_id, rnd.calls, t0=self.t, turn=self.turn, settings=rnd.execution, ids=ids
            )
            turn_events += batch
            wall = batch_stats(rnd.calls).wall_s
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
                    batches=n_batches,
                    calls=n_calls,
                    usage=usage,
                ),
            )
        )
        self.t += 1.0
        self.events.extend(turn_events)
        return turn_events


def concurrent_turn(script: Script | None = None) -> list[Event]:
    """A finished turn: four weather/search calls run two at a time, then the answer."""
    script = script or Script()
    return script.add_turn(
        "Compare the weather in Paris and Rome",
        [
            Round(
                text="Let me look that up.",
                calls=(
                    C("get_weather", {"city": "Paris"}, 0.0, 0.40),
                    C("get_weather", {"city": "Rome"}, 0.0, 0.55),
                    C("search", {"q": "Paris vs Rome climate"}, 0.40, 0.90),
                    C("search", {"q": "best season"}, 0.55, 0.80),
                ),
                execution=ExecutionSettings(max_concurrent=2),
            ),
            Round(text="**Rome** is warmer than *Paris* today: 24°C against 17°C.", model_s=0.6),
        ],
    )


def failing_turn(script: Script | None = None) -> list[Event]:
    """A batch with an ok call, a twice-retried error, a timeout and a call cancelled before it ran."""
    script = script or Script()
    retried = ((0.2, 0.3), (0.4, 0.5))
    return script.add_turn(
        "Fetch three pages",
        [
            Round(
                text="Fetching.",
                calls=(
                    C("fetch", {"url": "https://a.example"}, 0.0, 0.3),
                    C("fetch", {"url": "https://b.example"}, 0.0, 0.7, "error", retries=retried),
                    C("slow_tool", {"n": 1}, 0.0, 1.0, "timeout"),
                    C("fetch", {"url": "https://c.example"}, None, 1.0, "cancelled"),
                ),
                execution=ExecutionSettings(max_concurrent=3, timeout_s=1.0, retries=2),
            ),
            Round(text="Two pages failed.", model_s=0.4),
        ],
    )


# -- a recorded run with every event type -----------------------------------------------------------

PROFILE: dict[str, Any] = {
    "name": "demo",
    "type": "openai-chat",
    "model": "gpt-4.1-mini",
    "api_key_env": "OPENAI_API_KEY",
    "max_tokens": 4096,
}
"""The profile summary a recorded session's header carries (the key's name, never the key)."""


def session_events() -> list[Event]:
    """Two turns: the first runs one batch of three calls (one retried, one timing out), the second
    ends in a provider error after a notice; a settings change comes first."""
    execution = ExecutionSettings(max_concurrent=2, timeout_s=0.3, retries=1)
    settings = RunSettings(
        emission=EmissionSettings(parallel=True),
        execution=execution.model_copy(update={"faults": {"search": Fault(failure_rate=0.5)}}),
    )
    script = Script(t=0.01, provider="openai-chat", model="gpt-4.1-mini")
    first = script.add_turn(
        "What's the weather in Paris, and find me docs?",
        [
            Round(
                text='Let me check both — \u00e9t\u00e9 \u2603 "quoted"\n',
                calls=(
                    C("weather", {"city": "Paris"}, 0.001, 0.09, result='{"temp_c": 21}'),
                    C(
                        "search",
                        {"query": "parallel tool calls", "limit": 3},
                        0.002,
                        0.14,
                        retries=((0.04, 0.091),),
                        result="3 results",
                    ),
                    C(
                        "slow_lookup",
                        {"key": "k-9"},
                        0.09,
                        0.39,
                        "timeout",
                        error="timed out after 0.3 s",
                    ),
                ),
                model_s=0.34,
                execution=execution,
            ),
            Round(text="It is 21 °C in Paris.", model_s=0.43),
        ],
    )
    script.t = 9.5
    second_t = script.t
    return [
        SettingsChanged(t=0.0, changes={"execution.max_concurrent": 2}, settings=settings),
        *first,
        TurnStarted(t=second_t, turn=2, prompt="And in Oslo?"),
        Notice(
            t=second_t + 0.01, turn=2, message="parallel_tool_calls has no effect with this model"
        ),
        ErrorEvent(t=second_t + 0.4, turn=2, kind="rate_limit", message="429 Too Many Requests"),
        TurnFinished(
            t=second_t + 0.41,
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


def idle_between_turns() -> list[Event]:
    """Two turns of 2 s each (one model response), the user idle ten minutes between them: the
    turns' walls sum to 4 s, the session spans 10m 05s."""
    script = Script()
    script.add_turn("weather in Tokyo", [Round(text="It is sunny.", model_s=2.0)])
    script.t += 600.0
    script.add_turn("and in Lima?", [Round(text="It is cloudy.", model_s=2.0)])
    return script.events
