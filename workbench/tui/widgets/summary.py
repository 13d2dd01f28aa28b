"""The compare screen's summary strip: a row per variant, filled in as each one finishes.

Plain aligned text in one widget of a fixed height (a header and a row per variant), so an update
repaints a few short lines and never asks for a layout. A ``DataTable`` here cost 2-6 ms a row to
draw and a layout of the whole screen whenever a column widened, while the other variants ran.

The strip never wraps: where the width runs out, whole columns go, the least telling first
(:data:`KEEP_ORDER`), so every variant's row stays in view at 80 columns as at 200.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from workbench.compare.report import aligned

STATUS_STYLE = {
    "pending": "dim",
    "running": "bold",
    "replaying": "bold",
    "completed": "green",
    "failed": "red",
    "cancelled": "yellow",
}
KEEP_ORDER = (
    "variant",
    "status",
    "wall",
    "speedup",
    "trips",
    "saved",
    "fail",
    "waited",
    "tools",
    "model",
    "tok in",
    "calls",
    "batches",
    "peak",
    "tok out",
)
"""The columns by how long they stay as the width shrinks (a column not named here goes first)."""
GAP = 2


def fitting_columns(head: Sequence[str], widths: Sequence[int], room: int) -> list[int]:
    """The indices of the columns to show in ``room`` cells, in their own order: the most telling
    ones (:data:`KEEP_ORDER`) that fit, the first two (name, status) always."""
    rank = {name: i for i, name in enumerate(KEEP_ORDER)}
    order = sorted(range(len(head)), key=lambda i: (i > 1, rank.get(head[i], len(rank)), i))
    kept: list[int] = []
    used = -GAP
    for index in order:
        need = widths[index] + GAP
        if index > 1 and used + need > room:
            continue
        kept.append(index)
        used += need
    return sorted(kept)


class SummaryStrip(Static):
    """The header, and a row of cells per variant (the status second) that :meth:`show` replaces."""

    DEFAULT_CSS = """
    SummaryStrip { padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(self, head: Sequence[str], names: Sequence[str], *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.head = list(head)
        self.rows: list[list[str]] = [[name, "pending"] + [""] * (len(head) - 2) for name in names]
        """The cells as shown, a row per variant (tests and the screen read them)."""
        self.shown_columns: list[str] = list(head)
        """The columns that fit the width, in order."""
        self.styles.height = 1 + len(self.rows)
        self.update(self._text(), layout=False)

    def show(self, rows: Sequence[Sequence[str]]) -> None:
        self.rows = [list(row) + [""] * (len(self.head) - len(row)) for row in rows]
        self.update(self._text(), layout=False)  # a fixed height: no layout of the screen

    def on_resize(self) -> None:
        self.update(self._text(), layout=False)

    def _text(self) -> Text:
        header, *rows = aligned(self.head, self.rows, left=2)
        room = self.content_region.width or 10_000  # before the first layout: everything
        keep = fitting_columns(self.head, [len(cell) for cell in header], room)
        self.shown_columns = [self.head[i] for i in keep]
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append("  ".join(header[i] for i in keep).rstrip(), "bold")
        for cells, row in zip(rows, self.rows, strict=True):
            text.append(f"\n{cells[0]}  ")
            text.append(cells[1], STATUS_STYLE.get(row[1], ""))
            text.append(("  " + "  ".join(cells[i] for i in keep if i > 1)).rstrip())
        return text
