"""What several subcommands share: exit codes, usage errors, argument types, profile loading, printers."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from workbench.config.profile import Profile
    from workbench.runtime import Runtime

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_PIPE = 141
"""Standard output was closed by its reader (``| head``): what a shell shows for a writer stopped
by SIGPIPE (128 + 13)."""
EXIT_TERMINATED = 143
"""SIGTERM: 128 + 15."""


def exit_for_signal(signum: int) -> int:
    """The exit code a shell shows for a process stopped by ``signum``: 130 for Ctrl-C, 143 for
    SIGTERM."""
    return 128 + signum


class UsageError(Exception):
    """Bad input from the user: exit 2 with this message."""


class Terminated(KeyboardInterrupt):
    """SIGTERM outside a turn (starting up, printing): unwinds like Ctrl-C, so ``finally`` blocks
    close what they opened, and the command exits 143."""


def raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated


def port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0 to 65535, not {value}")
    return value


def finite_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"not a finite number: {text!r}")
    return value


def non_negative_float(text: str) -> float:
    value = finite_float(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def positive_float(text: str) -> float:
    value = finite_float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


def input_path(text: str) -> Path:
    """A file to read: refused at once when it exists but is not a regular file (a named pipe
    would block the read, a device never ends); a missing file is left to the command's message."""
    from workbench.inputs import not_a_file

    path = Path(text)
    problem = not_a_file(path)
    if problem is not None and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} {problem}")
    return path


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
def interrupts(runtime: Runtime) -> Iterator[Callable[[], int | None]]:
    """The first Ctrl-C or SIGTERM (``kill``, ``timeout``, systemd, a container stopping) cancels
    the turn the way Esc does in the app, so the cancelled calls and the turn's totals are still
    printed and recorded; a second one stops at once (the task running the turn is cancelled).
    Yields a function that returns the signal that stopped the run, the last that arrived (a
    second SIGTERM after a Ctrl-C exits as SIGTERM does), or None."""
    loop = asyncio.get_running_loop()
    main = asyncio.current_task()
    received: list[int] = []

    def on_signal(signum: int) -> None:
        received.append(signum)
        if len(received) == 1 and runtime.cancel_turn():
            again = "Ctrl-C" if signum == signal.SIGINT else "a second signal"
            print(f"\ncancelling ({again} to stop at once)", file=sys.stderr)
        elif main is not None:
            main.cancel()

    wanted = (signal.SIGINT, signal.SIGTERM)
    previous = {signum: signal.getsignal(signum) for signum in wanted}
    installed: list[signal.Signals] = []
    try:
        for sig in wanted:
            loop.add_signal_handler(sig, on_signal, sig)
            installed.append(sig)
    except (NotImplementedError, RuntimeError):  # no signal handlers here (Windows, a thread)
        pass
    try:
        yield lambda: received[-1] if received else None
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
            # remove_signal_handler leaves the default behind, not what was there before.
            with contextlib.suppress(TypeError, ValueError):
                signal.signal(sig, previous[sig])


def silence_stdout() -> None:
    """The reader of our output has gone: what is still buffered, and anything printed later,
    goes nowhere, quietly (Python would otherwise complain at exit, flushing it)."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


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
