"""Emission statistics: how often a model actually emits parallel calls, over recorded sessions.

Grouped by provider and model (as each request recorded them). A response requested with parallel
emission off can carry one call at most, so it says nothing about the model's habit: such responses
are counted apart (``tool_responses_parallel_off``) and left out of the calls-per-response figures.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.analysis.advisor import advise_turn
from workbench.analysis.model import Batch, RecordingError, Session, Turn, from_recording
from workbench.analysis.read import read_recording
from workbench.session import SessionError


@dataclass(slots=True)
class ModelStats:
    provider: str
    model: str
    sessions: set[str] = field(default_factory=set)
    turns: int = 0
    round_trips: int = 0
    """Round trips of the turns counted in ``turns`` (a turn counts for its first request's model)."""
    responses: int = 0
    tool_responses: int = 0
    tool_responses_parallel_off: int = 0
    calls_per_tool_response: list[int] = field(default_factory=list)
    """Parallel-on tool responses only."""
    batches: int = 0
    concurrency: list[float] = field(default_factory=list)
    """Per batch of two or more calls: its peak concurrency against its calls."""
    calls: int = 0
    errors: int = 0
    timeouts: int = 0
    wait_s: float = 0.0
    run_s: float = 0.0
    possible_saving_s: float = 0.0

    def to_json(self) -> dict[str, Any]:
        per = sorted(self.calls_per_tool_response)
        tool_s = self.wait_s + self.run_s
        return {
            "provider": self.provider,
            "model": self.model,
            "sessions": len(self.sessions),
            "turns": self.turns,
            "responses": self.responses,
            "tool_responses": self.tool_responses,
            "tool_responses_parallel_off": self.tool_responses_parallel_off,
            "calls_per_tool_response": {
                "mean": _round(sum(per) / len(per)) if per else None,
                "p50": _percentile(per, 50),
                "p95": _percentile(per, 95),
                "max": per[-1] if per else None,
            },
            "parallel_share": _round(sum(1 for n in per if n > 1) / len(per)) if per else None,
            "round_trips_per_turn": _round(self.round_trips / self.turns) if self.turns else None,
            "realised_concurrency": (
                _round(sum(self.concurrency) / len(self.concurrency)) if self.concurrency else None
            ),
            "slot_wait_share": _round(self.wait_s / tool_s) if tool_s > 0 else None,
            "error_rate": _round(self.errors / self.calls) if self.calls else None,
            "timeout_rate": _round(self.timeouts / self.calls) if self.calls else None,
            "possible_saving_s": _round(self.possible_saving_s),
        }


def _round(value: float) -> float:
    return round(value, 4)


def _percentile(ordered: list[int], pct: float) -> float | None:
    """Nearest-rank percentile of sorted values (a value that occurred, not an interpolation)."""
    if not ordered:
        return None
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(slots=True)
class Stats:
    sessions: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(path, reason) for every file that was not a readable session."""
    notes: list[tuple[str, str]] = field(default_factory=list)
    """(path, problem) for sessions used in part (truncated or partly corrupt)."""
    models: dict[tuple[str, str], ModelStats] = field(default_factory=dict)

    def counter(self, path: str) -> SessionCounter:
        return SessionCounter(self, path)

    def to_json(self) -> dict[str, Any]:
        return {
            "sessions": self.sessions,
            "skipped": [{"path": path, "reason": reason} for path, reason in self.skipped],
            "problems": [{"path": path, "problem": problem} for path, problem in self.notes],
            "models": [self.models[key].to_json() for key in sorted(self.models)],
        }


def collect(sessions: Iterable[Session], into: Stats | None = None) -> Stats:
    """Count sessions already built with their turns (``from_recording`` without ``on_turn``)."""
    stats = into or Stats()
    for session in sessions:
        counter = stats.counter(session.path)
        for turn in session.turns:
            counter.add_turn(turn)
        counter.finish(session.problems, session.provider, session.model)
    return stats


class SessionCounter:
    """Counts one session's turns into a :class:`Stats` as they come (``from_recording(on_turn=...)``)."""

    def __init__(self, stats: Stats, path: str) -> None:
        self._stats = stats
        self._path = path
        self._orphans: list[Batch] = []
        """Batches of turns that recorded no model request (their model is the header's)."""

    def _entry(self, provider: str, model: str) -> ModelStats:
        models = self._stats.models
        key = (provider, model)
        found = models.get(key)
        if found is None:
            found = models[key] = ModelStats(provider, model)
        found.sessions.add(self._path)
        return found

    def add_turn(self, turn: Turn) -> None:
        if not turn.round_trips:
            self._orphans.extend(turn.batches.values())
            return
        first = turn.round_trips[0]
        owner = self._entry(first.provider, first.model)
        owner.turns += 1
        owner.round_trips += len(turn.round_trips)
        batch_owner: dict[str, ModelStats] = {}
        for trip in turn.round_trips:
            m = owner if (trip.provider, trip.model) == (owner.provider, owner.model) else None
            m = m or self._entry(trip.provider, trip.model)
            if not trip.answered:
                continue  # the response never finished
            m.responses += 1
            if trip.calls:
                m.tool_responses += 1
                if trip.parallel:
                    m.calls_per_tool_response.append(trip.calls)
                else:
                    m.tool_responses_parallel_off += 1
            if trip.batch_id is not None:
                batch_owner[trip.batch_id] = m
        for batch_id, batch in turn.batches.items():
            _count_batch(batch_owner.get(batch_id, owner), batch)
        for advice in advise_turn(turn):
            self._entry(advice.provider, advice.model).possible_saving_s += advice.saved_s

    def finish(self, problems: list[str], provider: str | None, model: str | None) -> None:
        """The session is read: count what could not be attributed as it came (batches of turns
        without a model request go to the header's provider and model)."""
        self._stats.sessions += 1
        self._stats.notes.extend((self._path, problem) for problem in problems)
        if self._orphans:
            m = self._entry(provider or "unknown", model or "unknown")
            for batch in self._orphans:
                _count_batch(m, batch)


def _count_batch(m: ModelStats, batch: Batch) -> None:
    m.batches += 1
    calls = len(batch.calls)
    totals = batch.effective_stats()
    if calls > 1:
        m.concurrency.append(totals.peak_concurrency / calls)
    m.calls += calls
    m.errors += totals.errors
    m.timeouts += totals.timeouts
    m.wait_s += totals.wait_s
    m.run_s += totals.sum_s


def _without_path(message: str, path: str) -> str:
    """The loader's messages name the file; beside the file's own name, the reason is enough."""
    for prefix in (f"{path}: ", f"{path} is ", f"{path} "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message


def add_file(stats: Stats, path: Path) -> None:
    """Read one session file into ``stats`` a turn at a time, or note why it was skipped."""
    try:
        recording = read_recording(path)
    except SessionError as exc:
        stats.skipped.append((str(path), _without_path(exc.message, str(path))))
        return
    counter = stats.counter(str(path))
    provider = recording.header.provider
    try:
        problems = from_recording(recording, on_turn=counter.add_turn).problems
    except RecordingError as exc:
        problems = [*recording.problems, f"{exc}; counted the turns before it"]
    counter.finish(
        problems,
        provider.name if provider is not None else None,
        provider.model if provider is not None else None,
    )
