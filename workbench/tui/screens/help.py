"""F1 / ?: every key binding of the screen that opened it, and every slash command it runs.

The opener hands in its bindings (by where they work) and its commands, so the help cannot drift
from the keys, and each screen shows only what works there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from workbench.core.capabilities import KNOB_TITLES, ROWS

BindingSections = Sequence[tuple[str, Sequence[BindingType]]]
"""(where, bindings): ``("anywhere", App.BINDINGS)``, ``("timeline", Timeline.BINDINGS)`` …"""


def bindings_table(sections: BindingSections) -> Table:
    table = Table(box=None, show_header=False, padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    table.add_column(style="dim")
    for where, bindings in sections:
        for binding in bindings:
            if not isinstance(binding, Binding):
                continue
            key = binding.key_display or binding.key
            table.add_row(key.replace("question_mark", "?"), binding.description, where)
    table.add_row("ctrl+p", "Command palette (every knob and command)", "anywhere")
    table.add_row("tab / shift+tab", "Move between chat, prompt, knobs, timeline", "anywhere")
    return table


def providers_table() -> Table:
    """The capability matrix (``workbench providers``): what each knob does on each provider."""
    table = Table(box=None, padding=(0, 2), header_style="bold")
    table.add_column("provider", no_wrap=True)
    for knob in KNOB_TITLES:
        table.add_column(knob)
    styles = {"honoured": "green", "emulated": "yellow", "ignored": "dim", "rejected": "red"}
    for row in ROWS:
        cells = [row.rule(k).support for k in KNOB_TITLES]
        table.add_row(row.title, *(Text(c, style=styles[c]) for c in cells))
    return table


def commands_table(commands: Sequence[tuple[str, str]]) -> Table:
    table = Table(box=None, show_header=False, padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    for usage, text in commands:
        table.add_row(usage, text)
    return table


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
        & > VerticalScroll {
            width: 90; max-width: 95%; height: auto; max-height: 90%;
            border: round $accent; background: $panel; padding: 0 1;
        }
        & .title { text-style: bold; color: $text-accent; margin: 1 0 0 0; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q,question_mark", "dismiss", "Close", show=False),
    ]

    def __init__(self, bindings: BindingSections, commands: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self._key_sections = bindings
        self._commands = commands

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "Help"
            yield Static(Text("Keys"), classes="title")
            yield Static(bindings_table(self._key_sections))
            if self._commands:
                yield Static(Text("Slash commands (type in the prompt)"), classes="title")
                yield Static(commands_table(self._commands))
            yield Static(
                Text("Providers (the reasons: workbench providers in a terminal)"), classes="title"
            )
            yield Static(providers_table())
