"""What a recorded session says, for analysis: the session fold's facts, read a turn at a time.

The turns, round trips, batches and calls are :mod:`workbench.core.facts`, built by the one fold of
the event stream (:class:`workbench.core.fold.SessionFold`) that the timeline, the exporters and the
turn axis read too: a figure here is the figure they show. Analysis reads them as they are; the
what-if scheduler, the advisor and the statistics are functions of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from workbench.core.events import Event
from workbench.core.facts import Batch, Call, RoundTrip, Turn
from workbench.core.fold import DETAIL_TYPES, Interruption, SessionFold, TurnSink
from workbench.gcpolicy import paused
from workbench.session.records import Recording

__all__ = [
    "Batch",
    "Call",
    "RecordingError",
    "RoundTrip",
    "Session",
    "Turn",
    "TurnSink",
    "from_events",
    "from_group",
    "from_recording",
    "turn_from_model",
]


class RecordingError(ValueError):
    """A recorded batch or turn analysis cannot use; the message is one line."""


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
    interruption: Interruption | None = None
    """What was still running when the recording ends (a run killed or crashed), if anything."""
    interrupted: str | None = None
    """:attr:`interruption` in one line for the user (also the last of ``problems``)."""

    @property
    def batches(self) -> dict[str, Batch]:
        return {b.batch_id: b for turn in self.turns for b in turn.batches.values()}


def from_recording(recording: Recording, *, on_turn: TurnSink | None = None) -> Session:
    """The facts of a recorded session; what was wrong with the file is in its ``problems``.

    With ``on_turn``, each turn is handed to it once it has finished (or the recording ran out) and
    then dropped, so a long session costs the memory of its longest turn; ``turns`` stays empty.
    """
    fold = SessionFold(on_turn=on_turn, keep=on_turn is None)
    with paused():  # parsing allocates containers by the thousand, all kept
        # Only a session that ended cleanly can spare the detail (which calls were running).
        recording.fold(fold, skip=DETAIL_TYPES if recording.ends_cleanly() else frozenset())
    problems = recording.problems
    note = None
    if fold.interruption is not None:
        note = fold.interruption.sentence(damaged=recording.truncated_at is not None)
        problems.append(note)
    provider = recording.header.provider
    return Session(
        path=str(recording.path),
        provider=provider.name if provider is not None else None,
        model=provider.model if provider is not None else None,
        turns=fold.turns if on_turn is None else [],
        problems=problems,
        interruption=fold.interruption,
        interrupted=note,
    )


def from_events(events: Iterable[Event], *, path: str = "") -> Session:
    """The facts of events already in memory (a live run, a loaded replay): the same as reading
    them back from their recording."""
    fold = SessionFold()
    for event in events:
        fold.apply(event)
    return Session(path=path, provider=None, model=None, turns=fold.turns, problems=[])


def from_group(group: Batch) -> Batch:
    """A batch of the app's timeline model (live or replayed), once it has finished.

    Raises ``ValueError`` while the batch is still running: its open calls have no duration yet.
    """
    if group.stats is None or any(not call.done for call in group.calls):
        raise ValueError(f"batch {group.batch_id} is still running")
    return group


def turn_from_model(model: SessionFold, number: int) -> Turn | None:
    """A finished turn of the app's timeline model (live or replayed), for the advisor; None while
    it runs or when the model has no such turn."""
    info = model.turn(number)
    if info is None or info.status is None:
        return None
    return info
