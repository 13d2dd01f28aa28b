"""Slash commands typed in the prompt: parsing only, no UI and no runtime.

``parse_command("/max 4")`` returns a typed command or raises :class:`CommandError` whose message is
shown to the user as is. What a command *does* belongs to the screen that runs it (a method marked
``@handles(MaxCommand)`` on :class:`~workbench.tui.screens.base.SessionScreen` or a subclass); a screen
offers exactly the commands it handles, in its help and its parser.

Adding a command is one class and one method, and no list to extend: a frozen dataclass deriving
:class:`SlashCommand` (or :class:`KnobCommand`), decorated with :func:`command`, with its ``name``,
``usage``, ``help`` and a ``parse`` classmethod beside its fields; and a ``@handles`` method on the
screen that runs it. The parser, the help screen and the palette's dispatch read the registry
(:data:`COMMANDS`) and the screen's handlers. A command only one screen runs may be declared in that
screen's module, beside its handler; shared ones live here. ``tests/tui/test_command_extension.py``
adds one end to end.
"""

from __future__ import annotations

import difflib
import shlex
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Literal, Self, TypeVar

from workbench.core.knobs import OFF, KnobChange, KnobError, parse_knob
from workbench.core.settings import FaultPreset, FunctionCallingMode


class CommandError(ValueError):
    """A slash command that cannot be run; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class ParseContext:
    """What a parser may check against."""

    tools: Sequence[str] = ()
    """The runtime's tool names (empty: any tool name is accepted)."""


class SlashCommand:
    """A parsed slash command. Subclasses set the three class variables and :meth:`parse`."""

    __slots__ = ()
    name: ClassVar[str]
    """What follows the slash: ``max`` for ``/max 4``."""
    usage: ClassVar[str]
    help: ClassVar[str]
    """One line, for the help screen."""
    nargs: ClassVar[int] = 1
    """How many words follow the name (checked before :meth:`parse`); -1: any number."""

    @classmethod
    def parse(cls, args: Sequence[str], context: ParseContext) -> Self:
        """The command from its words; a command that takes none (``nargs = 0``) needs no parser."""
        if cls.nargs == 0:
            return cls()
        raise NotImplementedError


class KnobCommand(SlashCommand):
    """A command that turns a live knob; the screen applies :meth:`change` to the runtime.

    Its words are read by the one knob parser (:func:`workbench.core.knobs.parse_knob`), as the CLI
    and compare read ``max=4``: ``/max 4`` is the knob ``max`` with the value ``4``.
    """

    __slots__ = ()
    knob: ClassVar[str]
    """The knob's name in the text form (``max``, ``timeout``, ``fault``)."""

    def change(self) -> KnobChange:
        raise NotImplementedError

    @classmethod
    def read(cls, value: str) -> KnobChange:
        """The knob's value as typed, through the shared parser; a bad one names the valid ones."""
        try:
            return parse_knob(cls.knob, value)
        except KnobError as exc:
            raise CommandError(f"{_sentence(str(exc))} Usage: {cls.usage}") from None


COMMANDS: dict[str, type[SlashCommand]] = {}
"""Every command by name, in the order the help screen lists them."""

C = TypeVar("C", bound=type[SlashCommand])


def command(cls: C) -> C:
    """Register a command class (the decorator on each one below)."""
    if cls.name in COMMANDS:
        raise ValueError(f"two slash commands named /{cls.name}")
    COMMANDS[cls.name] = cls
    return cls


@command
@dataclass(frozen=True, slots=True)
class ProfileCommand(SlashCommand):
    name: ClassVar[str] = "profile"
    usage: ClassVar[str] = "/profile NAME"
    help: ClassVar[str] = "Switch to another profile (starts a new session)"
    profile: str

    @classmethod
    def parse(cls, args: Sequence[str], context: ParseContext) -> Self:
        return cls(args[0])


@command
@dataclass(frozen=True, slots=True)
class ParallelCommand(KnobCommand):
    name: ClassVar[str] = "parallel"
    usage: ClassVar[str] = "/parallel on|off"
    help: ClassVar[str] = "Let the model emit several calls per response"
    on: bool

    knob: ClassVar[str] = "parallel"

    @classmethod
    def parse(cls, args: Sequence[str], context: ParseContext) -> Self:
        parallel = cls.read(args[0]).parallel
        assert parallel is not None
        return cls(parallel)

    def change(self) -> KnobChange:
        return KnobChange(parallel=self.on)


