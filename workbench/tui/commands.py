"""Slash commands typed in the prompt: parsing only, no UI and no runtime.

``parse_command("/max 4")`` returns a typed command or raises :class:`CommandError` whose message is
shown to the user as is. What a command *does* belongs to the screen that runs it (a method marked
``@handles(ProfileCommand)`` on :class:`~workbench.tui.screens.base.SessionScreen` or a subclass); a
screen offers exactly the commands it handles, in its help and its parser.

Adding a command is one class and one method, and no list to extend: a frozen dataclass deriving
:class:`SlashCommand`, decorated with :func:`command`, with its ``name``, ``usage``, ``help`` and a
``parse`` classmethod beside its fields; and a ``@handles`` method on the screen that runs it. The
parser, the help screen and the palette's dispatch read the registry (:data:`COMMANDS`) and the
screen's handlers. A command only one screen runs may be declared in that
screen's module, beside its handler; shared ones live here. ``tests/tui/test_command_extension.py``
adds one end to end. The knob commands (``/max 4``) are not written here: one is generated for each
knob of :data:`workbench.core.knobs.TABLE`, and ``@handles(KnobCommand)`` runs them all.
"""

from __future__ import annotations

import difflib
import shlex
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal, Self, TypeVar

from workbench.core.knobs import OFF, TABLE, Knob, KnobChange, KnobError


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


@dataclass(frozen=True, slots=True)
class KnobCommand(SlashCommand):
    """A command that turns a live knob; the screen applies :attr:`change` to the runtime.

    There is one per knob of :data:`workbench.core.knobs.TABLE`, generated below (see
    :func:`knob_command`): its name, usage and help come from the table, and its words are read by
    the knob's own parser, as the CLI and compare read ``max=4``.
    """

    knob: ClassVar[Knob]
    change: KnobChange

    @classmethod
    def parse(cls, args: Sequence[str], context: ParseContext) -> Self:
        words = list(args)
        if cls.knob.name == "fault":  # /fault TOOL PRESET is the text form's fault=TOOL:PRESET
            words = [f"{_tool(args[0], context.tools)}:{args[1]}"]
        try:
            return cls(cls.knob.change(cls.knob.parse(words[0])))
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


def _knob_commands() -> dict[str, type[KnobCommand]]:
    made: dict[str, type[KnobCommand]] = {}
    for entry in TABLE:
        words = entry.kind.words.split()
        cls = type(
            f"{entry.name.title()}Command",
            (KnobCommand,),
            {
                "__slots__": (),
                "__module__": __name__,
                "name": entry.name,
                "usage": entry.usage(),
                "help": entry.help,
                "nargs": len(words),
                "knob": entry,
            },
        )
        made[entry.name] = command(cls)
    return made


KNOB_COMMANDS: dict[str, type[KnobCommand]] = _knob_commands()
"""The command for each knob of the table, by knob name."""


def knob_command(name: str, value: Any) -> KnobCommand:
    """The command that turns knob ``name`` to ``value`` (as the knob's parser returns it):
    ``knob_command("max", 4)`` is what ``/max 4`` parses to."""
    entry = KNOB_COMMANDS[name]
    return entry(entry.knob.change(value))


def knob_palette(
    tools: Sequence[str], *, knobs: Collection[str] | None = None
) -> Iterator[tuple[str, str, KnobCommand]]:
    """(label, help, command) for every value the palette offers for each knob (of ``knobs`` only,
    when given), read from the table: ``Max concurrent tools: 4``."""
    for entry in TABLE:
        if knobs is not None and entry.name not in knobs:
            continue
        title = entry.title[0].upper() + entry.title[1:]
        if entry.name == "fault":
            for tool in tools:
                for preset in entry.palette:
                    value = entry.parse(f"{tool}:{preset}")
                    yield f"Fault {tool}: {preset}", entry.help, knob_command(entry.name, value)
            continue
        for text in entry.palette:
            value = entry.parse(text)
            shown = entry.show(value) + ("s" if entry.name == "timeout" and value != OFF else "")
            yield f"{title}: {shown}", entry.help, knob_command(entry.name, value)


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
