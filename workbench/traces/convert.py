"""Agent runs as a Workbench session: the same events a live run emits, from the spans' own times.

Each run is one turn: ``turn_started`` at its first span, per model span a round trip
(``model_request_started`` … ``model_response_finished``), per response with calls a batch
(``batch_started``, each call queued, started and finished, ``batch_finished`` with its figures
computed as the executor computes them), and ``turn_finished``. The session clock's ``t = 0`` is the
first span's start.

What a trace cannot know is said, not invented (the header's ``source`` and a notice at the start):
a tool span's start is both its queue and its start time (slot waiting unknown) unless the span is
Workbench's own export (``workbench.call.wait_s``); the framework's execution settings are not in the
trace, so a batch records the concurrency it showed (sequential when its calls never overlapped, else
a cap of the most that ran at once) and no timeout; whether parallel emission was on is unknown
(recorded as on) unless Workbench wrote the trace.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import json
import operator
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from workbench.core.events import (
    BatchFinished,
    BatchStarted,
    BatchStats,
    CallFinished,
    CallQueued,
    CallStarted,
    ErrorEvent,
    Event,
    ModelRequestStarted,
    ModelResponseFinished,
    Notice,
    TextDelta,
    ToolCallEmitted,
    TurnFinished,
    TurnStarted,
    TurnStats,
    TurnStatus,
)
from workbench.core.messages import CallStatus, Usage
from workbench.core.settings import EmissionSettings, ExecutionSettings
from workbench.core.trusted import new_model, set_fields, trusted
from workbench.traces.assemble import Run
from workbench.traces.batches import Method, PlannedCall, parse_json, plan
from workbench.traces.spans import STATUS_ERROR, Span

NOT_RUN = "the trace has no span for this call: the framework did not run it"
_STATUSES = frozenset({"ok", "error", "timeout", "cancelled"})
_TURN_STATUSES = frozenset({"completed", "cancelled", "error", "max_turns"})
RESULT_LIMIT = 4096

# The events below are built with trusted(): every value is computed here from spans already read
# into plain types, and validating four events per call cost more than reading the trace (the test
# suite validates each one anyway: WORKBENCH_CHECK_TRUSTED). Settings models are frozen and shared.
_EMISSION = {True: EmissionSettings(parallel=True), False: EmissionSettings(parallel=False)}
_by_time = operator.attrgetter("t")


@dataclass(slots=True)
class ImportedSession:
    """One session to write: its header facts and events, and what the import could not tell."""

    session_id: str
    t0_unix_ns: int
    profile: dict[str, Any]
    provider: dict[str, Any]
    source: dict[str, Any]
    events: list[Event]
    runs: list[Run]
    notes: list[str] = field(default_factory=list)
    round_trips: int = 0
    batches: int = 0
    calls: int = 0
    failures: int = 0
    status: str = "completed"
    batch_walls: list[float] = field(default_factory=list)

    @property
    def created(self) -> datetime:
        return datetime.fromtimestamp(self.t0_unix_ns / 1e9, UTC)

    @property
    def complete(self) -> bool:
        return all(run.complete for run in self.runs)


def group_runs(runs: Iterable[Run]) -> list[list[Run]]:
    """Runs of one conversation (``gen_ai.conversation.id``) together, as the turns of one session;
    every other run a session of its own. In order of their first run's start."""
    groups: dict[str, list[Run]] = {}
    for run in sorted(runs, key=lambda r: r.start_ns):
        key = run.conversation or f"run:{run.key}"
        groups.setdefault(key, []).append(run)
    return sorted(groups.values(), key=lambda g: g[0].start_ns)


