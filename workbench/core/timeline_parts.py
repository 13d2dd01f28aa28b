"""What a timeline is made of: rows for calls, groups for batches, spans for model round trips.

Plain mutable dataclasses that :class:`workbench.core.timeline.TimelineModel` fills in as events
arrive; views read them. Times are seconds on the session clock, never the wall clock.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from workbench.core.events import BatchStats, Event, TurnStats, TurnStatus
from workbench.core.messages import Usage
from workbench.core.settings import EmissionSettings, ExecutionSettings

CallState = Literal[
    "emitted", "queued", "running", "retrying", "ok", "error", "timeout", "cancelled"
]
"""``emitted``: the model sent the call but the executor has not queued it yet (non-eager batches
wait for the response to end). ``retrying``: an attempt failed and the next one is backing off."""

MIN_AXIS_S = 0.02
"""Shortest time axis a batch is drawn on: sub-millisecond scheduling noise in a 1 ms batch would
otherwise fill the whole bar."""
MIN_VISIBLE_WAIT_S = 0.002
"""Shorter waits are scheduling latency, not waiting for a slot, and are not drawn as waiting."""

TERMINAL: frozenset[CallState] = frozenset({"ok", "error", "timeout", "cancelled"})
_HOLDS_SLOT: frozenset[CallState] = frozenset({"running", "retrying"})
"""The executor keeps a call's slot through its retry backoff, so both states count as running."""


@dataclass(slots=True)
class CallRow:
    """One tool call as the timeline knows it so far."""

    call_id: str
    batch_id: str
    tool: str
    args: dict[str, Any] | None
    index: int
    queued_t: float
    """When the call was queued; the emission time until ``call_queued`` arrives."""
    started_t: float | None = None
    """Start of the first attempt."""
    finished_t: float | None = None
    state: CallState = "queued"
    attempts: int = 0
    retry_ts: list[float] = field(default_factory=list)
    """Times an attempt failed and a retry was scheduled."""
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
    def wait_s(self) -> float:
        """Time spent waiting for a slot, as far as the events tell (0 while still waiting)."""
        end = self.started_t if self.started_t is not None else self.finished_t
        return 0.0 if end is None or not self.waits else max(0.0, end - self.queued_t)

    @property
    def run_s(self) -> float:
        """From the first start to the finish, retries included (0 until finished)."""
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


@dataclass(slots=True)
class ModelSpan:
    """One model round trip: request sent to response finished."""

    turn: int
    round_trip: int
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
    stop_reason: str | None = None


@dataclass(slots=True)
class BatchGroup:
    """The calls of one model response and how they ran."""

    batch_id: str
    turn: int
    started_t: float
    """``batch_started`` time, or the first event that named the batch until it arrives."""
    settings: ExecutionSettings = field(default_factory=ExecutionSettings)
    eager: bool = False
    finished_t: float | None = None
    calls: list[CallRow] = field(default_factory=list)
    """In call (index) order."""
    stats: BatchStats | None = None
    emission: EmissionSettings | None = None
    model_span: ModelSpan | None = None
    has_started: bool = False
    """Whether ``batch_started`` was seen (calls can be emitted before it)."""
    running: int = 0
    """Calls holding a slot now (running, or backing off before a retry)."""
    peak: int = 0
    """Most calls holding a slot at once, so far."""
    outcomes: Counter[str] = field(default_factory=Counter)
    """Finished calls by status."""
    first_queued_t: float | None = None
    queued_count: int = 0
    """``call_queued`` events seen: with the finished calls, how many slots were taken."""
    last_finished_t: float | None = None
    last_t: float = 0.0
    """The latest event time seen for this batch: "now" for drawing calls still open."""
    _rows: dict[str, CallRow] = field(default_factory=dict, repr=False)

    def row(self, call_id: str) -> CallRow | None:
        return self._rows.get(call_id)

    @property
    def done(self) -> bool:
        return self.finished_t is not None

    @property
    def finished_calls(self) -> int:
        return self.outcomes.total()

    def axis(self) -> tuple[float, float]:
        """The batch's time axis: first queued to last finished (or the latest event if open)."""
        start = self.first_queued_t if self.first_queued_t is not None else self.started_t
        end = self.last_finished_t if self.last_finished_t is not None else start
        if self.finished_calls < len(self.calls):
            end = max(end, self.last_t)
        return start, max(start, end)

    def live_stats(self) -> BatchStats:
        """Stats derived from the rows (O(calls)): what ``stats`` will say, before it arrives."""
        start, end = self.axis()
        wall = end - start
        run = sum(c.run_at(self.last_t) for c in self.calls)
        return BatchStats(
            calls=len(self.calls),
            wall_s=wall,
            sum_s=run,
            speedup=run / wall if wall > 0 else 1.0,
            peak_concurrency=self.peak,
            wait_s=sum(c.wait_at(self.last_t) for c in self.calls),
            ok=self.outcomes["ok"],
            errors=self.outcomes["error"],
            timeouts=self.outcomes["timeout"],
            cancelled=self.outcomes["cancelled"],
        )

    def effective_stats(self) -> BatchStats:
        return self.stats if self.stats is not None else self.live_stats()


@dataclass(slots=True)
class TurnInfo:
    turn: int
    prompt: str
    started_t: float
    status: TurnStatus | None = None
    """None while the turn runs."""
    stats: TurnStats | None = None
    finished_t: float | None = None
    answer: str = ""
    """The final answer, from ``turn_finished``."""
    batch_ids: list[str] = field(default_factory=list)
    _parts: list[str] = field(default_factory=list, repr=False)

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


@dataclass(frozen=True, slots=True)
class Change:
    """What one event changed, so a view refreshes only that."""

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