@command
@dataclass(frozen=True, slots=True)
class ModeCommand(KnobCommand):
    name: ClassVar[str] = "mode"
    usage: ClassVar[str] = "/mode auto|any|none"
    help: ClassVar[str] = "Function-calling mode, where the provider has one"
    mode: FunctionCallingMode

    knob: ClassVar[str] = "mode"

    @classmethod
    def parse(cls, args: Sequence[str], context: ParseContext) -> Self:
        mode = cls.read(args[0]).function_calling_mode
        assert mode is not None
        return cls(mode)

    def change(self) -> KnobChange:
        return KnobChange(function_calling_mode=self.mode)


@command
@dataclass(frozen=True, slots=True)
class ConcurrencyCommand(KnobCommand):
    name: ClassVar[str] = "concurrency"
    usage: ClassVar[str] = "/concurrency on|off"
    help: ClassVar[str] = "Run the calls of a batch concurrently"
    on: bool

    knob: ClassVar[str] = "concurrency"

    @classmethod
    def parse(cls, args: Sequence[str], context: ParseContext) -> Self:
        concurrent = cls.read(args[0]).concurrent
        assert concurrent is not None
        return cls(concurrent)

    def change(self) -> KnobChange:
        return KnobChange(concurrent=self.on)


@command
@dataclass(frozen=True, slots=True)
class MaxCommand(KnobCommand):
    name: ClassVar[str] = "max"
    usage: ClassVar[str] = "/max N"
    help: ClassVar[str] = "Cap on calls running at once"
    n: int

    knob: ClassVar[str] = "max"

    @classmethod
    def parse(cls, args: Sequence[str], context: ParseContext) -> Self:
        n = cls.read(args[0]).max_concurrent
        assert n is not None
        return cls(n)

    def change(self) -> KnobChange:
        return KnobChange(max_concurrent=self.n)


@command
@dataclass(frozen=True, slots=True)
class TimeoutCommand(KnobCommand):
    name: ClassVar[str] = "timeout"
    usage: ClassVar[str] = "/timeout S|off"
    help: ClassVar[str] = "Per-call timeout in seconds"
    seconds: float | None
    """None turns the per-call timeout off."""

    knob: ClassVar[str] = "timeout"

    @classmethod
    def parse(cls, args: Sequence[str], context: ParseContext) -> Self:
        timeout = cls.read(args[0]).timeout_s
        return cls(None if timeout == OFF or timeout is None else float(timeout))

    def change(self) -> KnobChange:
        return KnobChange(timeout_s=OFF if self.seconds is None else self.seconds)


@command
@dataclass(frozen=True, slots=True)
class StrictCommand(KnobCommand):
    name: ClassVar[str] = "strict"
    usage: ClassVar[str] = "/strict on|off"
    help: ClassVar[str] = "Strict tool schemas, where the provider takes them"
    on: bool

    knob: ClassVar[str] = "strict"

    @classmethod
    def parse(cls, args: Sequence[str], context: ParseContext) -> Self:
        strict = cls.read(args[0]).strict
        assert strict is not None
        return cls(strict)

    def change(self) -> KnobChange:
        return KnobChange(strict=self.on)


@command
@dataclass(frozen=True, slots=True)
class FaultCommand(KnobCommand):
    name: ClassVar[str] = "fault"
    usage: ClassVar[str] = "/fault TOOL slow|flaky|hang|off"
    help: ClassVar[str] = "Inject a fault into one tool"
    nargs: ClassVar[int] = 2
    tool: str
    preset: FaultPreset

    knob: ClassVar[str] = "fault"

    @classmethod
    def parse(cls, args: Sequence[str], context: ParseContext) -> Self:
        [(tool, preset)] = cls.read(f"{_tool(args[0], context.tools)}:{args[1]}").faults
        return cls(tool, preset)

    def change(self) -> KnobChange:
        return KnobChange(faults=((self.tool, self.preset),))


@command
@dataclass(frozen=True, slots=True)
class ReplayCommand(SlashCommand):
    name: ClassVar[str] = "replay"
    usage: ClassVar[str] = "/replay FILE"
    help: ClassVar[str] = "Replay a recorded session"
    path: Path

    @classmethod
    def parse(cls, args: Sequence[str], context: ParseContext) -> Self:
        return cls(Path(args[0]).expanduser())


