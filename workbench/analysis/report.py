"""A session's analysis: per batch its recorded wall and what-if walls, per turn the advisor's notes.

What ``workbench analyze`` prints and ``--json`` writes (docs/analysis.md documents the shape).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from workbench.analysis.advisor import Advice, advise_turn
from workbench.analysis.model import Batch, RecordingError, Session
from workbench.analysis.simulate import Schedule, Workload, simulate

DEFAULT_CAPS = (1, 2, 4, 8)
"""With the recorded cap and unbounded, the what-ifs ``analyze`` shows by default."""

Setting = Literal["sequential", "cap", "unbounded"]


@dataclass(frozen=True, slots=True)
class WhatIf:
    setting: Setting
    cap: int | None
    schedule: Schedule

    @property
    def label(self) -> str:
        match self.setting:
            case "sequential":
                return "sequential"
            case "unbounded":
                return "unbounded"
            case "cap":
                return f"cap {self.cap}"

    def to_json(self) -> dict[str, Any]:
        return {
            "setting": self.setting,
            "cap": self.cap,
            "wall_s": round(self.schedule.wall_s, 6),
            "lower_bound": self.schedule.lower_bound,
        }


@dataclass(frozen=True, slots=True)
class BatchAnalysis:
    batch: Batch
    whatif: tuple[WhatIf, ...]

    @property
    def sequential(self) -> WhatIf:
        return self.whatif[0]

    @property
    def unfinished(self) -> int:
        """Calls the recording ends before (an interrupted session): no what-if for this batch,
        their durations are unknown."""
        return self.batch.unfinished_calls

    def to_json(self) -> dict[str, Any]:
        b = self.batch
        return {
            "batch_id": b.batch_id,
            "turn": b.turn,
            "calls": len(b.calls),
            "cap": b.settings.cap,
            "concurrent": b.settings.concurrent,
            "eager": b.eager,
            "recorded_wall_s": None if b.wall_s is None else round(b.wall_s, 6),
            "interrupted": b.interrupted,
            "unfinished_calls": self.unfinished,
            "whatif": [w.to_json() for w in self.whatif],
        }


@dataclass(frozen=True, slots=True)
class SessionAnalysis:
    session: Session
    batches: tuple[BatchAnalysis, ...]
    advice: tuple[Advice, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "session": self.session.path,
            "problems": list(self.session.problems),
            "interrupted": self.session.interrupted,
            "batches": [b.to_json() for b in self.batches],
            "advice": [a.to_json() for a in self.advice],
        }


def caps_for(batch: Batch, caps: Sequence[int] | None) -> list[int]:
    """The caps to simulate besides sequential and unbounded: the asked ones, or the defaults with
    the recorded cap, in order, each once."""
    wanted = list(caps) if caps else [*DEFAULT_CAPS, batch.settings.cap]
    return sorted({c for c in wanted if c > 1})


def whatifs(batch: Batch, caps: Sequence[int] | None = None) -> tuple[WhatIf, ...]:
    """Sequential first, then each cap, then unbounded: the batch's calls under each."""
    work = Workload.of_batch(batch)
    out = [WhatIf("sequential", 1, simulate(work, 1))]
    out.extend(WhatIf("cap", cap, simulate(work, cap)) for cap in caps_for(batch, caps))
    out.append(WhatIf("unbounded", None, simulate(work, None)))
    return tuple(out)


def analyse(session: Session, caps: Sequence[int] | None = None) -> SessionAnalysis:
    """Every batch's what-ifs and every turn's advice; a batch or turn whose records are malformed
    is left out and named in the session's ``problems``."""
    batches: list[BatchAnalysis] = []
    advice: list[Advice] = []
    for turn in session.turns:
        for batch in turn.batches.values():
            if not batch.calls:
                continue
            if any(not call.done for call in batch.calls):
                batches.append(BatchAnalysis(batch, ()))  # cut short: durations unknown
                continue
            try:
                batches.append(BatchAnalysis(batch, whatifs(batch, caps)))
            except RecordingError as exc:
                session.problems.append(f"left out batch {batch.batch_id}: {exc}")
        try:
            advice.extend(advise_turn(turn))
        except RecordingError as exc:
            session.problems.append(f"no advice for turn {turn.number}: {exc}")
    return SessionAnalysis(session, tuple(batches), tuple(advice))
