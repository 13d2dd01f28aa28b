"""Session listing rows as text: the table ``workbench sessions`` prints and the app's browser shows."""

from __future__ import annotations

from workbench.core.durations import duration
from workbench.session.listing import SessionRow

COLUMNS = (
    "created",
    "profile",
    "provider/model",
    "first prompt",
    "turns",
    "calls",
    "fail",
    "wall",
    "span",
    "size",
)
"""``wall``: the turns' walls summed (idle time between turns not counted); ``span``: from the
session's start to its last event, idle time included."""
PROMPT_COLUMN = 3
MIN_PROMPT = 12
"""The prompt column's least width in the terminal's table."""
RIGHT = frozenset(range(4, len(COLUMNS)))
"""The numeric columns, right-aligned."""
DROP_ORDER = ("provider/model", "size", "profile", "calls", "fail", "created")
"""The columns a narrow table leaves out, first to last, so the rest fit without wrapping or
scrolling sideways (at 80 columns: created, the prompt, turns, calls, failures, wall and span)."""


def fit_columns(widths: list[int], room: int) -> list[int]:
    """The columns to show (indexes of :data:`COLUMNS`): all, less those of :data:`DROP_ORDER` in
    turn until the widths (each with its gap; the prompt's its least) add up to ``room``."""
    columns = list(range(len(COLUMNS)))
    for name in (None, *DROP_ORDER):
        if name is not None:
            columns.remove(COLUMNS.index(name))
        if sum(widths[i] for i in columns) <= room:
            break
    return columns


def format_table(rows: list[SessionRow], width: int) -> list[str]:
    """The rows as aligned text lines within ``width``, the prompt column taking what the others
    leave (too narrow for every column: less those of :data:`DROP_ORDER`)."""
    if not rows:
        return []
    cells = [row_cells(row) for row in rows]
    widths = [max(len(COLUMNS[i]), *(len(c[i]) for c in cells)) for i in range(len(COLUMNS))]
    widths[2] = min(widths[2], 28)
    least = [w + 2 for w in widths]  # each with the gap before the next
    least[PROMPT_COLUMN] = MIN_PROMPT + 2
    columns = fit_columns(least, width + 2)
    fixed = sum(widths[i] for i in columns if i != PROMPT_COLUMN) + 2 * (len(columns) - 1)
    widths[PROMPT_COLUMN] = max(MIN_PROMPT, min(widths[PROMPT_COLUMN], width - fixed))

    def line(values: tuple[str, ...] | list[str]) -> str:
        parts = []
        for i in columns:
            value = cut(values[i], widths[i])
            parts.append(value.rjust(widths[i]) if i in RIGHT else value.ljust(widths[i]))
        return "  ".join(parts).rstrip()

    return [line(COLUMNS), *(line(c) for c in cells)]


def row_cells(row: SessionRow) -> list[str]:
    """One row's cells, as the table (and the app's browser) shows them."""
    provider = "/".join(p for p in (row.provider, row.model) if p) or "?"
    prompt = " ".join((row.first_prompt or "").split())
    if row.compare is not None:
        prompt = f"[compare: {', '.join(row.compare)}] {prompt}"
    return [
        row.created.astimezone().strftime("%Y-%m-%d %H:%M"),
        row.profile or "?",
        provider,
        prompt,
        str(row.turns),
        str(row.calls),
        str(row.failures),
        "" if row.wall_s is None else duration(row.wall_s),
        "" if row.span_s is None else duration(row.span_s),
        format_size(row.bytes),
    ]


def cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def format_size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB" if n >= 10 * 1024 else f"{n / 1024:.1f} KB"
    return f"{n / 1024 / 1024:.1f} MB"
