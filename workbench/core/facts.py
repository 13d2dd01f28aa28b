"""What a session is made of, as plain facts: turns, model round trips, batches and tool calls.

Plain mutable dataclasses that :class:`workbench.core.fold.SessionFold` fills in as events arrive;
every view (the timeline, the terminal printer, analysis, the exporters, the turn axis) reads these,
and docs/session-format.md ("What the figures mean") defines each figure once. Times are seconds on
the session clock, never the wall clock.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from workbench.core.events import BatchStats, Event, TurnStats, TurnStatus
from workbench.core.messages import Usage
from workbench.core.settings import EmissionSettings, ExecutionSettings
from workbench.core.trusted import trusted

CallState = Literal[
    "emitted",
    "queued",
    "running",
    "retrying",
    "ok",
    "error",
    "timeout",
    "cancelled",
    "unfinished",
]
"""``emitted``: the model sent the call but the executor has not queued it yet (non-eager batches
wait for the response to end). ``retrying``: an attempt failed and the next one is backing off.
``unfinished``: the events ended (a session cut by a kill or a crash) before the call did."""

MIN_AXIS_S = 0.02
"""Shortest time axis a batch is drawn on: sub-millisecond scheduling noise in a 1 ms batch would
otherwise fill the whole bar."""
MIN_VISIBLE_WAIT_S = 0.002
"""Shorter waits are scheduling latency, not waiting for a slot, and are not drawn as waiting."""

TERMINAL: frozenset[CallState] = frozenset({"ok", "error", "timeout", "cancelled"})
"""How a call can end (``call_finished.status``)."""
FAILED: frozenset[CallState] = frozenset({"error", "timeout", "cancelled"})
LOWER_BOUND: frozenset[CallState] = frozenset({"timeout", "cancelled", "unfinished"})
"""A call that ended so ran at least as long as recorded; how long the tool needed is unknown."""
_HOLDS_SLOT: frozenset[CallState] = frozenset({"running", "retrying"})
"""The executor keeps a call's slot through its retry backoff, so both states count as running."""


@dataclass(slots=True)
class Call:
    """One tool call, as far as the events tell."""

    call_id: str
    batch_id: str
    tool: str
    args: dict[str, Any] | None
    index: int
    """Its place in the batch's queue (the model response's order)."""
    queued_t: float
    """When the call was queued; the emission time until ``call_queued`` arrives."""
    started_t: float | None = None
    """Start of the first attempt (None: it never got a slot)."""
    finished_t: float | None = None
    state: CallState = "queued"
    attempts: int = 0
    retry_ts: list[float] = field(default_factory=list)
    """Times an attempt failed and a retry was scheduled."""
    retry_errors: list[str] = field(default_factory=list)
    """Why each of those attempts failed (``call_retrying.error``)."""
    attempt_ts: list[float] = field(default_factory=list)
    """Start time of every attempt (``attempt_ts[0] == started_t``)."""
    result: str | None = None
    error: str | None = None
    emitted_t: float | None = None
    """When the model emitted the call, if a ``tool_call_emitted`` was seen."""
    waits: bool = True
    """Every slot was taken when the call was queued, so its time until it starts is waiting for a
    slot; False when a slot was free (the time is a worker starting, not waiting)."""

    @property
    def done(self) -> bool:
        return self.state in TERMINAL

    @property
    def status(self) -> CallState:
        """The call's state; once it ended, its ``call_finished.status`` (or ``unfinished``)."""
        return self.state

    @property
    def lower_bound(self) -> bool:
        return self.state in LOWER_BOUND

    @property
    def end_t(self) -> float:
        """``finished_t``, or for a call that has not finished, the latest time it is known at."""
        if self.finished_t is not None:
            return self.finished_t
        return self.started_t if self.started_t is not None else self.queued_t

    @property
    def wait_s(self) -> float:
        """Time spent waiting for a slot: from queued to started (or, never started, to its end)
        when every slot was taken as it was queued, else 0; 0 while it is still waiting."""
        end = self.started_t if self.started_t is not None else self.finished_t
        return 0.0 if end is None or not self.waits else max(0.0, end - self.queued_t)

    @property
    def run_s(self) -> float:
        """How long the call held its slot: from the first start to the finish, retries and their
        backoff included (0 until finished, and for a call that never started)."""
        if self.started_t is None or self.finished_t is None:
            return 0.0
        return max(0.0, self.finished_t - self.started_t)

    def wait_at(self, now: float) -> float:
        """Waiting time with ``now`` standing in for a start that has not happened yet."""
        if not self.waits:
            return 0.0
        end = self.started_t if self.started_t is not None else (self.finished_t or now)
        return max(0.0, end - self.queued_t)

    def run_at(self, now: float) -> float:
        """Run time with ``now`` standing in for a finish that has not happened yet."""
        if self.started_t is None:
            return 0.0
        return max(0.0, (self.finished_t if self.finished_t is not None else now) - self.started_t)

    def __repr__(self) -> str:
        return f"Call({self.tool} {self.state} {self.call_id})"


