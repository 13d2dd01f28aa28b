"""What several subcommands share: exit codes, usage errors, argument types, profile loading, printers."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from workbench.config.profile import Profile
    from workbench.runtime import Runtime

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class UsageError(Exception):
    """Bad input from the user: exit 2 with this message."""


def positive_int(text: str) -> int:
    value = non_negative_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def load_profile(name: str | None) -> Profile:
    """The named profile (or the default), or a :class:`UsageError` naming file, line and field."""
    from workbench.config import DEFAULT_PROFILE, ProfileError, resolve_profile

    try:
        return resolve_profile(name or DEFAULT_PROFILE)
    except ProfileError as exc:
        raise UsageError(str(exc)) from None


def speed(text: str) -> float | None:
    """A replay speed: a positive factor, or None for instant."""
    if text.lower() in {"instant", "max", "inf"}:
        return None
    try:
        value = float(text.rstrip("x×"))
    except ValueError:
        raise UsageError(f"--speed takes 1, 2, 10 or instant, not {text!r}") from None
    if value <= 0:
        raise UsageError("--speed must be more than 0")
    return value


@contextlib.contextmanager
def interrupts(runtime: Runtime) -> Iterator[Callable[[], bool]]:
    """The first Ctrl-C cancels the turn the way Esc does in the app, so the cancelled calls and the
    turn's totals are still printed and recorded; a second one stops at once."""
    loop = asyncio.get_running_loop()
    main = asyncio.current_task()
    count = 0

    def on_interrupt() -> None:
        nonlocal count
        count += 1
        if count == 1 and runtime.cancel_turn():
            print("\ncancelling (Ctrl-C again to stop at once)", file=sys.stderr)
        elif main is not None:
            main.cancel()

    try:
        loop.add_signal_handler(signal.SIGINT, on_interrupt)
    except (NotImplementedError, RuntimeError):  # no signal handlers here (Windows, a thread)
        yield lambda: False
        return
    try:
        yield lambda: count > 0
    finally:
        loop.remove_signal_handler(signal.SIGINT)


def timeline_printer(out: TextIO) -> Callable[[Any], None]:
    """Prints events as the terminal timeline ``run`` shows."""
    from workbench.render.printer import TerminalPrinter

    return TerminalPrinter(out).handle


def json_printer(out: TextIO) -> Callable[[Any], None]:
    """Prints every event as one JSON line."""

    def emit(event: Any) -> None:
        out.write(event.model_dump_json())
        out.write("\n")
        out.flush()

    return emit
