"""The compare screen's summary strip: a row per variant, filled in as each one finishes.

Plain aligned text in one widget of a fixed height (a header and a row per variant), so an update
repaints a few short lines and never asks for a layout. A ``DataTable`` here cost 2-6 ms a row to
draw and a layout of the whole screen whenever a column widened, while the other variants ran.
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


class SummaryStrip(Static):
    """The header, and a row of cells per variant (the status second) that :meth:`show` replaces."""

    DEFAULT_CSS = """
    SummaryStrip { padding: 0 1; }
    """

    def __init__(self, head: Sequence[str], names: Sequence[str], *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.head = list(head)
        self.rows: list[list[str]] = [[name, "pending"] + [""] * (len(head) - 2) for name in names]
        """The cells as shown, a row per variant (tests and the screen read them)."""
        self.styles.height = 1 + len(self.rows)
        self.update(self._text(), layout=False)

    def show(self, rows: Sequence[Sequence[str]]) -> None:
        self.rows = [list(row) + [""] * (len(self.head) - len(row)) for row in rows]
        self.update(self._text(), layout=False)  # a fixed height: no layout of the screen

    def _text(self) -> Text:
        header, *rows = aligned(self.head, self.rows, left=2)
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append("  ".join(header).rstrip(), "bold")
        for cells, row in zip(rows, self.rows, strict=True):
            text.append(f"\n{cells[0]}  ")
            text.append(cells[1], STATUS_STYLE.get(row[1], ""))
            text.append(("  " + "  ".join(cells[2:])).rstrip())
        return text