def session_of(
    runs: list[Run], *, source_format: str, files: list[str], still_open: bool = False
) -> ImportedSession:
    """One session from runs (its turns, by start). ``still_open``: spans are still arriving, so a
    run without its root is not ended yet (no ``turn_finished``), rather than cut short."""
    runs = sorted(runs, key=lambda r: r.start_ns)
    t0 = min(run.start_ns for run in runs)
    first = runs[0]
    origin = first.spans[0].origin
    model_span = first.model[0]
    provider = _provider(model_span) or "unknown"
    model = _model(first.model) or "unknown"
    workbench_own = origin.scope == "workbench.export"
    key = runs[0].conversation or runs[0].key
    session_id = hashlib.blake2b(f"import\x1f{key}".encode(), digest_size=8).hexdigest()
    builder = _Builder(t0, still_open=still_open)
    methods: Counter[Method] = Counter()
    notes: list[str] = []
    for number, run in enumerate(runs, start=1):
        methods += builder.turn(number, run)
        notes.extend(run.problems)
    waits_known = builder.waits_known
    batches_by = _method_text(methods)
    agent_name = next(
        (
            name
            for run in runs
            for span in run.spans
            if isinstance(name := span.attributes.get("gen_ai.agent.name"), str) and name
        ),
        None,
    )
    service = (
        origin.service
        if origin.service and not origin.service.startswith("unknown_service")
        else ""
    )
    name = service or agent_name or origin.scope or "imported"
    framework = origin.scope + (f" {origin.scope_version}" if origin.scope_version else "")
    source: dict[str, Any] = {
        "kind": "imported",
        "format": source_format,
        "files": files,
        "service": origin.service or None,
        "scope": origin.scope or None,
        "scope_version": origin.scope_version or None,
        "agent": agent_name,
        "trace_ids": sorted({run.trace_id for run in runs}),
        "batches_by": batches_by,
        "slot_wait": "recorded" if waits_known else "unknown",
        "execution_settings": "recorded" if workbench_own else "inferred",
        "emission_parallel": "recorded" if builder.parallel_known else "unknown",
        "complete": all(run.complete for run in runs),
        "problems": notes,
    }
    said = [
        f"imported from an OpenTelemetry trace ({framework or 'unknown instrumentation'});"
        f" batches assigned by {batches_by}"
    ]
    if not waits_known:
        said.append(
            "slot waiting unknown: each call's span start is taken as both queued and started"
        )
    if not workbench_own:
        said.append(
            "execution settings are not in the trace: each batch records the concurrency it showed"
            " (sequential when its calls never overlapped, else a cap of the most at once), no timeout"
        )
    if not builder.parallel_known:
        said.append("whether parallel tool calls were allowed is not in the trace (recorded as on)")
    header_notice = Notice(t=0.0, turn=None, level="info", message="; ".join(said))
    events: list[Event] = [header_notice, *builder.events]
    profile = {
        "name": name,
        "type": "imported",
        "model": model,
        "description": f"imported from {', '.join(files) or 'OTLP'} ({framework or 'OTLP'})",
    }
    provider_info = {
        "name": provider,
        "model": model,
        "parallel_knob": None,
        "parallel_note": "imported from a trace: "
        + (
            "as recorded by workbench"
            if builder.parallel_known
            else "whether parallel tool calls were allowed is unknown"
        ),
        "eager_dispatch": False,
        "supports_function_calling_mode": False,
    }
    return ImportedSession(
        session_id=session_id,
        t0_unix_ns=t0,
        profile=profile,
        provider=provider_info,
        source=source,
        events=events,
        runs=runs,
        notes=notes,
        round_trips=builder.round_trips,
        batches=builder.batches,
        calls=builder.calls,
        failures=builder.failures,
        status=builder.last_status,
        batch_walls=builder.batch_walls,
    )


def _method_text(methods: Counter[Method]) -> str:
    if not methods:
        return "none (no tool calls)"
    order: tuple[Method, ...] = ("link", "call id", "time")
    names = [m for m in order if methods.get(m)]
    if len(names) == 1:
        return names[0]
    return ", ".join(f"{m} ({methods[m]})" for m in names)


def _provider(span: Span) -> str | None:
    return span.text(
        "workbench.provider", "gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system"
    )


def _model(models: list[Span]) -> str | None:
    for span in models:
        name = span.text("gen_ai.request.model", "gen_ai.response.model", "llm.model_name")
        if name:
            return name
    return None


