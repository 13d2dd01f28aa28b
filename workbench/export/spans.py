"""A session as spans: turns, model round trips, batches and tool calls with their times.

Pure Python, shared by the Chrome trace and the OpenTelemetry exporters (no OpenTelemetry here). The
builder reads events as plain field mappings: the rows of a session file parsed by orjson, or a live
event's field dict (``event.__dict__``), so exporting a large file does not validate every event again.
Times are session seconds (``t``); :meth:`SessionSpans.unix_ns` turns one into a wall-clock instant.

Anything left open when the events end (a truncated file, a run still going) is closed at the last
event's time and marked ``complete=False``, so every call still appears exactly once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from workbench.export.provider import ServedBy

UNFINISHED = "unfinished"
"""The status of a call whose end is not in the events (a truncated file)."""

CONTENT_LIMIT = 4096
"""Most characters of a result or prompt an export carries (with ``include_content``); longer text is
cut and says how long it was."""


def cut(text: str, limit: int = CONTENT_LIMIT) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [cut: {len(text)} characters in all]"


def _f(obj: Any, name: str, default: Any = None) -> Any:
    """A field of a nested value, which is a dict in a file row and a model in a live event."""
    if obj is None:
        return default
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


@dataclass(slots=True)
class Attempt:
    """One try of a call (a retried call has several), on the session clock."""

    number: int
    start: float
    end: float
    error: str | None = None
    """Why this attempt failed (None for the last attempt: the call's status says how it ended)."""


@dataclass(slots=True)
class CallSpan:
    """One tool call: queued, started (or never), finished, with every attempt; a call span in
    OpenTelemetry (``execute_tool``) and a slice in the Chrome trace."""

    turn: int
    batch_id: str
    call_id: str
    tool: str
    index: int
    args: Any
    queued: float
    emitted: float | None = None
    """When the model emitted the call (None when the events do not say)."""
    round_trip: int | None = None
    """The round trip whose response emitted the call."""
    started: float | None = None
    finished: float | None = None
    status: str = UNFINISHED
    result: str | None = None
    error: str | None = None
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def end(self) -> float:
        assert self.finished is not None
        return self.finished

    @property
    def wait_s(self) -> float:
        """Time spent waiting for a slot (all of it, for a call that never got one)."""
        until = self.started if self.started is not None else self.end
        return max(0.0, until - self.queued)

    @property
    def run_s(self) -> float:
        return 0.0 if self.started is None else max(0.0, self.end - self.started)

    @property
    def complete(self) -> bool:
        return self.status != UNFINISHED


@dataclass(slots=True)
class RoundTrip:
    """One model request and its response: who answered, tokens, the calls it emitted, and how
    it ended (a ``chat`` span)."""

    turn: int
    number: int
    provider: str
    model: str
    start: float
    parallel: bool | None
    end: float | None = None
    input_tokens: int | None = None
    """As the provider reported it; None when the response never finished (nothing reported)."""
    output_tokens: int | None = None
    stop_reason: str | None = None
    batch_id: str | None = None
    complete: bool = False
    emitted: list[str] = field(default_factory=list)
    """Call ids the response emitted, in order."""
    first_chunk: float | None = None
    """When the first text or tool call of the response arrived (None: none did)."""
    error_type: str | None = None
    """Why the response never finished: the provider error's kind (``timeout``, ``rate_limit``,
    ...), ``cancelled``, or ``error``; None for a response that finished."""
    error: str | None = None
    """The one-line error that ended it, when one did."""


@dataclass(slots=True)
class BatchSpan:
    """The calls of one response, run under one execution setting (``settings``, ``stats`` as the
    ``batch_started`` and ``batch_finished`` events recorded them)."""

    turn: int
    batch_id: str
    start: float
    settings: dict[str, Any]
    eager: bool
    end: float | None = None
    stats: dict[str, Any] | None = None
    round_trip: int | None = None
    complete: bool = False


@dataclass(slots=True)
class TurnSpan:
    """One user message and everything it caused: round trips, batches and calls (the root span)."""

    number: int
    start: float
    prompt: str
    end: float | None = None
    status: str = UNFINISHED
    text: str = ""
    error: str | None = None
    """The run-time error that ended the turn, when one did."""
    error_kind: str | None = None
    """Its kind (a provider error's ``timeout``, ``auth``, ..., or ``internal``)."""
    round_trips: list[RoundTrip] = field(default_factory=list)
    batches: list[BatchSpan] = field(default_factory=list)
    calls: list[CallSpan] = field(default_factory=list)
    complete: bool = False

    @property
    def provider(self) -> str | None:
        return self.round_trips[0].provider if self.round_trips else None

    @property
    def usage(self) -> tuple[int, int] | None:
        """Input and output tokens summed over the round trips that reported them (None: none did)."""
        reported = [rt for rt in self.round_trips if rt.input_tokens is not None]
        if not reported:
            return None
        return (
            sum(rt.input_tokens or 0 for rt in reported),
            sum(rt.output_tokens or 0 for rt in reported),
        )

    @property
    def model(self) -> str | None:
        return self.round_trips[0].model if self.round_trips else None


@dataclass(slots=True)
class SessionSpans:
    """A whole session as spans, with what the exporters need to place them in wall-clock time."""

    session_id: str
    start_unix_ns: int
    exact_times: bool
    """False when the session file does not record its clock's start (version 1): times are
    approximate, anchored at the header's ``created``."""
    profile_name: str = ""
    provider: str | None = None
    model: str | None = None
    tool_kinds: dict[str, str] = field(default_factory=dict)
    """``function`` or ``extension`` (MCP) per tool name, where the header lists its tools."""
    turns: list[TurnSpan] = field(default_factory=list)
    last_t: float = 0.0
    problems: list[str] = field(default_factory=list)
    """What was wrong with the input, one line each, for the user."""
    served: ServedBy | None = None
    """Who served the model (from the profile), when known."""
    max_tokens: int | None = None
    """The profile's ``max_tokens`` (sent with every request)."""
    project: str | None = None
    """The Phoenix (OpenInference) project the spans belong to, when one was named."""

    def unix_ns(self, t: float) -> int:
        return self.start_unix_ns + round(t * 1e9)

    @property
    def calls(self) -> int:
        return sum(len(turn.calls) for turn in self.turns)


Completed = TurnSpan | RoundTrip | CallSpan | BatchSpan
"""What :class:`SpanBuilder` hands its ``on_complete`` callback, as each ends."""


class SpanBuilder:
    """Turns events into :class:`SessionSpans`, one event at a time.

    ``on_complete`` (the live exporter) is called with each call, round trip, batch and turn as it ends;
    with ``keep=False`` finished turns are then dropped, so a long live session does not accumulate.
    """

    def __init__(
        self,
        spans: SessionSpans,
        *,
        on_complete: Callable[[Completed], None] | None = None,
        keep: bool = True,
    ) -> None:
        self.spans = spans
        self._on_complete = on_complete
        self._keep = keep
        self._turn: TurnSpan | None = None
        self._round_trip: RoundTrip | None = None
        self._calls: dict[tuple[str, str], CallSpan] = {}
        self._batches: dict[str, BatchSpan] = {}
        self._emitted: dict[tuple[str, str], tuple[float, int | None]] = {}
        self._batch_rt: dict[str, int] = {}
        self._turn_error: str | None = None
        self._turn_error_kind: str | None = None

    def feed_all(self, rows: Iterable[Mapping[str, Any]]) -> None:
        feed = self.feed
        for row in rows:
            feed(row)

    def feed(self, row: Mapping[str, Any]) -> None:
        kind = row["type"]
        t = row["t"]
        if t > self.spans.last_t:
            self.spans.last_t = t
        # Most frequent first: three call events per tool call.
        if kind == "call_started":
            call = self._calls.get((row["batch_id"], row["call_id"]))
            if call is not None:
                attempt = row.get("attempt", 1)
                if call.started is None:
                    call.started = t
                call.attempts.append(Attempt(attempt, t, t))
        elif kind == "call_finished":
            self._call_finished(row, t)
        elif kind == "call_queued":
            self._call_queued(row, t)
        elif kind == "call_retrying":
            call = self._calls.get((row["batch_id"], row["call_id"]))
            if call is not None and call.attempts:
                last = call.attempts[-1]
                last.end = t
                last.error = row.get("error")
        elif kind == "tool_call_emitted":
            rt = self._round_trip
            number = rt.number if rt is not None else None
            self._emitted[(row["batch_id"], row["call_id"])] = (t, number)
            if rt is not None:
                rt.emitted.append(row["call_id"])
                if rt.first_chunk is None:
                    rt.first_chunk = t
        elif kind == "model_request_started":
            turn = self._ensure_turn(row.get("turn", 0), t)
            self._round_trip = rt = RoundTrip(
                turn=turn.number,
                number=row["round_trip"],
                provider=row["provider"],
                model=row["model"],
                start=t,
                parallel=_f(row.get("emission"), "parallel"),
            )
            turn.round_trips.append(rt)
            if self.spans.provider is None:
                self.spans.provider, self.spans.model = rt.provider, rt.model
        elif kind == "model_response_finished":
            self._response_finished(row, t)
        elif kind == "batch_started":
            turn = self._ensure_turn(row["turn"], t)
            settings = row["settings"]
            batch = BatchSpan(
                turn=turn.number,
                batch_id=row["batch_id"],
                start=t,
                settings=dict(settings) if isinstance(settings, Mapping) else settings.model_dump(),
                eager=bool(row.get("eager", False)),
                round_trip=self._batch_rt.get(row["batch_id"])
                or (self._round_trip.number if self._round_trip is not None else None),
            )
            self._batches[batch.batch_id] = batch
            turn.batches.append(batch)
        elif kind == "batch_finished":
            finished = self._batches.pop(row["batch_id"], None)
            if finished is not None:
                batch = finished
                batch.end = t
                stats = row["stats"]
                batch.stats = dict(stats) if isinstance(stats, Mapping) else stats.model_dump()
                batch.complete = True
                self._complete(batch)
        elif kind == "turn_started":
            self._start_turn(row["turn"], t, row.get("prompt", ""))
        elif kind == "turn_finished":
            self._turn_finished(row, t)
        elif kind == "text_delta":
            rt = self._round_trip
            if rt is not None and rt.first_chunk is None:
                rt.first_chunk = t
        elif kind == "error":
            self._turn_error = row.get("message")
            self._turn_error_kind = row.get("kind")
        # notices and settings changes carry nothing a span shows.

    def finish(self) -> SessionSpans:
        """Close whatever is still open at the last event's time."""
        end = self.spans.last_t
        for call in self._calls.values():
            call.finished = max(end, call.queued)
            if call.attempts:  # the attempt still running when the events stop
                call.attempts[-1].end = max(call.finished, call.attempts[-1].start)
            self._complete(call)
        self._calls.clear()
        for batch in self._batches.values():
            batch.end = max(end, batch.start)
            self._complete(batch)
        self._batches.clear()
        rt = self._round_trip
        if rt is not None and rt.end is None:
            rt.end = max(end, rt.start)
            self._complete(rt)
        self._round_trip = None
        turn = self._turn
        if turn is not None and turn.end is None:
            turn.end = max(end, turn.start)
            self._complete(turn)
        self._turn = None
        return self.spans

    # -- internals -------------------------------------------------------------------------------

    def _start_turn(self, number: int, t: float, prompt: str) -> TurnSpan:
        if self._turn is not None and self._turn.end is None:
            self._turn.end = t  # a turn that never said it finished (should not happen live)
            self._complete(self._turn)
        self._turn = turn = TurnSpan(number=number, start=t, prompt=prompt)
        self._turn_error = self._turn_error_kind = None
        self.spans.turns.append(turn)
        return turn

    def _ensure_turn(self, number: int, t: float) -> TurnSpan:
        turn = self._turn
        if turn is None or turn.number != number:
            # A file cut at its start, or events from before the first turn_started.
            turn = self._start_turn(number, t, "")
        return turn

    def _call_queued(self, row: Mapping[str, Any], t: float) -> None:
        batch_id = row["batch_id"]
        call_id = row["call_id"]
        batch = self._batches.get(batch_id)
        turn_number = batch.turn if batch is not None else (self._turn.number if self._turn else 0)
        turn = self._ensure_turn(turn_number, t)
        emitted, round_trip = self._emitted.pop((batch_id, call_id), (None, None))
        # Positional (in field order): this runs once per call, and keyword arguments cost more.
        call = CallSpan(
            turn.number,
            batch_id,
            call_id,
            row["tool"],
            row.get("index", 0),
            row.get("args"),
            t,
            emitted,
            round_trip if round_trip is not None else _rt(batch),
        )
        self._calls[(batch_id, call_id)] = call
        turn.calls.append(call)

    def _call_finished(self, row: Mapping[str, Any], t: float) -> None:
        key = (row["batch_id"], row["call_id"])
        call = self._calls.pop(key, None)
        if call is None:  # its queued line is missing: still show the call once
            self._call_queued({**row, "type": "call_queued"}, row.get("queued_t", t))
            call = self._calls.pop(key)
        call.queued = row.get("queued_t", call.queued)
        call.started = row.get("started_t")
        call.finished = row.get("finished_t", t)
        call.status = row["status"]
        call.result = row.get("result")
        call.error = row.get("error")
        count = row.get("attempts", 1)
        if call.started is not None:
            if not call.attempts:
                call.attempts.append(Attempt(1, call.started, call.finished))
            call.attempts[-1].end = call.finished
            del call.attempts[count:]
        else:
            call.attempts.clear()
        self._complete(call)

    def _response_finished(self, row: Mapping[str, Any], t: float) -> None:
        rt = self._round_trip
        if rt is None or rt.number != row["round_trip"]:
            turn = self._ensure_turn(row["turn"], t)
            rt = RoundTrip(
                turn=turn.number,
                number=row["round_trip"],
                provider=self.spans.provider or "",
                model=self.spans.model or "",
                start=t - row.get("duration_s", 0.0),
                parallel=None,
            )
            turn.round_trips.append(rt)
        usage = row.get("usage")
        rt.end = t
        rt.input_tokens = _f(usage, "input_tokens")
        rt.output_tokens = _f(usage, "output_tokens")
        rt.stop_reason = row.get("stop_reason")
        rt.batch_id = row.get("batch_id")
        rt.complete = True
        self._round_trip = None
        if rt.batch_id is not None:
            self._batch_rt[rt.batch_id] = rt.number
            batch = self._batches.get(rt.batch_id)
            if batch is not None:
                batch.round_trip = rt.number
        self._complete(rt)

    def _turn_finished(self, row: Mapping[str, Any], t: float) -> None:
        turn = self._ensure_turn(row["turn"], t)
        status = row["status"]
        rt = self._round_trip
        if rt is not None and rt.end is None:  # cancelled or failed while the model streamed
            rt.end = t
            rt.error_type = (
                "cancelled" if status == "cancelled" else (self._turn_error_kind or "error")
            )
            rt.error = self._turn_error
            rt.complete = True  # its end is in the events: it failed, it was not cut off
            self._complete(rt)
        self._round_trip = None
        turn.end = t
        turn.status = status
        turn.text = row.get("text", "")
        turn.error = self._turn_error
        turn.error_kind = self._turn_error_kind
        turn.complete = True
        self._turn = None
        self._complete(turn)

    def _complete(self, item: Completed) -> None:
        if self._on_complete is not None:
            self._on_complete(item)
        if not self._keep and isinstance(item, TurnSpan):
            self.spans.turns.remove(item)


def _rt(batch: BatchSpan | None) -> int | None:
    return batch.round_trip if batch is not None else None
