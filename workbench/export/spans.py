"""A session as spans: turns, model round trips, batches and tool calls with their times.

Pure Python, shared by the Chrome trace and the OpenTelemetry exporters (no OpenTelemetry here). The
spans are a view of the session fold (:class:`workbench.core.fold.SessionFold`), the same facts the
timeline and analysis read, so an exported figure is the figure they show. Times are session seconds
(``t``); :meth:`SessionSpans.unix_ns` turns one into a wall-clock instant.

Anything left open when the events end (a truncated file, a run still going) is closed at the last
event's time and marked ``complete=False``, so every call still appears exactly once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from workbench.core.events import (
    EVENT_ADAPTER,
    BatchFinished,
    CallFinished,
    Event,
    ModelResponseFinished,
    TurnFinished,
)
from workbench.core.facts import Batch, Call, Turn
from workbench.core.facts import RoundTrip as FoldRoundTrip
from workbench.core.fold import SessionFold
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
    waits: bool = True
    """Every slot was taken when it was queued: its time until it started was waiting for a slot
    (the session fold's rule, docs/session-format.md); otherwise that time is a worker starting."""

    @property
    def end(self) -> float:
        assert self.finished is not None
        return self.finished

    @property
    def wait_s(self) -> float:
        """Time spent waiting for a slot (all of it, for a call that never got one); 0 for a call
        that found a slot free."""
        if not self.waits:
            return 0.0
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
    """As the provider reported it; None when it reported none, or the response never finished."""
    output_tokens: int | None = None
    stop_reason: str | None = None
    response_id: str | None = None
    """The provider's id for the response (None: not given, or an older session)."""
    response_model: str | None = None
    """The model the provider says answered (None: not given, or an older session)."""
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
    """Turns events into :class:`SessionSpans`, one event at a time, through a session fold.

    ``on_complete`` (the live exporter) is called with each call, round trip, batch and turn as it ends;
    with ``keep=False`` finished turns are then dropped, so a long live session does not accumulate.
    ``keep_facts`` (default: ``keep``) says whether the fold keeps a finished turn's facts too.
    """

    def __init__(
        self,
        spans: SessionSpans,
        *,
        on_complete: Callable[[Completed], None] | None = None,
        keep: bool = True,
        keep_facts: bool | None = None,
    ) -> None:
        self.spans = spans
        self._on_complete = on_complete
        self._keep = keep
        # The fold's facts of a finished turn are not read once its spans are made: a file's
        # export drops them (keep_facts=False), holding the spans alone.
        self.fold = SessionFold(
            on_turn=self._turn_done, keep=keep if keep_facts is None else keep_facts
        )
        self._calls: dict[tuple[str, str], CallSpan] = {}
        """Calls already converted (ended), of the turns not yet done."""
        self._trips: dict[int, RoundTrip] = {}
        self._batches: dict[str, BatchSpan] = {}
        self._open: dict[int, TurnSpan] = {}

    def feed_all(self, events: Iterable[Event]) -> None:
        apply = self.apply
        for event in events:
            apply(event)

    def feed(self, row: Mapping[str, Any]) -> None:
        """One event as its field mapping (validated into the event first)."""
        self.apply(EVENT_ADAPTER.validate_python(row))

    def apply(self, event: Event) -> None:
        """One event. Reading a file, :attr:`fold` ``.apply`` may be called instead: the spans are
        made from the fold's facts as each turn ends (live, each part as it ends, here)."""
        fold = self.fold
        change = fold.apply(event)
        if self._on_complete is None:
            return
        kind = type(event)
        if change.turn is not None and change.turn not in self._open and kind is not TurnFinished:
            self._open_turn(change.turn)
        if kind is CallFinished:
            batch = fold.batch(change.batch_id or "")
            row = batch.row(change.call_id or "") if batch is not None else None
            if batch is not None and row is not None:
                self._call(batch, row)
        elif kind is ModelResponseFinished:
            # (A round trip cut short is handed on with its turn, which says how it ended.)
            trip = fold.span(change.round_trip) if change.round_trip is not None else None
            if trip is not None and trip.answered:
                self._trip(trip, None)
        if kind is BatchFinished:
            batch = fold.batch(change.batch_id or "")
            if batch is not None:
                self._batch(batch)

    def finish(self) -> SessionSpans:
        """Close whatever is still open at the last event's time."""
        self.fold.end()
        self.spans.last_t = self.fold.last_t
        return self.spans

    # -- internals -------------------------------------------------------------------------------

    def _open_turn(self, number: int) -> TurnSpan:
        info = self.fold.turn(number)
        start = info.started_t if info is not None else self.fold.last_t
        turn = TurnSpan(number=number, start=start, prompt=info.prompt if info else "")
        self._open[number] = turn
        self.spans.turns.append(turn)
        return turn

    def _turn_done(self, info: Turn) -> None:
        """The fold finished a turn (or the events ended inside it): convert what is left."""
        turn = self._open.pop(info.turn, None) or self._open_turn_now(info)
        spans = self.spans
        end = spans.last_t = self.fold.last_t
        turn.start = info.started_t
        turn.prompt = info.prompt
        turn.round_trips = [self._trip(trip, info) for trip in info.round_trips]
        turn.batches = [self._batch(b) for b in info.batches.values() if b.has_started]
        if self._on_complete is None:
            # Nothing was handed on as it ended (a file being read): no call was converted yet.
            new_call = self._new_call
            turn.calls = [new_call(b, row) for b in info.batches.values() for row in b.calls]
        else:
            turn.calls = [self._call(b, row) for b in info.batches.values() for row in b.calls]
        if spans.provider is None and info.round_trips:
            first = info.round_trips[0]
            if first.provider:
                spans.provider, spans.model = first.provider, first.model
        turn.error = info.error
        turn.error_kind = info.error_kind
        if info.status is not None:
            turn.end = info.finished_t
            turn.status = info.status
            turn.text = info.answer
            turn.complete = True
        else:
            turn.end = max(end, turn.start)
        for trip in info.round_trips:
            self._trips.pop(trip.round_trip, None)
        for batch in info.batches.values():
            self._batches.pop(batch.batch_id, None)
            for row in batch.calls:
                self._calls.pop((batch.batch_id, row.call_id), None)
        self._complete(turn)

    def _open_turn_now(self, info: Turn) -> TurnSpan:
        self._open_turn(info.turn)
        return self._open.pop(info.turn)

    def _call(self, batch: Batch, row: Call) -> CallSpan:
        key = (batch.batch_id, row.call_id)
        done = self._calls.get(key)
        if done is not None:
            return done
        call = self._new_call(batch, row)
        self._calls[key] = call
        self._complete(call)
        return call

    def _new_call(self, batch: Batch, row: Call) -> CallSpan:
        # Once per call of an export: the usual call (one attempt) without a loop.
        if row.done:
            finished: float = row.finished_t if row.finished_t is not None else row.end_t
            status: str = row.state
        else:
            finished = max(self.spans.last_t, row.queued_t)
            status = UNFINISHED
        started = row.started_t
        attempts: list[Attempt] = []
        if started is not None:
            starts = row.attempt_ts or [started]
            if len(starts) == 1 and not row.retry_ts:
                attempts.append(Attempt(1, starts[0], max(finished, starts[0])))
            else:
                retries, errors = row.retry_ts, row.retry_errors
                for i, start in enumerate(starts):
                    end = retries[i] if i < len(retries) else finished
                    error = errors[i] if i < len(errors) else None
                    attempts.append(Attempt(i + 1, start, max(end, start), error))
                last = attempts[-1]
                last.end = max(finished, last.start)
            if row.done:
                del attempts[max(1, row.attempts) :]
        # Positional (in field order): this runs once per call, and keyword arguments cost more.
        return CallSpan(
            batch.turn,
            batch.batch_id,
            row.call_id,
            row.tool,
            row.index,
            row.args,
            row.queued_t,
            row.emitted_t,
            batch.round_trip,
            started,
            finished,
            status,
            row.result,
            row.error,
            attempts,
            row.waits,
        )

    def _trip(self, trip: FoldRoundTrip, info: Turn | None) -> RoundTrip:
        done = self._trips.get(trip.round_trip)
        if done is not None:
            return done
        answered = trip.answered
        reported = answered and trip.usage.reported
        complete = answered
        error_type = error = None
        if not answered and info is not None and info.status is not None:
            # Its end is in the events (its turn ended): it failed or was cancelled, not cut off.
            error_type = "cancelled" if info.status == "cancelled" else (info.error_kind or "error")
            error = info.error
            complete = True
        end = trip.end_t if trip.end_t is not None else max(self.spans.last_t, trip.start_t)
        batch = self.fold.batch(trip.batch_id) if trip.batch_id is not None else None
        emitted = (
            [c.call_id for c in batch.calls if c.emitted_t is not None and c.emitted_t <= end]
            if batch is not None
            else []
        )
        out = RoundTrip(
            turn=trip.turn,
            number=trip.round_trip,
            provider=trip.provider or self.spans.provider or "",
            model=trip.model or self.spans.model or "",
            start=trip.start_t,
            parallel=trip.emission.parallel if trip.emission is not None else None,
            end=end,
            # As the provider reported them; nothing when it reported none or never finished.
            input_tokens=trip.usage.input_tokens if reported else None,
            output_tokens=trip.usage.output_tokens if reported else None,
            stop_reason=trip.stop_reason,
            response_id=trip.response_id,
            response_model=trip.response_model,
            batch_id=trip.batch_id,
            complete=complete,
            emitted=emitted,
            first_chunk=trip.first_token_t,
            error_type=error_type,
            error=error,
        )
        self._trips[trip.round_trip] = out
        self._complete(out)
        return out

    def _batch(self, batch: Batch) -> BatchSpan:
        done = self._batches.get(batch.batch_id)
        if done is not None:
            return done
        end = batch.finished_t if batch.finished_t is not None else self.spans.last_t
        out = BatchSpan(
            turn=batch.turn,
            batch_id=batch.batch_id,
            start=batch.started_t,
            settings=batch.settings.model_dump(),
            eager=batch.eager,
            end=max(end, batch.started_t),
            # The fold's figures (measured from the calls; the executor's count for this version).
            stats=batch.effective_stats().model_dump() if batch.stats is not None else None,
            round_trip=batch.round_trip,
            complete=batch.stats is not None,
        )
        self._batches[batch.batch_id] = out
        self._complete(out)
        return out

    def _complete(self, item: Completed) -> None:
        if self._on_complete is not None:
            self._on_complete(item)
        if not self._keep and isinstance(item, TurnSpan):
            self.spans.turns.remove(item)
