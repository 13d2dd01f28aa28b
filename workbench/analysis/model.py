"""What a recorded session says, as plain facts: turns, model round trips, batches and their calls.

Built in one pass over a session's event records (the JSON shapes of docs/session-format.md), keeping
only what the what-if scheduler, the advisor and the statistics read. All times are the session
clock's seconds.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from workbench.analysis.read import Record, Recording
from workbench.core.events import EVENT_ADAPTER, Event
from workbench.core.timeline import TimelineModel
from workbench.core.timeline_parts import TERMINAL, BatchGroup
from workbench.gcpolicy import paused
from workbench.session import SessionHeader


class RecordingError(ValueError):
    """A recorded event that parses but lacks what the format promises; the message is one line."""


IGNORED = frozenset(
    {
        "call_queued",
        "call_retrying",
        "call_started",
        "error",
        "notice",
        "settings_changed",
        "text_delta",
        "tool_call_emitted",
    }
)
"""Event types nothing here reads: a call's queue place, attempts and times are all in its
``call_finished``, and a batch's settings in its ``batch_started``."""

LOWER_BOUND_STATUSES = frozenset({"timeout", "cancelled"})
"""A call that ended so ran at least as long as recorded; how long the tool needed is unknown."""


class Call:
    """One recorded call, read straight from its ``call_finished`` record.

    A view over the record rather than a copy: a million-event statistics run builds one per call,
    and only a few of their fields are ever read.
    """

    __slots__ = ("record",)

    def __init__(self, record: Record) -> None:
        self.record = record

    @classmethod
    def of(
        cls,
        *,
        call_id: str,
        tool: str,
        args: dict[str, Any] | None,
        status: str,
        result: str,
        queued_t: float,
        started_t: float | None,
        finished_t: float,
        attempts: int = 1,
    ) -> Call:
        return cls(
            {
                "call_id": call_id,
                "tool": tool,
                "args": args,
                "status": status,
                "result": result,
                "queued_t": queued_t,
                "started_t": started_t,
                "finished_t": finished_t,
                "attempts": attempts,
            }
        )

    def shifted(self, by: float) -> Call:
        """The same call with its times ``by`` seconds earlier."""
        r = self.record
        started = r["started_t"]
        return Call(
            {
                **r,
                "queued_t": r["queued_t"] - by,
                "started_t": None if started is None else started - by,
                "finished_t": r["finished_t"] - by,
            }
        )

    @property
    def call_id(self) -> str:
        return self.record["call_id"]  # type: ignore[no-any-return]

    @property
    def tool(self) -> str:
        return self.record["tool"]  # type: ignore[no-any-return]

    @property
    def args(self) -> dict[str, Any] | None:
        return self.record["args"]  # type: ignore[no-any-return]

    @property
    def status(self) -> str:
        return self.record["status"]  # type: ignore[no-any-return]

    @property
    def result(self) -> str:
        return self.record["result"]  # type: ignore[no-any-return]

    @property
    def queued_t(self) -> float:
        return self.record["queued_t"]  # type: ignore[no-any-return]

    @property
    def started_t(self) -> float | None:
        """None when the call never got a slot (cancelled before it started)."""
        return self.record["started_t"]  # type: ignore[no-any-return]

    @property
    def finished_t(self) -> float:
        return self.record["finished_t"]  # type: ignore[no-any-return]

    @property
    def attempts(self) -> int:
        return self.record.get("attempts", 1)  # type: ignore[no-any-return]

    @property
    def run_s(self) -> float:
        """How long the call held its slot: every attempt and every retry's backoff."""
        r = self.record
        started = r["started_t"]
        return r["finished_t"] - started if started is not None else 0.0

    @property
    def wait_s(self) -> float:
        """How long the call waited for a slot (or, never started, until it was cancelled)."""
        r = self.record
        started = r["started_t"]
        return (r["finished_t"] if started is None else started) - r["queued_t"]  # type: ignore[no-any-return]

    @property
    def lower_bound(self) -> bool:
        return self.record["status"] in LOWER_BOUND_STATUSES

    def __repr__(self) -> str:
        return f"Call({self.tool} {self.status} {self.call_id})"


