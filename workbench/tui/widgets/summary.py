"""The compare screen's summary strip: a row per variant, filled in as each one finishes.

Plain aligned text in one widget of a fixed height (a header and a row per variant), so an update
repaints a few short lines and never asks for a layout. A ``DataTable`` here cost 2-6 ms a row to
draw and a layout of the whole screen whenever a column widened, while the other variants ran.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

STATUS_STYLE = {
    "pending": "dim",
    "running": "bold",
    "completed": "green",
    "failed": "red",
    "cancelled": "yellow",
}


class SummaryStrip(Static):
    """``show(head, rows)``: the header and a row of cells per variant (the status second)."""

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
        widths = [
            max(len(title), *(len(row[i]) for row in self.rows))
            for i, title in enumerate(self.head)
        ]
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(self._line(self.head, widths), "bold")
        for row in self.rows:
            text.append("\n")
            text.append(row[0].ljust(widths[0]) + "  ")
            text.append(row[1].ljust(widths[1]), STATUS_STYLE.get(row[1], ""))
            text.append("  " + self._line(row[2:], widths[2:], first_left=False))
        return text

    @staticmethod
    def _line(cells: Sequence[str], widths: Sequence[int], *, first_left: bool = True) -> str:
        out = [
            cell.ljust(width) if first_left and i < 2 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(out).rstrip()