@command
@dataclass(frozen=True, slots=True)
class CompareCommand(SlashCommand):
    name: ClassVar[str] = "compare"
    usage: ClassVar[str] = "/compare [--variant NAME:knob=value,…]… [PROMPT]"
    help: ClassVar[str] = "Run the last prompt (or PROMPT) under several settings, side by side"
    nargs: ClassVar[int] = -1
    prompt: str = ""
    """Empty: the last prompt of the session."""
    variants: tuple[str, ...] = ()
    """Variant specs; empty: the default three."""

    @classmethod
    def parse(cls, args: Sequence[str], context: ParseContext) -> Self:
        from workbench.compare.variants import parse_variants
        from workbench.core.knobs import KnobError

        specs: list[str] = []
        words: list[str] = []
        rest = list(args)
        while rest:
            word = rest.pop(0)
            if word in ("--variant", "-v"):
                if not rest:
                    raise CommandError(f"--variant needs NAME:knob=value. Usage: {cls.usage}")
                specs.append(rest.pop(0))
            else:
                words.append(word)
        if specs:
            try:
                parse_variants(specs)
            except KnobError as exc:
                raise CommandError(str(exc)) from None
        return cls(" ".join(words), tuple(specs))


@command
@dataclass(frozen=True, slots=True)
class SessionsCommand(SlashCommand):
    name: ClassVar[str] = "sessions"
    usage: ClassVar[str] = "/sessions"
    help: ClassVar[str] = "Browse recorded sessions: filter, replay, compare, delete"
    nargs: ClassVar[int] = 0


@command
@dataclass(frozen=True, slots=True)
class HelpCommand(SlashCommand):
    name: ClassVar[str] = "help"
    usage: ClassVar[str] = "/help"
    help: ClassVar[str] = "Show every key binding and command"
    nargs: ClassVar[int] = 0


@command
@dataclass(frozen=True, slots=True)
class ExportCommand(SlashCommand):
    name: ClassVar[str] = "export"
    usage: ClassVar[str] = "/export otlp|chrome"
    help: ClassVar[str] = "Export the session beside its file: OpenTelemetry or Perfetto"
    format: Literal["otlp", "chrome"]

    @classmethod
    def parse(cls, args: Sequence[str], context: ParseContext) -> Self:
        word = args[0].lower()
        if word == "otlp":
            return cls("otlp")
        if word == "chrome":
            return cls("chrome")
        raise CommandError(f"/export takes otlp or chrome, not {args[0]!r}.")


def is_command(text: str) -> bool:
    """Whether the prompt text is a slash command rather than a message for the model."""
    return text.lstrip().startswith("/")


def parse_command(
    text: str,
    *,
    tools: Sequence[str] = (),
    known: Collection[type[SlashCommand]] | None = None,
) -> SlashCommand:
    """Parse one slash command. ``tools`` (the runtime's tool names) lets ``/fault`` check its tool;
    ``known`` (the commands a screen handles; default every one) names what may be typed here."""
    try:
        words = shlex.split(text.strip())
    except ValueError as exc:
        raise CommandError(f"Cannot read that command: {exc}.") from None
    if not words or not words[0].startswith("/") or words[0] == "/":
        raise CommandError("Commands start with '/', e.g. /help.")
    name, args = words[0][1:].lower(), words[1:]
    names = [n for n, kind in COMMANDS.items() if known is None or kind in known]
    kind = COMMANDS.get(name)
    if kind is None:
        close = difflib.get_close_matches(name, names, n=1)
        hint = f" Did you mean /{close[0]}?" if close else ""
        raise CommandError(f"Unknown command /{name}.{hint} Type /help for the list.")
    if name not in names:
        raise CommandError(f"/{name} is not available here. Type /help for the list.")
    if kind.nargs >= 0 and len(args) != kind.nargs:
        raise CommandError(f"Usage: {kind.usage}")
    return kind.parse(args, ParseContext(tools=tools))


def command_help(known: Collection[type[SlashCommand]] | None = None) -> list[tuple[str, str]]:
    """(usage, help) of each command (of ``known`` only, when given), in registry order."""
    return [(k.usage, k.help) for k in COMMANDS.values() if known is None or k in known]


def _tool(name: str, tools: Sequence[str]) -> str:
    if tools and name not in tools:
        hint = _did_you_mean(name, tools)
        raise CommandError(f"No tool named {name!r}.{hint} Tools: {', '.join(sorted(tools))}.")
    return name


def _did_you_mean(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" Did you mean {close[0]!r}?" if close else ""


def _sentence(text: str) -> str:
    return text if text.endswith((".", "?")) else text + "."
