"""The first frame of a live start: the live screen's outline, its prompt and its footer, drawn
before the live screen's modules (pydantic models, the timeline, the knobs) are imported.

The app shows this screen, imports the live screen in a thread once it is drawn, and puts the live
screen in its place (:meth:`workbench.tui.app.WorkbenchApp.open_live`). What is typed meanwhile is
kept (:class:`TypedAhead`): the text being written and its cursor, each line sent with Enter, each
key of the footer pressed. The live screen then runs them in order, as if typed there: a prompt
sent before the runtime is ready waits for it, as it always has. An import contract keeps this
module to Textual and the prompt widget.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Static

from workbench.tui.screens.keys import LIVE_BINDINGS
from workbench.tui.widgets.key_footer import KeyFooter
from workbench.tui.widgets.prompt import Prompt, take_sent

Step = tuple[Literal["send", "action"], str]
"""A line sent with Enter, or an action a key asked for (``"help"``, ``"app.command_palette"``)."""


@dataclass
class TypedAhead:
    """What the user did on the start screen, for the live screen to carry on from."""

    draft: str = ""
    """The text in the prompt, not sent yet."""
    cursor: int = 0
    """Where the prompt's cursor was in it."""
    steps: list[Step] = field(default_factory=list)
    """In the order they happened."""


def _later(binding: BindingType) -> BindingType:
    """The same key, shown the same way in the footer, kept for the live screen to run."""
    assert isinstance(binding, Binding)
    return Binding(
        binding.key,
        f"later({binding.action!r})",
        binding.description,
        show=binding.show,
        priority=binding.priority,
    )


class StartScreen(Screen[None]):
    """The live screen's outline and a prompt that takes typing, while the live screen loads."""

    CSS_PATH = Path(__file__).with_name("start.tcss")
    AUTO_FOCUS = "#prompt"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (80, "-wide")]  # noqa: RUF012 (typed by Screen)
    """As the session screens: under 80 columns the chat goes above the timeline."""
    BINDINGS: ClassVar[list[BindingType]] = [_later(binding) for binding in LIVE_BINDINGS]
    COMMANDS: ClassVar = set()
    """No palette of its own: ``ctrl+p`` is kept for the live screen's (see the app)."""

    class Shown(Message):
        """The screen has been drawn: the live screen may load now."""

        def __init__(self, screen: StartScreen) -> None:
            super().__init__()
            self.start = screen

    def __init__(self, *, starting: str) -> None:
        super().__init__()
        self.starting = starting
        """What the prompt says is starting ("the default profile", a profile's name)."""
        self.steps: list[Step] = []
        self._typing = False
        self.prompt = Prompt(id="prompt", placeholder=f"Starting {starting}…")

    def compose(self) -> ComposeResult:
        yield Static("workbench", id="status")
        yield Static("Profile\nExecution\nFaults", id="knobs")
        with Horizontal(id="body"):
            with Vertical(id="left"):
                yield Static(id="chat", classes="box")
                yield self.prompt
            with Vertical(id="right"):
                yield Static(id="timeline", classes="box")
                yield Static(id="details", classes="box")
                yield Static(id="totals")
        yield KeyFooter()

    def on_mount(self) -> None:
        for box, title in (("#chat", "Chat"), ("#timeline", "Timeline"), ("#details", "Call")):
            self.query_one(box).border_title = title
        self.call_after_refresh(lambda: self.post_message(self.Shown(self)))

    def typed_ahead(self) -> TypedAhead:
        prompt = self.prompt
        return TypedAhead(prompt.value, prompt.cursor_position, list(self.steps))

    def later(self, action: str) -> None:
        """Keep ``action`` for the live screen."""
        self.steps.append(("action", action))

    def action_later(self, action: str) -> None:
        self.later(action)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # As on the session screens: ctrl+w deletes a word of what is being typed.
        return not (action == "later" and parameters == ("whatif",) and bool(self.prompt.value))

    def on_input_changed(self, event: Input.Changed) -> None:
        # As on the session screens: the footer follows when ctrl+w flips to delete-a-word.
        if bool(event.value) != self._typing:
            self._typing = bool(event.value)
            self.refresh_bindings()

    @on(Input.Submitted, "#prompt")
    async def _submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            return
        self.steps.append(("send", text))
        take_sent(self.prompt, event.value)
        if not text.startswith("/"):  # a command says what it does once it runs
            self.query_one("#chat", Static).update(
                f"Starting {self.starting}… this prompt is sent once it is ready."
            )
