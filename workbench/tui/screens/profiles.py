"""Pick a profile: every profile found, the broken ones listed but disabled with their error."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from workbench.tui.ports import ProfileChoice


class ProfilePicker(ModalScreen[str | None]):
    DEFAULT_CSS = """
    ProfilePicker {
        align: center middle;
        & > OptionList {
            width: 80; max-width: 95%; height: auto; max-height: 80%;
            border: round $accent; background: $panel;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss_none", "Close")]

    def __init__(self, entries: Sequence[ProfileChoice], *, current: str | None) -> None:
        super().__init__()
        self.entries = list(entries)
        self.current = current

    def compose(self) -> ComposeResult:
        options = []
        for entry in self.entries:
            if entry.error is None:
                mark = "● " if entry.name == self.current else "  "
                options.append(Option(Text(mark + entry.name), id=entry.name))
            else:
                label = Text.assemble(
                    ("✗ " + entry.name, "bold"), "\n    ", (str(entry.error), "red")
                )
                options.append(Option(label, id=entry.name, disabled=True))
        picker = OptionList(*options)
        picker.border_title = "Profiles (invalid ones are disabled)"
        yield picker

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
