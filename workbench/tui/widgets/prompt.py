"""The prompt: one line of input that keeps the whole of a multi-line paste, and sends what was
typed before Enter, not what came after it.

Textual's ``Input`` keeps only a paste's first line. Here the lines are joined with a space, so
every word pasted reaches the model (a newline in a paste is not Enter: nothing is sent).

``Input`` submits on its ``enter`` binding, which runs only once the key has bubbled up to the app:
letters typed right behind Enter (a fast typist, a paste of a line and more, ``tmux send-keys``)
reached the prompt first and were sent as part of the message. Here Enter submits as the prompt
receives it, the message carries the text as it was then, and the screen clears only that part
(:func:`take_sent`), so what was typed after it stays in the prompt for the next message. A line
feed (ctrl+j) is Enter too: an Enter typed before the terminal is in raw mode arrives as one.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input


def one_line(text: str) -> str:
    """``text`` with its line breaks (and the blank lines between) as single spaces."""
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def take_sent(prompt: Input, sent: str) -> None:
    """Clear the text just sent from ``prompt``, keeping what was typed after its Enter."""
    value = prompt.value
    rest = value[len(sent) :] if sent and value.startswith(sent) else ""
    if rest:
        prompt.value = rest.lstrip()
        prompt.cursor_position = len(prompt.value)
    else:
        prompt.clear()


class Prompt(Input):
    """An ``Input`` whose paste keeps every line, and whose Enter sends the text typed before it."""

    async def _on_key(self, event: events.Key) -> None:
        # As it arrives, not once it has bubbled to the bindings. A line feed is Enter too: keys
        # typed before the app has put the terminal in raw mode (in the first ~0.2 s) pass the
        # line discipline, which turns Enter's carriage return into one (Textual reads ctrl+j).
        if event.key in ("enter", "ctrl+j"):
            event.stop()
            event.prevent_default()
            await self.action_submit()
            return
        await super()._on_key(event)

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
