"""The round-trip advisor: which consecutive model responses of a turn could have been one.

A response's calls could have come in an earlier response when none of them needed that earlier
response's results. The rule for "needed" (docs/analysis.md says more, and what it cannot see): a
call depends on an earlier call of the same turn when one of its argument values, a string of 3 or
more characters or a number other than 0 and 1, appears in that call's result (case-insensitively).
``read_file(path="a.py")`` then ``run_linter(path="a.py")`` is dependent (the read's result names
the path); so is any call whose argument was copied out of an earlier result.

Consecutive responses with calls are grouped greedily: a response joins the group before it unless one
of its calls depends on a result of a call in that group (results from before the group were known
when the group's first request was sent, so they do not stop a merge). A group of two or more could
have been one response. Its saving is estimated from the recording: the model time and the input
tokens of the round trips that would go, and the tool time the overlap would save, by simulating the
group's calls as one batch under the cap the first of them ran with.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from workbench.analysis.model import Batch, Call, RoundTrip, Session, Turn
from workbench.analysis.simulate import Workload, simulate
from workbench.core.durations import duration

Reason = Literal["knob", "model"]


@dataclass(frozen=True, slots=True)
class Advice:
    turn: int
    round_trips: tuple[int, ...]
    """The session's round-trip numbers that could have been one."""
    reason: Reason
    """``knob``: parallel emission was off for those requests; ``model``: the model chose to."""
    model_time_saved_s: float
    tool_time_saved_s: float
    input_tokens_saved: int
    provider: str
    model: str

    @property
    def saved_s(self) -> float:
        return self.model_time_saved_s + self.tool_time_saved_s

    def to_json(self) -> dict[str, Any]:
        return {
            "turn": self.turn,
            "round_trips": list(self.round_trips),
            "reason": self.reason,
            "model_time_saved_s": round(self.model_time_saved_s, 6),
            "tool_time_saved_s": round(self.tool_time_saved_s, 6),
            "input_tokens_saved": self.input_tokens_saved,
        }

    def sentence(self) -> str:
        """``round trips 2–4 could have been one: −3.1 s of model time, −1,900 input tokens``."""
        first, last = self.round_trips[0], self.round_trips[-1]
        span = f"{first}–{last}" if len(self.round_trips) > 2 else f"{first} and {last}"
        saved = [f"−{duration(self.model_time_saved_s)} of model time"]
        if self.tool_time_saved_s >= 0.0005:
            saved.append(f"−{duration(self.tool_time_saved_s)} of tool time")
        saved.append(f"−{self.input_tokens_saved:,} input tokens")
        why = (
            "parallel emission was off"
            if self.reason == "knob"
            else "the model sent them one response at a time"
        )
        return f"round trips {span} could have been one: {', '.join(saved)} ({why})"


def argument_values(args: Any) -> Iterator[str]:
    """The argument values the dependency rule looks for, as text, casefolded."""
    if isinstance(args, str):
        if len(args) >= 3:
            yield args.casefold()
    elif isinstance(args, bool):
        return
    elif isinstance(args, int):
        if args not in (0, 1):
            yield str(args)
    elif isinstance(args, float):
        if args not in (0.0, 1.0):
            yield repr(args)
            if args.is_integer():
                yield str(int(args))
    elif isinstance(args, dict):
        for value in args.values():
            yield from argument_values(value)
    elif isinstance(args, list | tuple):
        for value in args:
            yield from argument_values(value)


def depends(call: Call, results: str) -> bool:
    """Whether ``call`` used a value found in ``results`` (earlier results, joined, casefolded)."""
    return any(value in results for value in argument_values(call.args))


class _Group:
    """Consecutive responses that could so far have been one, and their results."""

    __slots__ = ("_text", "steps")

    def __init__(self) -> None:
        self.steps: list[tuple[RoundTrip, Batch]] = []
        self._text: str | None = None

    def add(self, trip: RoundTrip, batch: Batch) -> None:
        self.steps.append((trip, batch))
        self._text = None

    def needed_by(self, batch: Batch) -> bool:
        if not self.steps:
            return False
        if self._text is None:
            # Casefolded once per group and only when a later response is checked against it:
            # most turns have one tool response, and results can be long.
            self._text = "\x00".join(
                (call.result or "") for _, batch in self.steps for call in batch.in_queue_order()
            ).casefold()
        text = self._text
        return any(depends(call, text) for call in batch.in_queue_order())


def advise_turn(turn: Turn) -> list[Advice]:
    """The groups of this turn's responses that could have been one, each with its saving."""
    advice: list[Advice] = []
    group = _Group()
    batches = turn.batches
    for trip in turn.round_trips:
        batch = batches.get(trip.batch_id) if trip.batch_id is not None else None
        if batch is None or not batch.calls or not batch.finished:
            # A response without calls (the answer), or a batch the recording lost, ends a run of
            # consecutive tool responses.
            _close(group.steps, advice)
            group = _Group()
            continue
        if group.needed_by(batch):
            _close(group.steps, advice)
            group = _Group()
        group.add(trip, batch)
    _close(group.steps, advice)
    return advice


def _close(group: list[tuple[RoundTrip, Batch]], out: list[Advice]) -> None:
    if len(group) < 2:
        return
    trips = [trip for trip, _ in group]
    gone = trips[1:]  # the round trips a merged response would not have needed
    # Each response but the last came back with fewer calls than it could have: if emission was off
    # for any of them, the knob made this turn sequential.
    reason: Reason = "knob" if any(not trip.parallel for trip in trips[:-1]) else "model"
    recorded_tool_s = sum(batch.wall_s or 0.0 for _, batch in group)
    # One response would have streamed the calls in the same order; each keeps its offset within
    # its own response.
    work = Workload.concat([Workload.of_batch(batch) for _, batch in group])
    merged = simulate(work, group[0][1].settings.cap)
    out.append(
        Advice(
            turn=trips[0].turn,
            round_trips=tuple(trip.number for trip in trips),
            reason=reason,
            model_time_saved_s=sum(trip.duration_s or 0.0 for trip in gone),
            tool_time_saved_s=max(0.0, recorded_tool_s - merged.wall_s),
            input_tokens_saved=sum(trip.input_tokens for trip in gone),
            provider=trips[0].provider,
            model=trips[0].model,
        )
    )


def advise(session: Session) -> list[Advice]:
    """Every turn's advice, in turn order."""
    out: list[Advice] = []
    for turn in session.turns:
        out.extend(advise_turn(turn))
    return out
