"""The prompt: one line of input that keeps the whole of a multi-line paste.

Textual's ``Input`` keeps only a paste's first line. Here the lines are joined with a space, so
every word pasted reaches the model (a newline in a paste is not Enter: nothing is sent).
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input


def one_line(text: str) -> str:
    """``text`` with its line breaks (and the blank lines between) as single spaces."""
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


class Prompt(Input):
    """An ``Input`` whose paste keeps every line."""

    def on_paste(self, event: events.Paste) -> None:
        # Runs before Input's own handler, which prevent_default() then skips.
        event.prevent_default()
        event.stop()
        text = one_line(event.text)
        if not text:
            return
        selection = self.selection
        if selection.is_empty:
            self.insert_text_at_cursor(text)
        else:
            self.replace(text, *selection)
