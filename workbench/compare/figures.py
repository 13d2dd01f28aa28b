"""A variant's figures, reduced from its own events only (a pure fold; no clock, no other variant).

The same fold runs live (the app's summary strip) and over a recorded session (replaying a manifest),
so a comparison reopened later shows the numbers it showed when it ran.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workbench.core.events import BatchFinished, ErrorEvent, Event, TurnFinished, TurnStarted
from workbench.core.timeline import TimelineModel


@dataclass
class Figures:
    wall_s: float = 0.0
    round_trips: int = 0
    model_time_s: float = 0.0
    tool_time_s: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0
    tokens_reported: bool = True
    """False when no response reported usage: the counts are then 0 and mean "not known"."""
    calls: int = 0
    batches: int = 0
    peak_concurrency: int = 0
    slot_wait_s: float = 0.0
    failures: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "wall_s": round(self.wall_s, 4),
            "round_trips": self.round_trips,
            "model_time_s": round(self.model_time_s, 4),
            "tool_time_s": round(self.tool_time_s, 4),
            "input_tokens": self.input_tokens if self.tokens_reported else None,
            "output_tokens": self.output_tokens if self.tokens_reported else None,
            "calls": self.calls,
            "batches": self.batches,
            "peak_concurrency": self.peak_concurrency,
            "slot_wait_s": round(self.slot_wait_s, 4),
            "failures": self.failures,
        }


class FiguresFold:
    """Feed a variant's events with :meth:`apply`; read :attr:`figures` at any point."""

    def __init__(self) -> None:
        self.model = TimelineModel()
        self._figures = Figures()
        self.turn_status: str | None = None
        """The last turn's status (completed, cancelled, error, max_turns), once it finished."""
        self.error: str | None = None
        """The first run-time error, in one line."""
        self._finished: TurnFinished | None = None

    def apply(self, event: Event) -> None:
        self.model.apply(event)
        match event:
            case TurnStarted():
                self.turn_status = None
                self._finished = None
            case BatchFinished():
                stats = event.stats
                fig = self._figures
                fig.peak_concurrency = max(fig.peak_concurrency, stats.peak_concurrency)
                fig.slot_wait_s += stats.wait_s
            case ErrorEvent():
                if self.error is None:
                    self.error = _one_line(event.message)
            case TurnFinished():
                self.turn_status = event.status
                self._finished = event
            case _:
                pass

    @property
    def figures(self) -> Figures:
        """The figures so far (computed on read: the fold itself is O(1) per event)."""
        fig = self._figures
        totals = self.model.totals
        fig.failures = totals.failures
        finished = self._finished
        if finished is not None:  # the loop's own count of the turn is the authority once it ends
            stats = finished.stats
            fig.wall_s = stats.wall_s
            fig.round_trips = stats.round_trips
            fig.model_time_s = stats.model_time_s
            fig.tool_time_s = stats.tool_time_s
            fig.input_tokens = stats.usage.input_tokens
            fig.output_tokens = stats.usage.output_tokens
            fig.tokens_reported = stats.usage.reported
            fig.calls = stats.calls
            fig.batches = stats.batches
            return fig
        fig.wall_s = totals.wall_s
        fig.round_trips = totals.round_trips
        fig.model_time_s = totals.model_time_s
        fig.tool_time_s = totals.tool_time_s
        fig.input_tokens = totals.usage.input_tokens
        fig.output_tokens = totals.usage.output_tokens
        fig.tokens_reported = totals.usage.reported
        fig.calls = totals.calls
        fig.batches = totals.batches
        return fig


def _one_line(text: str) -> str:
    return " ".join(text.split())


__all__ = ["Figures", "FiguresFold"]
