"""Drawing one timeline line as a list of segments: the bar of a call, the axis, the headers.

Pure functions of the model's rows, a time axis and Rich styles, so the Line API widget only decides
*which* line to draw and the cost of a line does not depend on how many calls exist.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from rich.segment import Segment
from rich.style import Style

from workbench.core.timeline import BatchGroup, CallRow, ModelSpan, TurnInfo
from workbench.render.bars import Axis, Kind, call_cells
from workbench.tui import format as fmt

StyleFor = Callable[[str], Style]
"""Looks up a component style by its short name (``ok``, ``wait``, ``header`` …)."""

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
STATUS_WIDTH = 20
"""Room for the longest status: ``⊘ cancelled 190 ms``, ``◷ timeout 600 ms ×3``."""
MARK = {
    "emitted": "◌",
    "queued": "◌",
    "running": "◐",
    "retrying": "↻",
    "ok": "✓",
    "error": "✗",
    "timeout": "◷",  # common monospace fonts lack the hourglasses (⧖ ⧗)
    "cancelled": "⊘",
    "unfinished": "…",  # the recording ends before the call did
}


def call_label(row: CallRow, width: int) -> str:
    """``get_time timezone=Europe/Paris``: the arguments as the terminal printer writes them. The
    call's number (#2) is left to the details pane: the arguments need the room more."""
    text = f"{row.tool} {fmt.args(row.args)}".rstrip()
    return text if len(text) <= width else text[: width - 1] + "…"


def call_status(row: CallRow, now: float, frame: int) -> tuple[str, str]:
    """The status column (mark, how it ended in words unless ok, duration, attempts) and the style
    name it is drawn in."""
    state = row.state
    if state in ("running", "retrying"):
        text = f"{SPINNER[frame % len(SPINNER)]} {fmt.duration(row.run_at(now))}"
    elif state in ("queued", "emitted"):
        text = f"◌ wait {fmt.duration(row.wait_at(now))}"
    elif state == "unfinished":
        ran = f" {fmt.duration(row.run_at(now))}" if row.started_t is not None else ""
        text = f"{MARK[state]} unfinished{ran}"
    elif row.started_t is None:
        text = f"{MARK[state]} not run" if state == "cancelled" else f"{MARK[state]} {state}"
    elif state == "ok":
        text = f"{MARK[state]} {fmt.duration(row.run_s)}"
    else:
        text = f"{MARK[state]} {state} {fmt.duration(row.run_s)}"
    if row.attempts > 1:
        text += f" ×{row.attempts}"
    return text, _state_style(state)


KIND_STYLE: dict[Kind, str] = {
    "blank": "text",
    "wait": "wait",
    "running": "running",
    "ok": "ok",
    "error": "error",
    "timeout": "timeout",
    "cancelled": "cancelled",
    "failed": "error",
    "backoff": "dim",
    "retry": "retry",
}
"""The component style (``timeline--…``) each kind of bar cell is drawn in."""


def call_bar(row: CallRow, axis: Axis, now: float, style: StyleFor) -> list[Segment]:
    """The call's bar as the terminal draws it (:func:`workbench.render.bars.call_cells`), its
    growing edge to the eighth of a cell."""
    return _runs(
        [(glyph, KIND_STYLE[kind]) for glyph, kind in call_cells(row, axis, now, fine=True)], style
    )


def axis_ticks(axis: Axis) -> list[tuple[int, str]]:
    """Tick positions and labels (relative to the axis start), not overlapping."""
    step = fmt.nice_step(axis.end - axis.start, axis.width)
    ticks: list[tuple[int, str]] = []
    free_from = 0
    k = 0
    while True:
        value = k * step
        if value > axis.end - axis.start + 1e-9:
            break
        cell = math.floor(axis.cell(axis.start + value))
        label = fmt.tick_label(value, step)
        if cell >= free_from and cell + len(label) <= axis.width:
            ticks.append((cell, label))
            free_from = cell + len(label) + 2
        k += 1
    return ticks


def axis_line(axis: Axis, style: StyleFor) -> list[Segment]:
    cells = [" "] * axis.width
    for cell, label in axis_ticks(axis):
        for i, char in enumerate(label):
            cells[cell + i] = char
    return [Segment("".join(cells), style("axis"))]


