"""One batch as a block of text: a row per call with a bar on the batch's time axis, then a summary.

Pure functions of a :class:`BatchGroup`: no I/O and no clock, so a live run, a replay and an export
render the same lines. The glyphs alone tell the outcomes apart; colour only reinforces them.
"""

from __future__ import annotations

from workbench.core.timeline import BatchGroup, CallRow, CallState
from workbench.core.timeline_parts import MIN_AXIS_S, MIN_VISIBLE_WAIT_S
from workbench.render.format import (
    Style,
    format_args,
    format_duration,
    format_settings,
    join_styled,
    paint,
    plural,
    truncate,
    wrap_pieces,
)

RUN, WAIT, BACKOFF, RETRY = "█", "░", "·", "↻"
END_MARK: dict[CallState, str] = {"error": "✗", "timeout": "◷", "cancelled": "⊘"}
OUTCOME_STYLE: dict[CallState, Style] = {
    "ok": "green",
    "error": "red",
    "timeout": "yellow",
    "cancelled": "grey",
}
LEGEND: tuple[tuple[str, str, Style | None], ...] = (
    (RUN, "running", "green"),
    (WAIT, "waiting", "dim"),
    (RETRY, "retry", "yellow"),
    (BACKOFF, "backoff", "dim"),
    (END_MARK["error"], "error", "red"),
    (END_MARK["timeout"], "timeout", "yellow"),
    (END_MARK["cancelled"], "cancelled", "grey"),
)

INDENT = "  "
STATUS_W = 9  # "cancelled"
DUR_W = 7  # "1234 ms" never happens; "999 ms", "12.5 s", "2m 05s" fit
MIN_BAR = 10

Cell = tuple[str, Style | None]


def render_legend(width: int, color: bool) -> list[str]:
    """The glyph key, printed once above the first batch."""
    pieces = [(f"{glyph} {word}", None) for glyph, word, _ in LEGEND]
    lines = wrap_pieces(pieces, width, False, indent=INDENT, continuation=INDENT, sep="  ")
    if not color:
        return lines
    for glyph, _, style in LEGEND:  # colour the glyphs only, after wrapping on plain widths
        lines = [line.replace(glyph, paint(glyph, style, True)) for line in lines]
    return lines


def render_batch(batch: BatchGroup, width: int = 80, color: bool = False) -> list[str]:
    """The block for one batch: call rows in call order, then the summary (wrapped to ``width``)."""
    lines = _call_rows(batch, width, color) if batch.calls else []
    lines.extend(_summary(batch, width, color))
    return lines


def _call_rows(batch: BatchGroup, width: int, color: bool) -> list[str]:
    calls = batch.calls
    tool_w = min(20, max(4, *(len(c.tool) for c in calls)))
    args = [format_args(c.args) for c in calls]
    avail = width - len(INDENT) - tool_w - 1 - STATUS_W - 1 - DUR_W - 1
    min_bar = max(MIN_BAR, avail // 2)
    longest = max(len(a) for a in args)
    args_w = min(longest, max(0, avail - min_bar - 1))
    bar_w = max(4, avail - (args_w + 1 if args_w else 0))
    t0, t1 = batch.axis()
    t1 = max(t1, t0 + MIN_AXIS_S)
    now = batch.last_t
    lines = []
    for row, arg_text in zip(calls, args, strict=True):
        tool = truncate(row.tool, tool_w).ljust(tool_w)
        parts = [INDENT, paint(tool, "bold", color), " "]
        if args_w:
            parts += [paint(truncate(arg_text, args_w).ljust(args_w), "dim", color), " "]
        parts += [join_styled(_bar(row, t0, t1, bar_w, now), color), " "]
        status = row.state.ljust(STATUS_W)
        parts.append(paint(status, OUTCOME_STYLE.get(row.state), color) + " ")
        duration = format_duration(row.run_at(now)) if row.started_t is not None else "—"
        parts.append(duration.rjust(DUR_W))
        lines.append("".join(parts))
    return lines


def _bar(row: CallRow, t0: float, t1: float, width: int, now: float) -> list[Cell]:
    """The call's life on the batch axis: waiting, each attempt, backoffs, retries, the outcome."""
    cells: list[Cell] = [(" ", None)] * width
    span = t1 - t0
    last = -1

    def col(t: float) -> int:
        if span <= 0:
            return 0
        return min(width, max(0, int((t - t0) / span * width + 0.5)))

    def fill(a: int, b: int, glyph: str, style: Style | None, *, at_least_one: bool = False) -> int:
        """Paint columns [a, b); returns the end actually painted."""
        nonlocal last
        a = min(a, width - 1)
        if at_least_one:
            b = max(b, a + 1)
        for i in range(a, min(b, width)):
            cells[i] = (glyph, style)
            last = max(last, i)
        return max(a, b)

    end_t = row.finished_t if row.finished_t is not None else now
    starts = row.attempt_ts or ([row.started_t] if row.started_t is not None else [])
    queued = col(row.queued_t)
    if not starts or starts[0] - row.queued_t >= MIN_VISIBLE_WAIT_S:
        fill(queued, col(starts[0] if starts else end_t), WAIT, "dim", at_least_one=not starts)
    final_style: Style = OUTCOME_STYLE.get(row.state, "green")
    marks: list[int] = []
    for i, start in enumerate(starts):
        failed = i < len(row.retry_ts)
        stop = row.retry_ts[i] if failed else end_t
        style: Style = "red" if failed else final_style
        painted = fill(col(start), col(stop), RUN, style, at_least_one=True)
        if failed:
            marks.append(painted - 1)
            resume = starts[i + 1] if i + 1 < len(starts) else end_t
            fill(painted, col(resume), BACKOFF, "dim")
    for mark in marks:
        cells[min(mark, width - 1)] = (RETRY, "yellow")
    end_mark = END_MARK.get(row.state)
    if end_mark is not None and last >= 0:
        cells[last] = (end_mark, final_style)
    return cells


def _summary(batch: BatchGroup, width: int, color: bool) -> list[str]:
    stats = batch.effective_stats()
    failures = f"failures {stats.failures}"
    if stats.failures:
        kinds = [
            plural(stats.errors, "error") if stats.errors else "",
            plural(stats.timeouts, "timeout") if stats.timeouts else "",
            f"{stats.cancelled} cancelled" if stats.cancelled else "",
        ]
        failures += " (" + ", ".join(k for k in kinds if k) + ")"
    settings = (
        format_settings(batch.settings, eager=batch.eager) if batch.has_started else "never ran"
    )
    pieces: list[tuple[str, Style | None]] = [
        (f"batch {batch.batch_id}", "bold"),
        (plural(stats.calls, "call"), None),
        (f"wall {format_duration(stats.wall_s)}", None),
        (f"sum {format_duration(stats.sum_s)}", None),
        (f"speedup {stats.speedup:.2f}×", "cyan"),
        (f"peak {stats.peak_concurrency}", None),
        (f"waited {format_duration(stats.wait_s)}", None),
        (failures, "red" if stats.failures else None),
        (settings, "dim"),
    ]
    return wrap_pieces(pieces, width, color, indent=INDENT, continuation=INDENT + "  ")
