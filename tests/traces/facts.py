"""What a session says about its batches, read through the public session reader: the figures the
trace tests compare (round trips, calls per response, batches with their calls, statuses, walls)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from workbench.core.events import (
    BatchFinished,
    CallFinished,
    ModelResponseFinished,
    TurnFinished,
)
from workbench.session import load_session


@dataclass
class BatchFacts:
    batch_id: str
    calls: list[CallFinished] = field(default_factory=list)
    wall_s: float | None = None

    @property
    def tools(self) -> list[str]:
        return sorted(call.tool for call in self.calls)

    @property
    def statuses(self) -> list[str]:
        return [call.status for call in sorted(self.calls, key=lambda c: c.call_id)]


@dataclass
class SessionFacts:
    responses: list[ModelResponseFinished]
    batches: list[BatchFacts]
    turns: list[TurnFinished]
    problems: list[str]

    @property
    def round_trips(self) -> int:
        return len(self.responses)

    @property
    def calls_per_response(self) -> list[int]:
        return [r.calls for r in self.responses]


def facts(path: Path) -> SessionFacts:
    loaded = load_session(path)
    responses: list[ModelResponseFinished] = []
    batches: dict[str, BatchFacts] = {}
    turns: list[TurnFinished] = []
    for event in loaded.events:
        if isinstance(event, ModelResponseFinished):
            responses.append(event)
            if event.batch_id is not None:
                batches.setdefault(event.batch_id, BatchFacts(event.batch_id))
        elif isinstance(event, CallFinished):
            batches.setdefault(event.batch_id, BatchFacts(event.batch_id)).calls.append(event)
        elif isinstance(event, BatchFinished):
            batches.setdefault(
                event.batch_id, BatchFacts(event.batch_id)
            ).wall_s = event.stats.wall_s
        elif isinstance(event, TurnFinished):
            turns.append(event)
    return SessionFacts(responses, list(batches.values()), turns, loaded.problems)