def _one_line(text: str, limit: int = 300) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[:limit] + "…"


def _text_parts(value: Any, role: str | None = None) -> list[str]:
    """The text of GenAI messages (``[{"role", "parts": [{"type": "text", "content"}]}]``)."""
    return _texts_of(parse_json(value), role)


def _texts_of(messages: Any, role: str | None = None) -> list[str]:
    """:func:`_text_parts` of messages already parsed."""
    out: list[str] = []
    if isinstance(messages, list):
        for message in messages:
            if not isinstance(message, dict) or (role is not None and message.get("role") != role):
                continue
            for part in message.get("parts") or []:
                if isinstance(part, dict) and part.get("type") == "text":
                    content = part.get("content")
                    if isinstance(content, str):
                        out.append(content)
    return out


def _prompt(run: Run) -> str:
    if run.agent is not None:
        texts = _text_parts(run.agent.attributes.get("gen_ai.input.messages"), "user")
        if texts:
            return texts[-1]
    first = run.model[0]
    texts = _text_parts(first.attributes.get("gen_ai.input.messages"), "user")
    if texts:
        return texts[-1]
    for span in (run.agent, first):
        if span is not None and (
            value := span.text("input.value", "llm.input_messages.0.message.content")
        ):
            return value
    return ""


def _answer(run: Run) -> str:
    if run.agent is not None:
        texts = _text_parts(run.agent.attributes.get("gen_ai.output.messages"), "assistant")
        if texts:
            return "".join(texts)
        final = run.agent.attributes.get("final_result")
        if isinstance(final, str):
            return final
    last = run.model[-1]
    texts = _text_parts(last.attributes.get("gen_ai.output.messages"))
    return "".join(texts) or (last.text("output.value") or "")


def _call_status(span: Span) -> tuple[CallStatus, str | None]:
    attributes = span.attributes
    recorded = attributes.get("workbench.call.status")
    if recorded is None and span.status != STATUS_ERROR and "error.type" not in attributes:
        return "ok", None  # most calls: nothing below applies
    error_type = span.text("error.type")
    message = span.status_message or next(
        (
            str(e.attributes.get("exception.message") or e.attributes.get("exception.type") or "")
            for e in span.events
            if e.name == "exception"
        ),
        "",
    )
    if isinstance(recorded, str) and recorded in _STATUSES:
        status = cast(CallStatus, recorded)
    elif error_type in ("timeout", "cancelled"):
        status = cast(CallStatus, error_type)
    elif span.status == STATUS_ERROR or error_type:
        status = "error"
    else:
        return "ok", None
    if status == "ok":
        return status, None
    return status, _one_line(message or error_type or status)


@dataclass(slots=True)
class _CallTimes:
    queued: float
    started: float | None
    finished: float


