"""One batch as a block of text: a row per call with a bar on the batch's time axis, then a summary.

Pure functions of a :class:`BatchGroup`: no I/O and no clock, so a live run, a replay and an export
render the same lines. The glyphs alone tell the outcomes apart; colour only reinforces them.
"""

from __future__ import annotations

from workbench.core.durations import duration
from workbench.core.timeline import BatchGroup, CallState
from workbench.core.timeline_parts import MIN_AXIS_S
from workbench.render.bars import LEGEND, Axis, Kind, call_cells
from workbench.render.format import (
    Style,
    format_args,
    format_settings,
    join_styled,
    paint,
    plural,
    truncate,
    truncate_tool,
    wrap_pieces,
)

OUTCOME_STYLE: dict[CallState, Style] = {
    "ok": "green",
    "error": "red",
    "timeout": "yellow",
    "cancelled": "grey",
    "unfinished": "red",
}
KIND_STYLE: dict[Kind, Style | None] = {
    "blank": None,
    "wait": "dim",
    "running": "green",
    "ok": "green",
    "error": "red",
    "timeout": "yellow",
    "cancelled": "grey",
    "failed": "red",
    "backoff": "dim",
    "retry": "yellow",
}
"""How each kind of bar cell is coloured in a terminal."""

INDENT = "  "
STATUS_W = 9  # "cancelled"; one more in a batch cut short ("unfinished")
DUR_W = 7  # "1234 ms" never happens; "999 ms", "12.5 s", "2m 05s" fit
MIN_BAR = 10


def render_legend(width: int, color: bool) -> list[str]:
    """The glyph key, printed once above the first batch."""
    pieces = [(f"{glyph} {word}", None) for glyph, word, _ in LEGEND]
    lines = wrap_pieces(pieces, width, False, indent=INDENT, continuation=INDENT, sep="  ")
    if not color:
        return lines
    for glyph, _, kind in LEGEND:  # colour the glyphs only, after wrapping on plain widths
        lines = [line.replace(glyph, paint(glyph, KIND_STYLE[kind], True)) for line in lines]
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
    status_w = STATUS_W + 1 if batch.interrupted else STATUS_W
    avail = width - len(INDENT) - tool_w - 1 - status_w - 1 - DUR_W - 1
    min_bar = max(MIN_BAR, avail // 2)
    longest = max(len(a) for a in args)
    args_w = min(longest, max(0, avail - min_bar - 1))
    bar_w = max(4, avail - (args_w + 1 if args_w else 0))
    t0, t1 = batch.axis()
    axis = Axis(t0, max(t1, t0 + MIN_AXIS_S), bar_w)
    now = batch.last_t
    lines = []
    for row, arg_text in zip(calls, args, strict=True):
        tool = truncate_tool(row.tool, tool_w).ljust(tool_w)
        parts = [INDENT, paint(tool, "bold", color), " "]
        if args_w:
            parts += [paint(truncate(arg_text, args_w).ljust(args_w), "dim", color), " "]
        cells = call_cells(row, axis, now)
        parts += [join_styled(((g, KIND_STYLE[k]) for g, k in cells), color), " "]
        status = row.state.ljust(status_w)
        parts.append(paint(status, OUTCOME_STYLE.get(row.state), color) + " ")
        took = duration(row.run_at(now)) if row.started_t is not None else "—"
        parts.append(took.rjust(DUR_W))
        lines.append("".join(parts))
    return lines


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
    unfinished = batch.unfinished_calls
    cut: list[tuple[str, Style | None]] = (
        [(f"interrupted: {unfinished} unfinished", "red")] if batch.interrupted else []
    )
    settings = (
        format_settings(batch.settings, eager=batch.eager) if batch.has_started else "never ran"
    )
    pieces: list[tuple[str, Style | None]] = [
        (f"batch {batch.batch_id}", "bold"),
        (plural(stats.calls, "call"), None),
        (f"wall {duration(stats.wall_s)}", None),
        (f"sum {duration(stats.sum_s)}", None),
        (f"speedup {stats.speedup:.2f}×", "cyan"),
        (f"peak {stats.peak_concurrency}", None),
        (f"waited {duration(stats.wait_s)}", None),
        (failures, "red" if stats.failures else None),
        *cut,
        (settings, "dim"),
    ]
    return wrap_pieces(pieces, width, color, indent=INDENT, continuation=INDENT + "  ")
