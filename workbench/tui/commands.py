"""Slash commands typed in the prompt: parsing only, no UI and no runtime.

``parse_command("/max 4")`` returns a typed command or raises :class:`CommandError` whose message is
shown to the user as is. The screen decides what each command does; the command palette offers the
same commands through :data:`COMMAND_HELP`.
"""

from __future__ import annotations

import difflib
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import get_args

from workbench.core.settings import FaultPreset, FunctionCallingMode


class CommandError(ValueError):
    """A slash command that cannot be run; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class ProfileCommand:
    name: str


@dataclass(frozen=True, slots=True)
class ParallelCommand:
    on: bool


@dataclass(frozen=True, slots=True)
class ModeCommand:
    mode: FunctionCallingMode


@dataclass(frozen=True, slots=True)
class ConcurrencyCommand:
    on: bool


@dataclass(frozen=True, slots=True)
class MaxCommand:
    n: int


@dataclass(frozen=True, slots=True)
class TimeoutCommand:
    seconds: float | None
    """None turns the per-call timeout off."""


@dataclass(frozen=True, slots=True)
class FaultCommand:
    tool: str
    preset: FaultPreset


@dataclass(frozen=True, slots=True)
class ReplayCommand:
    path: Path


@dataclass(frozen=True, slots=True)
class HelpCommand:
    pass


SlashCommand = (
    ProfileCommand
    | ParallelCommand
    | ModeCommand
    | ConcurrencyCommand
    | MaxCommand
    | TimeoutCommand
    | FaultCommand
    | ReplayCommand
    | HelpCommand
)

COMMAND_HELP: dict[str, tuple[str, str]] = {
    "profile": ("/profile NAME", "Switch to another profile (starts a new session)"),
    "parallel": ("/parallel on|off", "Let the model emit several calls per response"),
    "mode": ("/mode auto|any|none", "Function-calling mode, where the provider has one"),
    "concurrency": ("/concurrency on|off", "Run the calls of a batch concurrently"),
    "max": ("/max N", "Cap on calls running at once"),
    "timeout": ("/timeout S|off", "Per-call timeout in seconds"),
    "fault": ("/fault TOOL slow|flaky|hang|off", "Inject a fault into one tool"),
    "replay": ("/replay FILE", "Replay a recorded session"),
    "help": ("/help", "Show every key binding and command"),
}
"""Usage and one-line help for each command, in the order the help screen lists them."""

MAX_CONCURRENT_LIMIT = 10_000
_ON = {"on", "true", "yes", "1"}
_OFF = {"off", "false", "no", "0"}


def is_command(text: str) -> bool:
    """Whether the prompt text is a slash command rather than a message for the model."""
    return text.lstrip().startswith("/")


def parse_command(text: str, *, tools: Sequence[str] = ()) -> SlashCommand:
    """Parse one slash command. ``tools`` (the runtime's tool names) lets ``/fault`` check its tool."""
    try:
        words = shlex.split(text.strip())
    except ValueError as exc:
        raise CommandError(f"Cannot read that command: {exc}.") from None
    if not words or not words[0].startswith("/") or words[0] == "/":
        raise CommandError("Commands start with '/', e.g. /help.")
    name, args = words[0][1:].lower(), words[1:]
    if name not in COMMAND_HELP:
        close = difflib.get_close_matches(name, list(COMMAND_HELP), n=1)
        hint = f" Did you mean /{close[0]}?" if close else ""
        raise CommandError(f"Unknown command /{name}.{hint} Type /help for the list.")
    usage = COMMAND_HELP[name][0]
    match name:
        case "help":
            _expect(args, 0, usage)
            return HelpCommand()
        case "profile":
            _expect(args, 1, usage)
            return ProfileCommand(args[0])
        case "parallel":
            _expect(args, 1, usage)
            return ParallelCommand(_on_off(args[0], usage))
        case "concurrency":
            _expect(args, 1, usage)
            return ConcurrencyCommand(_on_off(args[0], usage))
        case "mode":
            _expect(args, 1, usage)
            mode = args[0].upper()
            modes: tuple[FunctionCallingMode, ...] = get_args(FunctionCallingMode)
            for choice in modes:
                if choice == mode:
                    return ModeCommand(choice)
            raise CommandError(f"Mode must be auto, any or none, not {args[0]!r}.")
        case "max":
            _expect(args, 1, usage)
            return MaxCommand(parse_max(args[0]))
        case "timeout":
            _expect(args, 1, usage)
            return TimeoutCommand(parse_timeout(args[0]))
        case "fault":
            _expect(args, 2, usage)
            return FaultCommand(_tool(args[0], tools), _preset(args[1]))
        case "replay":
            _expect(args, 1, usage)
            return ReplayCommand(Path(args[0]).expanduser())
    raise AssertionError(
        f"unhandled command {name}"
    )  # pragma: no cover - COMMAND_HELP is exhaustive


def _expect(args: list[str], count: int, usage: str) -> None:
    if len(args) != count:
        raise CommandError(f"Usage: {usage}")


def _on_off(word: str, usage: str) -> bool:
    lowered = word.lower()
    if lowered in _ON:
        return True
    if lowered in _OFF:
        return False
    raise CommandError(f"Expected on or off, not {word!r}. Usage: {usage}")


def parse_max(word: str) -> int:
    """A cap on concurrent calls, as typed (also used by the knob)."""
    try:
        n = int(word)
    except ValueError:
        raise CommandError(f"/max needs a whole number, not {word!r}.") from None
    if not 1 <= n <= MAX_CONCURRENT_LIMIT:
        raise CommandError(f"/max must be between 1 and {MAX_CONCURRENT_LIMIT:,}, not {n}.")
    return n


def parse_timeout(word: str) -> float | None:
    """Seconds, or None for off/none (also used by the knob)."""
    if word.lower() in _OFF | {"none"}:
        return None
    try:
        seconds = float(word.removesuffix("s"))
    except ValueError:
        raise CommandError(f"/timeout needs seconds (e.g. 2.5) or off, not {word!r}.") from None
    if not seconds > 0 or seconds != seconds or seconds == float("inf"):
        raise CommandError(f"/timeout must be a positive number of seconds, not {word!r}.")
    return seconds


def _tool(name: str, tools: Sequence[str]) -> str:
    if tools and name not in tools:
        hint = _did_you_mean(name, tools)
        raise CommandError(f"No tool named {name!r}.{hint} Tools: {', '.join(sorted(tools))}.")
    return name


def _preset(word: str) -> FaultPreset:
    presets: tuple[FaultPreset, ...] = get_args(FaultPreset)
    for preset in presets:
        if preset == word.lower():
            return preset
    raise CommandError(f"Fault must be one of {', '.join(presets)}, not {word!r}.")


def _did_you_mean(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" Did you mean {close[0]!r}?" if close else ""