class _Builder:
    def __init__(self, t0_ns: int, *, still_open: bool = False) -> None:
        self.t0_ns = t0_ns
        self.still_open = still_open
        self.events: list[Event] = []
        self.round_trip = 0
        self.batch_seq = 0
        self.waits_known = True
        self.parallel_known = True
        self.round_trips = 0
        self.batches = 0
        self.calls = 0
        self.failures = 0
        self.last_status = "completed"
        self.batch_walls: list[float] = []

    def t(self, ns: int) -> float:
        return (ns - self.t0_ns) / 1e9

    def turn(self, number: int, run: Run) -> Counter[Method]:
        plans, methods = plan(run.model, run.tools)
        agent = run.agent
        start = self.t(run.start_ns)
        end = self.t(run.end_ns)
        turn_events: list[Event] = []
        usage_total = Usage()
        model_s = 0.0
        intervals: list[tuple[float, float]] = []
        calls_total = 0
        batches = 0
        settings = _recorded_settings(agent)
        for p in plans:
            self.round_trip += 1
            span = p.model
            rt_start, rt_end = self.t(span.start_ns), self.t(span.end_ns)
            parallel = span.attributes.get("workbench.emission.parallel")
            if not isinstance(parallel, bool):
                self.parallel_known = False
                parallel = True
            turn_events.append(
                trusted(
                    ModelRequestStarted,
                    {
                        "t": rt_start,
                        "type": "model_request_started",
                        "turn": number,
                        "round_trip": self.round_trip,
                        "provider": _provider(span) or "unknown",
                        "model": _model([span]) or "unknown",
                        "emission": _EMISSION[parallel],
                    },
                )
            )
            text = "".join(_texts_of(p.output_messages))
            if text:
                turn_events.append(
                    trusted(
                        TextDelta, {"t": rt_end, "type": "text_delta", "turn": number, "text": text}
                    )
                )
            usage = Usage(
                input_tokens=int(
                    span.number(
                        "gen_ai.usage.input_tokens",
                        "gen_ai.usage.prompt_tokens",
                        "llm.token_count.prompt",
                    )
                    or 0
                ),
                output_tokens=int(
                    span.number(
                        "gen_ai.usage.output_tokens",
                        "gen_ai.usage.completion_tokens",
                        "llm.token_count.completion",
                    )
                    or 0
                ),
            )
            usage_total = usage_total + usage
            model_s += rt_end - rt_start
            batch_id: str | None = None
            if p.calls:
                recorded_id = next(
                    (
                        value
                        for call in p.calls
                        if call.span is not None
                        and isinstance(value := call.span.attributes.get("workbench.batch.id"), str)
                    ),
                    None,
                )
                self.batch_seq += 1
                batch_id = recorded_id or f"b{self.batch_seq}"
            reasons = span.attributes.get("gen_ai.response.finish_reasons")
            stop = (
                str(reasons[0])
                if isinstance(reasons, list) and reasons
                else (
                    reasons
                    if isinstance(reasons, str) and reasons
                    else ("tool_calls" if p.calls else "stop")
                )
            )
            turn_events.append(
                trusted(
                    ModelResponseFinished,
                    {
                        "t": rt_end,
                        "type": "model_response_finished",
                        "turn": number,
                        "round_trip": self.round_trip,
                        "batch_id": batch_id,
                        "calls": len(p.calls),
                        "usage": usage,
                        "duration_s": rt_end - rt_start,
                        "stop_reason": stop,
                        "response_id": None,
                        "response_model": None,
                    },
                )
            )
            if batch_id is not None:
                wall = self._batch(turn_events, number, batch_id, p.calls, rt_end, settings)
                intervals.append(wall)
                calls_total += len(p.calls)
                batches += 1
        going = self.still_open and not run.complete
        status, error = _turn_status(run)
        if error is not None and not going:
            turn_events.append(ErrorEvent(t=end, turn=number, kind=error[0], message=error[1]))
        turn_events.sort(key=_by_time)  # stable: equal times keep the live run's order
        self.events.append(TurnStarted(t=start, turn=number, prompt=_prompt(run)))
        self.events.extend(turn_events)
        if going:  # the turn goes on: it ends when its root span arrives
            self.round_trips += len(plans)
            self.batches += batches
            self.calls += calls_total
            self.last_status = "running"
            return methods
        self.events.append(
            TurnFinished(
                t=end,
                turn=number,
                status=status,
                text=_answer(run) if status == "completed" else "",
                stats=TurnStats(
                    round_trips=len(plans),
                    model_time_s=model_s,
                    tool_time_s=_union(intervals),
                    wall_s=end - start,
                    batches=batches,
                    calls=calls_total,
                    usage=usage_total,
                ),
            )
        )
        self.round_trips += len(plans)
        self.batches += batches
        self.calls += calls_total
        self.last_status = status
        return methods

    def _batch(
        self,
        out: list[Event],
        turn: int,
        batch_id: str,
        calls: list[PlannedCall],
        response_end: float,
        recorded: ExecutionSettings | None,
    ) -> tuple[float, float]:
        times: list[_CallTimes] = []
        for call in calls:
            span = call.span
            if span is None:
                times.append(_CallTimes(response_end, None, response_end))
                continue
            queued, finished = self.t(span.start_ns), self.t(span.end_ns)
            # Only Workbench's own export records these: other traces skip the lookups.
            wait = (
                span.number("workbench.call.wait_s")
                if "workbench.call.wait_s" in span.attributes
                else None
            )
            attempts = (
                span.number("workbench.call.attempts")
                if "workbench.call.attempts" in span.attributes
                else None
            )
            if wait is None:
                self.waits_known = False
                started: float | None = queued
            elif attempts == 0:
                started = None  # never got a slot
            else:
                started = min(finished, queued + wait)
            times.append(_CallTimes(queued, started, finished))
        first = min(ct.queued for ct in times)
        last = max(ct.finished for ct in times)
        peak = _peak(times)
        settings = recorded or _inferred_settings(peak > 1 or len(calls) == 1, max(peak, 1))
        waits = _waits(times, settings.cap)
        eager = first < response_end
        out.append(
            trusted(
                BatchStarted,
                {
                    "t": min(first, response_end),
                    "type": "batch_started",
                    "turn": turn,
                    "batch_id": batch_id,
                    "settings": settings,
                    "eager": eager,
                },
            )
        )
        counts: Counter[str] = Counter()
        run_sum = 0.0
        wait_sum = 0.0
        append = out.append
        for index, (call, ct) in enumerate(zip(calls, times, strict=True)):
            args = _arguments(call.arguments)
            call_id, tool, queued = call.call_id, call.tool, ct.queued
            # trusted() in two steps (one call less per event): four events per call.
            event: Event = new_model(ToolCallEmitted)
            set_fields(
                event,
                {
                    "t": min(response_end, queued),
                    "type": "tool_call_emitted",
                    "turn": turn,
                    "batch_id": batch_id,
                    "call_id": call_id,
                    "tool": tool,
                    "args": args,
                    "index": index,
                },
            )
            append(event)
            event = new_model(CallQueued)
            set_fields(
                event,
                {
                    "t": queued,
                    "type": "call_queued",
                    "batch_id": batch_id,
                    "call_id": call_id,
                    "tool": tool,
                    "args": args,
                    "index": index,
                },
            )
            append(event)
            span = call.span
            if span is None:
                status: CallStatus = "error"
                error: str | None = NOT_RUN
                result = f"Error: {NOT_RUN}"
                attempts = 0
            else:
                status, error = _call_status(span)
                result = _result(span)
                if status != "ok" and not result:
                    result = f"Error: {error}"
                recorded_attempts = (
                    span.number("workbench.call.attempts")
                    if "workbench.call.attempts" in span.attributes
                    else None
                )
                attempts = (
                    int(recorded_attempts)
                    if recorded_attempts is not None
                    else (1 if ct.started is not None else 0)
                )
            started = ct.started
            if started is not None:
                event = new_model(CallStarted)
                set_fields(
                    event,
                    {
                        "t": started,
                        "type": "call_started",
                        "batch_id": batch_id,
                        "call_id": call_id,
                        "tool": tool,
                        "args": args,
                        "attempt": 1,
                    },
                )
                append(event)
                run_sum += ct.finished - started
            if waits[index]:
                wait_sum += (started if started is not None else ct.finished) - queued
            event = new_model(CallFinished)
            set_fields(
                event,
                {
                    "t": ct.finished,
                    "type": "call_finished",
                    "batch_id": batch_id,
                    "call_id": call_id,
                    "tool": tool,
                    "args": args,
                    "status": status,
                    "result": result,
                    "error": error,
                    "attempts": attempts,
                    "queued_t": queued,
                    "started_t": started,
                    "finished_t": ct.finished,
                },
            )
            append(event)
            counts[status] += 1
        wall = last - first
        self.failures += len(calls) - counts["ok"]
        self.batch_walls.append(wall)
        out.append(
            trusted(
                BatchFinished,
                {
                    "t": last,
                    "type": "batch_finished",
                    "turn": turn,
                    "batch_id": batch_id,
                    "stats": trusted(
                        BatchStats,
                        {
                            "calls": len(calls),
                            "wall_s": wall,
                            "sum_s": run_sum,
                            "speedup": run_sum / wall if wall > 0 else 1.0,
                            "peak_concurrency": peak,
                            "wait_s": wait_sum,
                            "ok": counts["ok"],
                            "errors": counts["error"],
                            "timeouts": counts["timeout"],
                            "cancelled": counts["cancelled"],
                        },
                    ),
                },
            )
        )
        return first, last