@dataclass(slots=True)
class RoundTrip:
    """One model round trip: request sent to response finished (or to where it was cut short)."""

    turn: int
    round_trip: int
    """The session's round-trip number (1 for its first request)."""
    start_t: float
    end_t: float | None = None
    batch_id: str | None = None
    usage: Usage = field(default_factory=Usage)
    calls: int = 0
    """Calls emitted so far; the response's own count once it finished."""
    provider: str = ""
    model: str = ""
    emission: EmissionSettings | None = None
    duration_s: float | None = None
    """The response's recorded ``duration_s``; for a round trip cut short, ``end_t - start_t``."""
    stop_reason: str | None = None
    response_id: str | None = None
    """The provider's id for the response, when it sent one."""
    response_model: str | None = None
    """The model the provider says answered, when it said."""
    first_token_t: float | None = None
    """Its first streamed text or call (None: nothing streamed)."""
    answered: bool = False
    """Its ``model_response_finished`` was seen."""
    interrupted: bool = False
    """The events ended while it was in flight."""

    @property
    def cut(self) -> bool:
        """It ended without a response (cancelled, failed, or the events ended)."""
        return self.end_t is not None and not self.answered

    @property
    def number(self) -> int:
        return self.round_trip

    @property
    def started_t(self) -> float:
        return self.start_t

    @property
    def parallel(self) -> bool:
        """Whether parallel emission was on for this request."""
        return self.emission.parallel if self.emission is not None else True

    @property
    def input_tokens(self) -> int:
        return self.usage.input_tokens

    @property
    def output_tokens(self) -> int:
        return self.usage.output_tokens


@dataclass(slots=True)
class Batch:
    """The calls of one model response and how they ran."""

    batch_id: str
    turn: int
    started_t: float
    """``batch_started`` time, or the first event that named the batch until it arrives."""
    settings: ExecutionSettings = field(default_factory=ExecutionSettings)
    eager: bool = False
    finished_t: float | None = None
    """``batch_finished`` time, or the end of its turn when the turn closed it."""
    calls: list[Call] = field(default_factory=list)
    """In queue (index) order."""
    stats: BatchStats | None = None
    """As the executor counted them (``batch_finished``); see :meth:`effective_stats`."""
    emission: EmissionSettings | None = None
    model_span: RoundTrip | None = None
    has_started: bool = False
    """Whether ``batch_started`` was seen (calls can be emitted before it)."""
    running: int = 0
    """Calls holding a slot now (running, or backing off before a retry)."""
    peak: int = 0
    """Most calls holding a slot at once, so far."""
    outcomes: Counter[str] = field(default_factory=Counter)
    """Finished calls by status."""
    finished_count: int = 0
    """Finished calls (``outcomes``' total, kept as a count: the fold reads it once per call)."""
    first_queued_t: float | None = None
    queued_count: int = 0
    """``call_queued`` events seen: with the finished calls, how many slots were taken."""
    last_finished_t: float | None = None
    last_t: float = 0.0
    """The latest event time seen for this batch: "now" for drawing calls still open."""
    interrupted: bool = False
    """The events ended while it ran: its open calls are ``unfinished``."""
    _rows: dict[str, Call] = field(default_factory=dict, repr=False)
    _measured: BatchStats | None = field(default=None, repr=False)

    def row(self, call_id: str) -> Call | None:
        return self._rows.get(call_id)

    @property
    def done(self) -> bool:
        return self.finished_t is not None

    @property
    def finished(self) -> bool:
        """Its ``batch_finished`` was seen: the executor's figures are known."""
        return self.stats is not None

    @property
    def finished_calls(self) -> int:
        return self.finished_count

    @property
    def unfinished_calls(self) -> int:
        return sum(1 for c in self.calls if c.state == "unfinished")

    @property
    def round_trip(self) -> int | None:
        """The round trip whose response this batch's calls came in."""
        return self.model_span.round_trip if self.model_span is not None else None

    @property
    def wall_s(self) -> float | None:
        """The recorded wall (first call queued to last call finished); None when it never
        finished (:meth:`effective_stats` measures it from the calls)."""
        return self.stats.wall_s if self.stats is not None else None

    def in_queue_order(self) -> list[Call]:
        """The calls in the order the executor took them (its queue is the call order)."""
        return self.calls

    def axis(self) -> tuple[float, float]:
        """The batch's time axis: first queued to last finished (or the latest event if open)."""
        start = self.first_queued_t if self.first_queued_t is not None else self.started_t
        end = self.last_finished_t if self.last_finished_t is not None else start
        if self.finished_calls < len(self.calls):
            end = max(end, self.last_t)
        return start, max(start, end)

    def live_stats(self) -> BatchStats:
        """The figures measured from the calls (O(calls)), with calls still open (or unfinished)
        measured up to the batch's latest event: what ``stats`` says, before it arrives or when it
        never does."""
        start, end = self.axis()
        wall = end - start
        now = self.last_t
        # One pass for what Call.run_at and Call.wait_at say of each call, added in call order as
        # sum() would: analysis measures every batch of every session it reads.
        run = wait = 0.0
        done = True
        for c in self.calls:
            started, finished = c.started_t, c.finished_t
            if finished is None:
                done = False
            if started is not None:
                ran = (finished if finished is not None else now) - started
                run += ran if ran > 0.0 else 0.0
            if c.waits:
                waited = (started if started is not None else (finished or now)) - c.queued_t
                wait += waited if waited > 0.0 else 0.0
        o = self.outcomes
        # Every field, in order, of the types declared: trusted (tests check it, CHECKED mode).
        return trusted(
            BatchStats,
            {
                "calls": len(self.calls),
                "wall_s": float(wall),
                "sum_s": float(run),
                "speedup": float(run / wall) if wall > 0 else 1.0,
                "peak_concurrency": peak_of(self.calls) if done else self.peak,
                "wait_s": float(wait),
                "ok": o["ok"],
                "errors": o["error"],
                "timeouts": o["timeout"],
                "cancelled": o["cancelled"],
            },
        )

    def effective_stats(self) -> BatchStats:
        """The batch's figures, measured from its calls (:meth:`live_stats`; once it finished,
        measured once: they no longer change). For what this workbench records they are the
        executor's own count (``stats``, tests/session/test_views_agree.py holds it); a file written
        before waiting meant waiting for a slot recorded more ``wait_s``, and is shown by the rule."""
        if self.stats is None:
            return self.live_stats()
        if self._measured is None:
            self._measured = self.live_stats()
        return self._measured


