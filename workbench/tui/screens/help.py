"""F1 / ?: every key binding of the screen and its widgets, and every slash command."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from workbench.tui.commands import COMMAND_HELP


def bindings_table() -> Table:
    """Built from the BINDINGS themselves, so the help cannot drift from the keys."""
    from workbench.tui.app import WorkbenchApp
    from workbench.tui.screens.main import MainScreen
    from workbench.tui.widgets.chat import ToolChip
    from workbench.tui.widgets.timeline import Timeline

    table = Table(box=None, show_header=False, padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    table.add_column(style="dim")
    for where, bindings in (
        ("anywhere", WorkbenchApp.BINDINGS),
        ("main screen", MainScreen.BINDINGS),
        ("timeline", Timeline.BINDINGS),
        ("tool chip", ToolChip.BINDINGS),
    ):
        for binding in bindings:
            if not isinstance(binding, Binding):
                continue
            key = binding.key_display or binding.key
            table.add_row(key.replace("question_mark", "?"), binding.description, where)
    table.add_row("ctrl+p", "Command palette (every knob and command)", "anywhere")
    table.add_row("tab / shift+tab", "Move between chat, prompt, knobs, timeline", "anywhere")
    return table


def commands_table() -> Table:
    table = Table(box=None, show_header=False, padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    for usage, text in COMMAND_HELP.values():
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

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "Help"
            yield Static(Text("Keys"), classes="title")
            yield Static(bindings_table())
            yield Static(Text("Slash commands (type in the prompt)"), classes="title")
            yield Static(commands_table())
