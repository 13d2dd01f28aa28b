"""What a recorded session says, as plain facts: turns, model round trips, batches and their calls.

Built in one pass over a session's event records (the JSON shapes of docs/session-format.md), keeping
only what the what-if scheduler, the advisor and the statistics read. All times are the session
clock's seconds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from workbench.analysis.read import Record, Recording

LOWER_BOUND_STATUSES = frozenset({"timeout", "cancelled"})
"""A call that ended so ran at least as long as recorded; how long the tool needed is unknown."""


@dataclass(slots=True)
class Call:
    call_id: str
    tool: str
    args: dict[str, Any] | None
    status: str
    result: str
    queued_t: float
    started_t: float | None
    """None when the call never got a slot (cancelled before it started)."""
    finished_t: float
    attempts: int = 1

    @property
    def run_s(self) -> float:
        """How long the call held its slot: every attempt and every retry's backoff."""
        return self.finished_t - self.started_t if self.started_t is not None else 0.0

    @property
    def wait_s(self) -> float:
        """How long the call waited for a slot (or, never started, until it was cancelled)."""
        end = self.started_t if self.started_t is not None else self.finished_t
        return end - self.queued_t

    @property
    def lower_bound(self) -> bool:
        return self.status in LOWER_BOUND_STATUSES


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


@dataclass(slots=True)
class Batch:
    batch_id: str
    turn: int
    settings: BatchSettings
    eager: bool
    started_t: float
    calls: list[Call] = field(default_factory=list)
    """In queue order (the order the executor took them in)."""
    queue: dict[str, int] = field(default_factory=dict)
    """Each call's place in the queue, by call id."""
    wall_s: float | None = None
    """The recorded wall (first call queued to last call finished); None when it never finished."""
    peak: int | None = None

    @property
    def finished(self) -> bool:
        return self.wall_s is not None


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
    batches: list[Batch] = field(default_factory=list)
    status: str | None = None
    """The recorded ending (completed, cancelled, ...), None when the turn never finished."""


@dataclass(slots=True)
class Session:
    path: str
    provider: str | None
    model: str | None
    turns: list[Turn]
    batches: dict[str, Batch]
    problems: list[str]
    """What was wrong with the file, one line each; empty for a clean file."""


class _Builder:
    __slots__ = ("batches", "calls", "round_trips", "turns")

    def __init__(self) -> None:
        self.turns: dict[int, Turn] = {}
        self.batches: dict[str, Batch] = {}
        self.round_trips: dict[int, RoundTrip] = {}
        self.calls = 0

    def turn(self, number: int) -> Turn:
        turn = self.turns.get(number)
        if turn is None:
            turn = self.turns[number] = Turn(number)
        return turn


def _settings(raw: dict[str, Any]) -> BatchSettings:
    return BatchSettings(
        concurrent=bool(raw.get("concurrent", True)),
        max_concurrent=int(raw.get("max_concurrent", 10)),
        timeout_s=raw.get("timeout_s", 30.0),
        retries=int(raw.get("retries", 0)),
        retry_backoff_s=float(raw.get("retry_backoff_s", 0.5)),
    )


def build(records: Iterable[Record], *, path: str = "", header: Any = None) -> Session:
    """The facts of a session from its event records, in recorded order.

    A record missing a field this needs ends the usable part, as a bad line ends loading.
    """
    b = _Builder()
    problems: list[str] = []
    turns = b.turns
    batches = b.batches
    round_trips = b.round_trips
    index = 0
    for index, r in enumerate(records):
        kind = r["type"]
        try:
            # Ordered by how often each type occurs in a recording.
            if kind == "call_finished":
                batch = batches.get(r["batch_id"])
                if batch is not None:
                    batch.calls.append(
                        Call(
                            r["call_id"],
                            r["tool"],
                            r["args"],
                            r["status"],
                            r["result"],
                            r["queued_t"],
                            r["started_t"],
                            r["finished_t"],
                            r.get("attempts", 1),
                        )
                    )
            elif kind == "call_queued":
                batch = batches.get(r["batch_id"])
                if batch is not None:
                    batch.queue[r["call_id"]] = len(batch.queue)
            elif kind == "batch_started":
                batch_id = r["batch_id"]
                turn_number = r["turn"]
                batch = Batch(
                    batch_id, turn_number, _settings(r["settings"]), r.get("eager", False), r["t"]
                )
                batches[batch_id] = batch
                b.turn(turn_number).batches.append(batch)
            elif kind == "batch_finished":
                batch = batches.get(r["batch_id"])
                if batch is not None:
                    stats = r["stats"]
                    batch.wall_s = stats["wall_s"]
                    batch.peak = stats["peak_concurrency"]
            elif kind == "model_request_started":
                turn_number = r["turn"]
                trip = RoundTrip(
                    turn_number,
                    r["round_trip"],
                    r["provider"],
                    r["model"],
                    bool(r["emission"].get("parallel", True)),
                    r["t"],
                )
                round_trips[trip.number] = trip
                b.turn(turn_number).round_trips.append(trip)
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
                b.turn(r["turn"])
            elif kind == "turn_finished":
                b.turn(r["turn"]).status = r["status"]
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            problems.append(
                f"event {index + 1} ({kind!r}) is not as recorded sessions are"
                f" ({type(exc).__name__}: {exc}); used the events before it"
            )
            break
    for batch in batches.values():
        # Completion order is the recording's; queue order is the executor's.
        queue = batch.queue
        batch.calls.sort(key=lambda call: (queue.get(call.call_id, len(queue)), call.queued_t))
    provider = getattr(header, "provider", None)
    provider_name = model = None
    if isinstance(provider, dict):
        provider_name, model = provider.get("name"), provider.get("model")
    elif provider is not None:  # a typed header (v2)
        provider_name, model = getattr(provider, "name", None), getattr(provider, "model", None)
    return Session(
        path=path,
        provider=provider_name,
        model=model,
        turns=[turns[n] for n in sorted(turns)],
        batches=batches,
        problems=problems,
    )


def from_recording(recording: Recording) -> Session:
    session = build(recording.records, path=str(recording.path), header=recording.header)
    session.problems[:0] = recording.problems
    return session