@functools.lru_cache(maxsize=256)
def _inferred_settings(concurrent: bool, max_concurrent: int) -> ExecutionSettings:
    """The settings a batch showed (frozen, so batches that showed the same share one)."""
    return ExecutionSettings(
        concurrent=concurrent, max_concurrent=max_concurrent, timeout_s=None, retries=0
    )


def _recorded_settings(agent: Span | None) -> ExecutionSettings | None:
    """The batch settings Workbench's own export put on its agent span."""
    if agent is None or "workbench.batch.concurrent" not in agent.attributes:
        return None
    a = agent.attributes
    timeout = a.get("workbench.batch.timeout_s")
    return ExecutionSettings(
        concurrent=bool(a.get("workbench.batch.concurrent", True)),
        max_concurrent=int(a.get("workbench.batch.max_concurrent", 10)),
        timeout_s=float(timeout) if isinstance(timeout, int | float) else None,
        retries=int(a.get("workbench.batch.retries", 0)),
    )


def _arguments(value: Any) -> dict[str, Any] | None:
    parsed = parse_json(value)
    if parsed is None:
        return {}
    return parsed if isinstance(parsed, dict) else None


def _result(span: Span) -> str:
    value = span.attributes.get("gen_ai.tool.call.result")
    if value is None:
        value = span.attributes.get("output.value")
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return (
        text
        if len(text) <= RESULT_LIMIT
        else text[:RESULT_LIMIT] + f"… [cut: {len(text)} characters in all]"
    )


