"""A call's bar on its batch's time axis, as cells of (glyph, kind): the one drawing of a call that
the terminal timeline (:mod:`workbench.render.batch`) and the app's (``tui/widgets/timeline_rows``)
both paint, each mapping the kinds to its own colours.

The bar tells the call's life: waiting for a slot (░), each attempt (█; a failed one in the error
colour, ending in ↻), the backoff before the next attempt (·), and how it ended (✗ error, ◷ timeout,
⊘ cancelled, on its last cell). Pure functions of a :class:`~workbench.core.timeline.CallRow`, an
:class:`Axis` and the current session time.
"""

from __future__ import annotations

import math
from typing import Literal

from workbench.core.timeline import CallRow, CallState
from workbench.core.timeline_parts import MIN_VISIBLE_WAIT_S

RUN, WAIT, BACKOFF, RETRY = "█", "░", "·", "↻"
EIGHTHS = " ▏▎▍▌▋▊▉█"
"""Partial blocks: the growing edge of a bar in eighths of a cell."""
END_MARK: dict[CallState, str] = {"error": "✗", "timeout": "◷", "cancelled": "⊘"}

Kind = Literal[
    "blank", "wait", "running", "ok", "error", "timeout", "cancelled", "failed", "backoff", "retry"
]
"""What a cell shows; ``failed`` is an attempt that failed and was retried."""
Cell = tuple[str, Kind]

LEGEND: tuple[tuple[str, str, Kind], ...] = (
    (RUN, "running", "ok"),
    (WAIT, "waiting", "wait"),
    (RETRY, "retry", "retry"),
    (BACKOFF, "backoff", "backoff"),
    (END_MARK["error"], "error", "error"),
    (END_MARK["timeout"], "timeout", "timeout"),
    (END_MARK["cancelled"], "cancelled", "cancelled"),
)
"""The glyph key: glyph, word, kind."""


class Axis:
    """Maps session time to cells: ``start`` sits at cell 0, ``end`` at cell ``width``."""

    __slots__ = ("end", "scale", "start", "width")

    def __init__(self, start: float, end: float, width: int) -> None:
        self.start = start
        self.end = max(end, start + 1e-6)
        self.width = max(1, width)
        self.scale = self.width / (self.end - self.start)

    def cell(self, t: float) -> float:
        return (t - self.start) * self.scale

    def col(self, t: float) -> int:
        """The cell boundary nearest to ``t``, within the axis."""
        return min(self.width, max(0, int(self.cell(t) + 0.5)))


def outcome_kind(state: CallState) -> Kind:
    """The colour a call's last attempt is drawn in."""
    match state:
        case "ok" | "error" | "timeout" | "cancelled":
            return state
        case "queued" | "emitted":
            return "wait"
        case _:
            return "running"


def call_cells(row: CallRow, axis: Axis, now: float, *, fine: bool = False) -> list[Cell]:
    """The call's bar, ``axis.width`` cells. ``fine``: the end of a bar without an end mark is drawn
    to the eighth of a cell (the app, where a running bar grows; a printed line need not)."""
    width = axis.width
    cells: list[Cell] = [(" ", "blank")] * width
    last = -1

    def fill(a: int, b: int, glyph: str, kind: Kind, *, at_least_one: bool = False) -> int:
        """Paint cells [a, b); returns the end actually painted."""
        nonlocal last
        a = min(a, width - 1)
        if at_least_one:
            b = max(b, a + 1)
        for i in range(a, min(b, width)):
            cells[i] = (glyph, kind)
            last = max(last, i)
        return max(a, b)

    end_t = row.finished_t if row.finished_t is not None else now
    starts = row.attempt_ts or ([row.started_t] if row.started_t is not None else [])
    if not starts or (row.waits and starts[0] - row.queued_t >= MIN_VISIBLE_WAIT_S):
        # A few ms of scheduling is not a wait for a slot; a call that never started shows one cell.
        wait_end = axis.col(starts[0] if starts else end_t)
        fill(axis.col(row.queued_t), wait_end, WAIT, "wait", at_least_one=not starts)
    final = outcome_kind(row.state)
    end_mark = END_MARK.get(row.state)
    marks: list[int] = []
    for i, start in enumerate(starts):
        failed = i < len(row.retry_ts)
        stop = row.retry_ts[i] if failed else end_t
        if failed or not fine or end_mark is not None:
            painted = fill(
                axis.col(start),
                axis.col(stop),
                RUN,
                "failed" if failed else final,
                at_least_one=True,
            )
        else:
            painted = _fill_fine(cells, axis, start, stop, final)
            last = max(last, painted - 1)
        if failed:
            marks.append(painted - 1)
            resume = starts[i + 1] if i + 1 < len(starts) else end_t
            fill(painted, axis.col(resume), BACKOFF, "backoff")
    for mark in marks:
        cells[min(mark, width - 1)] = (RETRY, "retry")
    if end_mark is not None and last >= 0:
        cells[last] = (end_mark, final)
    return cells


def _fill_fine(cells: list[Cell], axis: Axis, start: float, stop: float, kind: Kind) -> int:
    """A run from ``start`` to ``stop`` whose last cell shows the eighths it covers; at least one
    cell, so a 2 ms call is still visible. Returns the end cell (exclusive)."""
    width = axis.width
    c0 = min(width - 1, axis.col(start))
    exact = min(float(width), max(0.0, axis.cell(stop)))
    c1 = max(c0 + 1, math.ceil(exact))
    c1 = min(c1, width)
    for i in range(c0, c1):
        cells[i] = (RUN, kind)
    eighths = round((exact - math.floor(exact)) * 8) if c1 == math.ceil(exact) else 8
    if 0 < eighths < 8 and c1 - c0 > 1:
        cells[c1 - 1] = (EIGHTHS[eighths], kind)
    return c1


def span_cells(ready: float, start: float, end: float, axis: Axis, kind: Kind = "ok") -> list[Cell]:
    """A call known only by its times (a simulated one, say): waiting for a slot from ``ready``
    to ``start``, then running to ``end`` (at least one cell) in ``kind``; ``axis.width`` cells."""
    width = axis.width
    cells: list[Cell] = [(" ", "blank")] * width
    a = min(width - 1, axis.col(ready))
    s = min(width - 1, max(a, axis.col(start)))
    e = min(width, max(s + 1, axis.col(end)))
    for i in range(a, s):
        cells[i] = (WAIT, "wait")
    for i in range(s, e):
        cells[i] = (RUN, kind)
    return cells