def peak_of(calls: list[Call]) -> int:
    """Most calls holding a slot at once (first start to finish, retries included), from their
    times alone: at one instant a call's end frees its slot before another's start takes it."""
    starts: list[float] = []
    ends: list[float] = []
    for c in calls:
        start, end = c.started_t, c.finished_t
        if start is not None and end is not None:
            starts.append(start)
            ends.append(end)
    starts.sort()
    ends.sort()
    # Just after the k-th start (in time order), k calls have started and those whose end is at
    # or before it have freed their slots: two sorted lists of floats, no (time, step) pairs.
    peak = ended = 0
    count = len(ends)
    for started, start in enumerate(starts, 1):
        while ended < count and ends[ended] <= start:
            ended += 1
        if started - ended > peak:
            peak = started - ended
    return peak


@dataclass(slots=True)
class Turn:
    """One user prompt and everything it caused."""

    turn: int
    prompt: str
    started_t: float
    status: TurnStatus | None = None
    """None while the turn runs (and when the events ended first: see ``interrupted``)."""
    stats: TurnStats | None = None
    finished_t: float | None = None
    answer: str = ""
    """The final answer, from ``turn_finished``."""
    round_trips: list[RoundTrip] = field(default_factory=list)
    batches: dict[str, Batch] = field(default_factory=dict)
    """By batch id, in the order they were first named."""
    error: str | None = None
    """The first run-time error of the turn (``error`` event), in its words."""
    error_kind: str | None = None
    """Its kind (a provider error's ``timeout``, ``auth``, ..., or ``internal``)."""
    interrupted: bool = False
    """The events ended before the turn did (no ``turn_finished``)."""
    _parts: list[str] = field(default_factory=list, repr=False)

    @property
    def number(self) -> int:
        return self.turn

    @property
    def batch_ids(self) -> list[str]:
        return list(self.batches)

    @property
    def text(self) -> str:
        """All text deltas of the turn so far. Joining is O(text): append ``Change.text`` instead."""
        if len(self._parts) > 1:
            self._parts[:] = ["".join(self._parts)]
        return self._parts[0] if self._parts else ""


@dataclass(frozen=True, slots=True)
class SessionTotals:
    round_trips: int
    model_time_s: float
    tool_time_s: float
    """Sum of the batches' wall times."""
    calls: int
    batches: int
    failures: int
    """Calls that did not end ok (errors + timeouts + cancelled), as in ``BatchStats.failures``."""
    errors: int
    timeouts: int
    cancelled: int
    usage: Usage
    wall_s: float
    """Sum of the turns' wall times (idle time between turns is not counted)."""
    unfinished: int = 0
    """Calls the events ended before (an interrupted session)."""


@dataclass(slots=True)
class Change:
    """What one event changed, so a view refreshes only that (read it, never change it: not frozen
    only because a frozen dataclass costs ~1 µs more to build, once per event)."""

    event: Event
    turn: int | None = None
    text: str | None = None
    """Text appended to ``turn`` (a text delta)."""
    round_trip: int | None = None
    batch_id: str | None = None
    call_id: str | None = None
    session: bool = False
    """Totals, settings, notices or errors changed."""
    closed: tuple[str, ...] = ()
    """Call ids the end of the turn closed as cancelled (they never reported a finish)."""