def batch_header(batch: BatchGroup, now: float, style: StyleFor) -> list[Segment]:
    stats = batch.stats if batch.stats is not None else batch.live_stats()
    wall, busy, speedup = stats.wall_s, stats.sum_s, stats.speedup
    if not batch.done:  # the calls still running count up to now, as the wall does
        wall = max(wall, now - batch.axis()[0])
        busy = max(busy, sum(call.run_at(now) for call in batch.calls))
        speedup = busy / wall if wall > 0 else 1.0
    parts: list[Segment] = [
        Segment(f"▾ {batch.batch_id}", style("header")),
        Segment(f" · {stats.calls} call{'s' if stats.calls != 1 else ''}", style("text")),
    ]
    if not batch.done:
        parts.append(
            Segment(f" · {batch.finished_calls}/{len(batch.calls)} done", style("running"))
        )
    # What went wrong before the timings: a narrow pane cuts the end of the line.
    for count, word, name in (
        (stats.errors, "error", "error"),
        (stats.timeouts, "timeout", "timeout"),
        (stats.cancelled, "cancelled", "cancelled"),
    ):
        if count:
            plural = "s" if count != 1 and word != "cancelled" else ""
            parts.append(Segment(f" · {count} {word}{plural}", style(name)))
    parts.append(
        Segment(
            f" · wall {fmt.duration(wall)} · Σ {fmt.duration(busy)}"
            f" · ×{speedup:.2f} · peak {stats.peak_concurrency}",
            style("text"),
        )
    )
    if batch.eager:
        parts.append(Segment(" · eager", style("dim")))
    return parts


def settings_label(batch: BatchGroup, width: int) -> str:
    """What the batch ran under, for the axis line's empty label column: ``concurrent ≤3 · timeout
    0.6s``, cut to ``width``. On the header it was cut off first, being last."""
    text = fmt.execution(batch.settings)
    return text if len(text) <= width else text[: width - 1] + "…"


def span_line(span: ModelSpan, now: float, frame: int, style: StyleFor) -> list[Segment]:
    parts = [Segment(f"◆ rt {span.round_trip}", style("model"))]
    if span.end_t is None:
        spin = SPINNER[frame % len(SPINNER)]
        parts.append(Segment(f" · model {spin} {fmt.duration(now - span.start_t)}", style("model")))
        if span.calls:
            parts.append(Segment(f" · {span.calls} calls so far", style("text")))
        return parts
    parts.append(Segment(f" · model {fmt.duration(span.duration_s)}", style("model")))
    if span.stop_reason is None:  # closed without a response: a cancel or an error cut it short
        calls = (
            f" · {span.calls} call{'s' if span.calls != 1 else ''} emitted" if span.calls else ""
        )
        parts.append(Segment(f" · cut short, no response{calls}", style("cancelled")))
        return parts
    what = f"{span.calls} call{'s' if span.calls != 1 else ''}" if span.calls else "answer"
    parts.append(Segment(f" · {what} · {fmt.tokens(span.usage)}", style("text")))
    emission = fmt.emission(span.emission)
    if emission:
        parts.append(Segment(f" · {emission}", style("dim")))
    return parts


def turn_line(turn: TurnInfo, width: int, style: StyleFor) -> list[Segment]:
    prompt = turn.prompt.replace("\n", " ")
    if len(prompt) > 40:
        prompt = prompt[:39] + "…"
    status = {"completed": "", "cancelled": " · cancelled", "error": " · error"}.get(
        turn.status or "", f" · {turn.status}" if turn.status else ""
    )
    text = f"── turn {turn.turn} · {prompt}{status} "
    return [Segment(text + "─" * max(0, width - len(text)), style("turn"))]


def styled_cells(text: str, style_of: dict[str, str], style: StyleFor) -> list[Segment]:
    """``text`` drawn a character at a time, each in the style ``style_of`` names for it."""
    return _runs([(c, style_of.get(c, "text")) for c in text], style)


def _state_style(state: str) -> str:
    return {"emitted": "wait", "queued": "wait", "retrying": "running", "unfinished": "error"}.get(
        state, state
    )


def _runs(cells: list[tuple[str, str]], style: StyleFor) -> list[Segment]:
    """Merge neighbouring cells of one style into one segment (fewer segments, faster output)."""
    segments: list[Segment] = []
    if not cells:
        return segments
    run_chars = [cells[0][0]]
    run_style = cells[0][1]
    for char, name in cells[1:]:
        if name == run_style:
            run_chars.append(char)
        else:
            segments.append(Segment("".join(run_chars), style(run_style or "text")))
            run_chars, run_style = [char], name
    segments.append(Segment("".join(run_chars), style(run_style or "text")))
    return segments
