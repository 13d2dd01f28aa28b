"""What the live and the replay screen share: status line, knobs, one :class:`SessionPane`, footer,
the keys every session screen has, and how a slash command finds the method that runs it.

A screen runs the commands it has a method for: ``@handles(SomeCommand)`` marks it (a subclass of
the command's class finds the same method, so ``@handles(KnobCommand)`` takes every knob). The help
screen, the parser and the palette of a screen offer exactly those. To add a command, write its class
in :mod:`workbench.tui.commands` and one ``@handles`` method on the screen that runs it (here, for
every session screen).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar, Literal, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, Static

from workbench.core.events import Event
from workbench.core.timeline import TimelineModel
from workbench.tui.commands import (
    COMMANDS,
    CommandError,
    ExportCommand,
    HelpCommand,
    SessionsCommand,
    SlashCommand,
    command_help,
    is_command,
    parse_command,
)
from workbench.tui.navigation import OpenSessions
from workbench.tui.panes.session import SessionPane
from workbench.tui.ports import Signals
from workbench.tui.screens.palette import PaletteEntry, WorkbenchCommands
from workbench.tui.widgets.chat import ToolChip
from workbench.tui.widgets.key_footer import KeyFooter
from workbench.tui.widgets.knobs import Knobs
from workbench.tui.widgets.prompt import take_sent
from workbench.tui.widgets.timeline import Timeline
from workbench.tui.widgets.turn_axis import TurnAxisView

_MARK = "__slash_command__"
"""Where :func:`handles` notes the command class on the method."""
C = TypeVar("C", bound=SlashCommand)
S = TypeVar("S", bound="SessionScreen")
Handler = Callable[[S, C], Awaitable[None]]


def handles(kind: type[C]) -> Callable[[Handler[S, C]], Handler[S, C]]:
    """Mark a screen method as what runs ``kind`` (and its subclasses) on that screen."""

    def mark(method: Handler[S, C]) -> Handler[S, C]:
        method.__dict__[_MARK] = kind
        return method

    return mark


class SessionScreen(Screen[None]):
    """A screen that shows one session in a :class:`SessionPane` (subclassed, never used alone)."""

    CSS_PATH = Path(__file__).with_name("session.tcss")
    """Absolute: a relative path would be read beside each subclass's module."""
    COMMANDS: ClassVar = {WorkbenchCommands}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (80, "-wide")]  # noqa: RUF012 (typed by Screen)
    """Under 80 columns the pane stacks the chat above the timeline (session.tcss)."""
    BINDINGS: ClassVar[list[BindingType]] = []
    """Each screen lists all its keys, :data:`~workbench.tui.screens.keys.COMMON_BINDINGS` among
    them, in footer order."""
    PLACE: ClassVar[str] = "session screen"
    """How the help screen names this screen's keys."""
    command_handlers: ClassVar[dict[type[SlashCommand], str]] = {}
    """Command class → name of the method that runs it here (collected from ``@handles``)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        found: dict[type[SlashCommand], str] = {}
        for klass in reversed(cls.__mro__):  # a subclass's method overrides its base's
            for attr, value in vars(klass).items():
                kind = getattr(value, "__dict__", {}).get(_MARK)
                if kind is not None:
                    found[kind] = attr
        cls.command_handlers = found

    def __init__(self, *, signals: Signals, replay: bool) -> None:
        super().__init__()
        self.signals = signals
        self.pane = SessionPane(replay=replay, under_chat=[self.compose_prompt()], id="body")
        """The session's chat, timeline, call details and totals."""
        self._typing = False

    # -- layout -----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static("workbench", id="status")
        yield Knobs(id="knobs")
        yield from self.compose_controls()
        yield self.pane
        yield KeyFooter()

    def compose_controls(self) -> Iterator[Widget]:
        """Between the knobs and the pane (the replay bar)."""
        yield from ()

    def compose_prompt(self) -> Input:
        """The prompt under the chat (built in ``__init__``: it may not use the subclass's state)."""
        raise NotImplementedError

    @property
    def knobs(self) -> Knobs:
        return self.query_one("#knobs", Knobs)

    @property
    def status(self) -> Static:
        return self.query_one("#status", Static)

    @property
    def model(self) -> TimelineModel:
        return self.pane.model

    async def feed(self, event: Event) -> None:
        """Apply one core event to the pane (and what else on the screen follows it)."""
        await self.pane.feed(event)

    # -- commands ---------------------------------------------------------------------------------

    @classmethod
    def known_commands(cls) -> list[type[SlashCommand]]:
        """The command classes this screen runs, ``@handles`` subclasses included."""
        return [k for k in COMMANDS.values() if cls._handler_name(k) is not None]

    @classmethod
    def _handler_name(cls, kind: type[SlashCommand]) -> str | None:
        for base in kind.__mro__:
            name = cls.command_handlers.get(base)
            if name is not None:
                return name
        return None

    def parse(self, text: str) -> SlashCommand:
        """Parse a typed command against what this screen runs (raises ``CommandError``)."""
        return parse_command(text, tools=self.tool_names(), known=self.known_commands())

    def tool_names(self) -> list[str]:
        """The tools ``/fault`` may name (empty: any)."""
        return []

    async def run_command(self, command: SlashCommand) -> None:
        """Do what a slash command or a palette entry asks."""
        name = self._handler_name(type(command))
        if name is None:
            self.notify(f"{command.usage} is not available here.", severity="warning")
            return
        await getattr(self, name)(command)

    def palette_entries(self) -> Iterator[PaletteEntry]:
        """What the command palette offers on this screen: (title, help, command or action)."""
        yield "Help: keys and commands", "Every binding and slash command", HelpCommand()
        yield (
            "Export: OpenTelemetry",
            "OTLP JSON lines beside the session file",
            ExportCommand("otlp"),
        )
        yield (
            "Export: Perfetto trace",
            "Chrome trace JSON beside the session file",
            ExportCommand("chrome"),
        )
        yield "Sessions: browse recordings", "Filter, replay, compare, delete", SessionsCommand()
        yield (
            "Replay a recorded session…",
            "Pick it in the session browser (or type /replay FILE)",
            SessionsCommand(),
        )

    async def submit_command(self, prompt: Input, sent: str | None = None) -> bool:
        """Enter in the prompt: run it if it is a slash command (True), else leave it (False).
        ``sent`` is the text the Enter sent (default: the prompt's text now)."""
        sent = prompt.value if sent is None else sent
        text = sent.strip()
        if not is_command(text):
            return False
        try:
            command = self.parse(text)
        except CommandError as exc:
            self.notify(str(exc), title="Command", severity="error")
            # The text stays, to be fixed, and selected: what is typed next replaces it.
            prompt.select_all()
            return True
        take_sent(prompt, sent)
        await self.run_command(command)
        return True

    @handles(HelpCommand)
    async def _help(self, command: HelpCommand) -> None:
        self.action_help()

    def session_file(self) -> Path | None:
        """The session file this screen shows (None: not recorded)."""
        return None

    @handles(ExportCommand)
    async def _export(self, command: ExportCommand) -> None:
        self.run_worker(
            self._export_file(command.format),
            group="export",
            exit_on_error=False,
            description=f"export {command.format}",
        )

    async def _export_file(self, fmt: Literal["otlp", "chrome"]) -> None:
        """Write the session beside its file, off the event loop, and say where."""
        from workbench.export.files import export_session_file
        from workbench.session import SessionError

        path = self.session_file()
        if path is None:
            self.notify("This session is not recorded: nothing to export.", severity="warning")
            return
        try:
            written, problems = await asyncio.to_thread(export_session_file, path, fmt)
        except (SessionError, OSError) as exc:  # the worker's boundary: a file problem, one line
            self.notify(str(exc), title="Export failed", severity="error", timeout=10)
            return
        for problem in problems:
            self.notify(problem, title="Export", severity="warning", timeout=10)
        self.notify(str(written), title="Exported", timeout=10)
        # In the transcript as well: a toast is gone in ten seconds, the path is still wanted.
        await self.pane.add_note(f"Exported the session ({fmt}): {written}")

    @handles(SessionsCommand)
    async def _sessions(self, command: SessionsCommand) -> None:
        await self.open_sessions()

    async def open_sessions(self) -> None:
        """The session browser over this screen; a replay opened from it comes back to it."""
        self.post_message(OpenSessions(speed=self.browser_replay_speed()))

    def browser_replay_speed(self) -> float | None:
        """The speed a replay opened from the browser starts at."""
        return 1.0

    # -- keys -------------------------------------------------------------------------------------

    def action_whatif(self) -> None:
        """The selected call's batch (or the last one) under another cap, simulated."""
        from workbench.analysis import from_group
        from workbench.tui.screens.whatif import WhatIfScreen

        row = self.pane.timeline.selected_call()
        batches = self.model.batches
        group = self.model.batch(row.batch_id) if row else (batches[-1] if batches else None)
        if group is None:
            self.notify("No batch yet: the what-if view redraws a batch that ran.")
            return
        try:
            batch = from_group(group)
        except ValueError as exc:
            self.notify(f"{exc}: the what-if view needs its calls' durations.")
            return
        self.app.push_screen(WhatIfScreen(batch))

    def action_turn_axis(self) -> None:
        """Each turn on one time axis, or one axis per batch again (``t`` on the timeline)."""
        self.pane.show_turn_axis()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # ctrl+w deletes a word of what is being typed.
        typing = isinstance(self.focused, Input) and bool(self.focused.value)
        return not (action == "whatif" and typing)

    def action_help(self) -> None:
        from workbench.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self.help_bindings(), command_help(self.known_commands())))

    def help_bindings(self) -> list[tuple[str, list[BindingType]]]:
        """Every key that works on this screen, by where it works."""
        own = [
            binding
            for binding in type(self).BINDINGS
            if not isinstance(binding, Binding)
            or self.check_action(binding.action.partition("(")[0], ()) is not False
        ]
        return [
            ("anywhere", list(self.app.BINDINGS)),
            (self.PLACE, own),
            ("timeline", list(Timeline.BINDINGS)),
            ("turn axis", list(TurnAxisView.BINDINGS)),
            ("tool chip", list(ToolChip.BINDINGS)),
        ]

    def on_input_changed(self, event: Input.Changed) -> None:
        # ctrl+w is the what-if key while the prompt is empty, delete-a-word once it is not: the
        # footer follows when that flips.
        if bool(event.value) != self._typing:
            self._typing = bool(event.value)
            self.refresh_bindings()

    def on_knobs_invalid(self, event: Knobs.Invalid) -> None:
        self.notify(event.message, severity="error")