@dataclass(slots=True)
class BatchSettings:
    """The execution settings a batch ran under (the fields scheduling depends on)."""

    concurrent: bool = True
    max_concurrent: int = 10
    timeout_s: float | None = 30.0
    retries: int = 0
    retry_backoff_s: float = 0.5

    @property
    def cap(self) -> int:
        return self.max_concurrent if self.concurrent else 1


@dataclass(frozen=True, slots=True)
class BatchTotals:
    wait_s: float
    """Time the calls spent waiting for a slot, summed."""
    run_s: float
    """Time the calls held a slot, summed."""
    errors: int
    timeouts: int


@dataclass(slots=True)
class Batch:
    batch_id: str
    turn: int
    raw_settings: dict[str, Any]
    """The recorded ``settings`` of its ``batch_started`` (see :attr:`settings`)."""
    eager: bool
    started_t: float
    calls: list[Call] = field(default_factory=list)
    """In queue order (the order the executor took them in) once :meth:`in_queue_order` ran;
    the recording has them in completion order."""
    ordered: bool = False
    wall_s: float | None = None
    """The recorded wall (first call queued to last call finished); None when it never finished."""
    peak: int | None = None
    totals: BatchTotals | None = None
    """As the executor counted them (``batch_finished``); see :meth:`counted`."""

    @property
    def finished(self) -> bool:
        return self.wall_s is not None

    def counted(self) -> BatchTotals:
        """Waiting, running and failures: the executor's count, or, for a batch whose end the
        recording lost, the count of the calls that finished."""
        if self.totals is not None:
            return self.totals
        wait = run = 0.0
        errors = timeouts = 0
        for call in self.in_queue_order():
            wait += call.wait_s
            run += call.run_s
            errors += call.status == "error"
            timeouts += call.status == "timeout"
        return BatchTotals(wait, run, errors, timeouts)

    def in_queue_order(self) -> list[Call]:
        """The calls in the order the executor took them (sorted when first asked: statistics
        mostly never need it). Raises :class:`RecordingError` for a call record that lacks a
        field analysis reads."""
        if not self.ordered:
            for call in self.calls:
                r = call.record
                if not r.keys() >= _CALL_FIELDS:
                    missing = ", ".join(sorted(_CALL_FIELDS - r.keys()))
                    raise RecordingError(
                        f"the call_finished event of {r.get('call_id', '?')!r} in batch"
                        f" {self.batch_id} lacks {missing}"
                    )
            try:
                self.calls.sort(key=_queue_order)
            except TypeError:
                raise RecordingError(
                    f"a call_finished event in batch {self.batch_id} has a time that is not a number"
                ) from None
            self.ordered = True
        return self.calls

    @property
    def settings(self) -> BatchSettings:
        """The execution settings it ran under (read when asked: statistics rarely need them)."""
        try:
            return _settings(self.raw_settings)
        except (AttributeError, TypeError, ValueError):
            raise RecordingError(
                f"the settings recorded for batch {self.batch_id} are not execution settings"
            ) from None


@dataclass(slots=True)
class RoundTrip:
    """One model request and its response."""

    turn: int
    number: int
    """The session's round-trip number (1 for its first request), as the timeline shows it."""
    provider: str
    model: str
    parallel: bool
    """Whether parallel emission was on for this request."""
    started_t: float
    duration_s: float | None = None
    """None when the response never finished."""
    batch_id: str | None = None
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0


@dataclass(slots=True)
class Turn:
    number: int
    round_trips: list[RoundTrip] = field(default_factory=list)
    batches: dict[str, Batch] = field(default_factory=dict)
    """By batch id, in the order they started."""
    status: str | None = None
    """The recorded ending (completed, cancelled, ...), None when the turn never finished."""


