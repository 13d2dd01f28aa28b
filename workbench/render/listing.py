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
RIGHT = frozenset(range(4, len(COLUMNS)))
"""The numeric columns, right-aligned."""


def format_table(rows: list[SessionRow], width: int) -> list[str]:
    """The rows as aligned text lines, the prompt column taking what the others leave."""
    if not rows:
        return []
    cells = [row_cells(row) for row in rows]
    widths = [max(len(COLUMNS[i]), *(len(c[i]) for c in cells)) for i in range(len(COLUMNS))]
    widths[2] = min(widths[2], 28)
    fixed = sum(w for i, w in enumerate(widths) if i != 3) + 2 * (len(COLUMNS) - 1)
    widths[3] = max(12, min(widths[3], width - fixed))

    def line(values: tuple[str, ...] | list[str]) -> str:
        parts = []
        for i, value in enumerate(values):
            value = cut(value, widths[i])
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