def _turn_status(run: Run) -> tuple[TurnStatus, tuple[str, str] | None]:
    agent = run.agent
    if not run.complete:
        why = run.problems[0] if run.problems else "the trace was cut short"
        return "error", ("incomplete", why)
    if agent is None:
        return "completed", None
    recorded = agent.attributes.get("workbench.turn.status")
    if isinstance(recorded, str) and recorded in _TURN_STATUSES:
        status = cast(TurnStatus, recorded)
        if status in ("error", "cancelled"):
            return status, (status, _one_line(agent.status_message or status))
        return status, None
    if agent.status == STATUS_ERROR:
        error_type = agent.text("error.type")
        if error_type == "cancelled":
            return "cancelled", None
        return "error", (
            "agent",
            _one_line(agent.status_message or error_type or "the agent run failed"),
        )
    return "completed", None


def _waits(times: list[_CallTimes], cap: int) -> list[bool]:
    """Which calls waited for a slot, as the executor counts it: queued while ``cap`` calls that
    were queued before it had not finished (a worker's start-up moment is not waiting)."""
    finishes = sorted(ct.finished for ct in times)
    order = sorted(range(len(times)), key=lambda i: times[i].queued)
    out = [False] * len(times)
    for ahead, i in enumerate(order):
        done = bisect.bisect_left(finishes, times[i].queued)
        out[i] = ahead - min(done, ahead) >= cap
    return out


def _peak(times: list[_CallTimes]) -> int:
    points: list[tuple[float, int]] = []
    for ct in times:
        if ct.started is not None:
            points.append((ct.started, 1))
            points.append((ct.finished, -1))
    points.sort()  # an end sorts before a start at the same instant: back to back is not overlap
    running = peak = 0
    for _, delta in points:
        running += delta
        peak = max(peak, running)
    return max(peak, 1)


def _union(intervals: list[tuple[float, float]]) -> float:
    total = 0.0
    end = float("-inf")
    for a, b in sorted(intervals):
        if a > end:
            total += b - a
            end = b
        elif b > end:
            total += b - end
            end = b
    return total