@dataclass(slots=True)
class Session:
    path: str
    provider: str | None
    """The provider the header names (None in files written before headers named it)."""
    model: str | None
    turns: list[Turn]
    """Every turn, in order; empty when the turns were handed to ``on_turn`` instead."""
    problems: list[str]
    """What was wrong with the file, one line each; empty for a clean file."""

    @property
    def batches(self) -> dict[str, Batch]:
        return {b.batch_id: b for turn in self.turns for b in turn.batches.values()}


_CALL_FIELDS = frozenset(
    {"call_id", "tool", "args", "status", "result", "queued_t", "started_t", "finished_t"}
)


def _queue_order(call: Call) -> tuple[float, float]:
    """Queue order is arrival order; calls that arrived on the same clock tick (a coarse clock)
    started in queue order, as the executor takes calls first come, first served."""
    r = call.record
    started = r["started_t"]
    return (r["queued_t"], _NEVER if started is None else started)


_NEVER = float("inf")


TurnSink = Callable[[Turn], None]


def _settings(raw: dict[str, Any]) -> BatchSettings:
    return BatchSettings(
        concurrent=bool(raw.get("concurrent", True)),
        max_concurrent=int(raw.get("max_concurrent", 10)),
        timeout_s=raw.get("timeout_s", 30.0),
        retries=int(raw.get("retries", 0)),
        retry_backoff_s=float(raw.get("retry_backoff_s", 0.5)),
    )


def build(
    records: Iterable[Record],
    *,
    path: str = "",
    header: SessionHeader | None = None,
    on_turn: TurnSink | None = None,
) -> Session:
    """The facts of a session from its event records, in recorded order.

    With ``on_turn``, each turn is handed to it once it has finished (or the records ran out) and
    then dropped, so a long session costs the memory of its longest turn; ``turns`` stays empty.
    A record missing a field this needs ends the usable part, as a bad line ends loading.
    """
    problems: list[str] = []
    kept: list[Turn] = []
    open_turns: dict[int, Turn] = {}
    batches: dict[str, Batch] = {}  # of the open turns
    round_trips: dict[int, RoundTrip] = {}  # of the open turns

    def turn_for(number: int) -> Turn:
        turn = open_turns.get(number)
        if turn is None:
            turn = open_turns[number] = Turn(number)
        return turn

    def close(turn: Turn) -> None:
        del open_turns[turn.number]
        for batch_id in turn.batches:
            batches.pop(batch_id, None)
        for trip in turn.round_trips:
            round_trips.pop(trip.number, None)
        if on_turn is None:
            kept.append(turn)
        else:
            on_turn(turn)

    index = 0
    kind: Any = None
    for index, r in enumerate(records):
        try:
            kind = r["type"]
            # Ordered by how often each type occurs in a recording.
            if kind == "call_finished":
                batch = batches.get(r["batch_id"])
                if batch is not None:
                    # Its fields are checked when the calls are first used (in_queue_order):
                    # statistics never look at most calls, and a million of them add up.
                    batch.calls.append(Call(r))
            elif kind == "batch_started":
                batch_id = r["batch_id"]
                batch = Batch(
                    batch_id,
                    r["turn"],
                    r["settings"],
                    r.get("eager", False),
                    r["t"],
                )
                batches[batch_id] = batch
                turn_for(batch.turn).batches[batch_id] = batch
            elif kind == "batch_finished":
                batch = batches.get(r["batch_id"])
                if batch is not None:
                    stats = r["stats"]
                    batch.wall_s = stats["wall_s"]
                    batch.peak = stats["peak_concurrency"]
                    batch.totals = BatchTotals(
                        stats["wait_s"], stats["sum_s"], stats["errors"], stats["timeouts"]
                    )
            elif kind == "model_request_started":
                trip = RoundTrip(
                    r["turn"],
                    r["round_trip"],
                    r["provider"],
                    r["model"],
                    bool(r["emission"].get("parallel", True)),
                    r["t"],
                )
                round_trips[trip.number] = trip
                turn_for(trip.turn).round_trips.append(trip)
            elif kind == "model_response_finished":
                answered = round_trips.get(r["round_trip"])
                if answered is not None:
                    usage = r["usage"]
                    answered.duration_s = r["duration_s"]
                    answered.batch_id = r["batch_id"]
                    answered.calls = r["calls"]
                    answered.input_tokens = usage.get("input_tokens", 0)
                    answered.output_tokens = usage.get("output_tokens", 0)
            elif kind == "turn_started":
                turn_for(r["turn"])
            elif kind == "turn_finished":
                turn = turn_for(r["turn"])
                turn.status = r["status"]
                close(turn)
        except RecordingError:
            raise  # worded already (from a turn handed to on_turn)
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            problems.append(
                f"event {index + 1} ({kind!r}) is not as recorded sessions are"
                f" ({type(exc).__name__}: {exc}); used the events before it"
            )
            break
    for number in sorted(open_turns):
        close(open_turns[number])
    kept.sort(key=lambda turn: turn.number)
    provider = header.provider if header is not None else None
    return Session(
        path=path,
        provider=provider.name if provider is not None else None,
        model=provider.model if provider is not None else None,
        turns=kept,
        problems=problems,
    )


def from_recording(recording: Recording, *, on_turn: TurnSink | None = None) -> Session:
    """The facts of a recorded session; what was wrong with the file is in its ``problems``."""
    with paused():  # parsing allocates containers by the thousand, all kept
        session = build(
            recording.records(skip=IGNORED),
            path=str(recording.path),
            header=recording.header,
            on_turn=on_turn,
        )
    session.problems[:0] = recording.problems
    return session


def from_events(events: Iterable[Event], *, path: str = "") -> Session:
    """The facts of events already in memory (a live run, a loaded replay): the same as reading
    them back from their recording."""
    dump = EVENT_ADAPTER.dump_python
    return build((dump(event, mode="json") for event in events), path=path)


def from_group(group: BatchGroup) -> Batch:
    """A batch as the app's timeline model holds it (live or replayed), once it has finished.

    Raises ``ValueError`` while the batch is still running: its open calls have no duration yet.
    """
    if group.stats is None:
        raise ValueError(f"batch {group.batch_id} is still running")
    batch = Batch(
        group.batch_id,
        group.turn,
        group.settings.model_dump(mode="json"),
        group.eager,
        group.started_t,
        wall_s=group.stats.wall_s,
        peak=group.stats.peak_concurrency,
    )
    for row in group.calls:
        if row.state not in TERMINAL or row.finished_t is None:
            raise ValueError(f"batch {group.batch_id} is still running")
        batch.calls.append(
            Call.of(
                call_id=row.call_id,
                tool=row.tool,
                args=row.args,
                status=row.state,
                result=row.result or "",
                queued_t=row.queued_t,
                started_t=row.started_t,
                finished_t=row.finished_t,
                attempts=max(1, row.attempts),
            )
        )
    return batch


def turn_from_model(model: TimelineModel, number: int) -> Turn | None:
    """A finished turn as the app's timeline model holds it (live or replayed), for the advisor;
    None while it runs or when the model has no such turn."""
    info = model.turn(number)
    if info is None or info.status is None:
        return None
    turn = Turn(number, status=info.status)
    for span in model.model_spans:
        if span.turn != number:
            continue
        turn.round_trips.append(
            RoundTrip(
                number,
                span.round_trip,
                span.provider,
                span.model,
                span.emission.parallel if span.emission is not None else True,
                span.start_t,
                duration_s=span.duration_s,
                batch_id=span.batch_id,
                calls=span.calls,
                input_tokens=span.usage.input_tokens,
                output_tokens=span.usage.output_tokens,
            )
        )
    for batch_id in info.batch_ids:
        group = model.batch(batch_id)
        if group is not None and group.stats is not None:
            with contextlib.suppress(ValueError):
                turn.batches[batch_id] = from_group(group)
    return turn
