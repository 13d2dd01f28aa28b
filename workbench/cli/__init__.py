"""The ``workbench`` command: one module per subcommand.

Only argparse is imported at start so ``workbench --help`` stays fast; each subcommand imports what it
needs (and a vendor SDK only when its provider is used). Exit codes: 0 success, 1 a failure at run
time, 2 bad usage or an invalid profile, 130 interrupted (Ctrl-C), 141 standard output closed by its
reader (``| head``), 143 terminated (SIGTERM). Errors are one paragraph, never a traceback.

To add a subcommand: write ``workbench/cli/<name>.py`` with ``register(sub)`` (adds its parser and
``set_defaults(func=run)``) and ``run(args) -> int``, and name the module in :data:`SUBCOMMANDS`.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from workbench.cli.common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PIPE,
    EXIT_TERMINATED,
    EXIT_USAGE,
    Terminated,
    UsageError,
    raise_terminated,
    silence_stdout,
)

SUBCOMMANDS: tuple[str, ...] = (
    "run",
    "compare",
    "demo",
    "profiles",
    "providers",
    "sessions",
    "replay",
    "analyze",
    "stats",
    "emulate",
    "export",
    "import_traces",
    "listen",
    "mcp",
)
"""Modules of this package that each add one subcommand, in the order ``--help`` lists them."""


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors on one line (``workbench run: error: …``) instead of the usage
    block above them; ``--help`` still shows the usage."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _add_app_options(parser: argparse.ArgumentParser) -> None:
    """The options of the command itself (the app's), before any subcommand."""
    parser.add_argument("--profile", "-p", help="profile name or YAML path (default: local)")
    parser.add_argument("--record", type=Path, metavar="PATH", help="record the session here")
    parser.add_argument(
        "--overwrite",
        dest="app_overwrite",
        action="store_true",
        help="let --record replace an existing session file",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="workbench",
        description="See, and prove, what parallel tool calling does. With no command, opens the app.",
    )
    _add_app_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        importlib.import_module(f"workbench.cli.{name}").register(sub)
    return parser


class _NotTheApp(Exception):
    pass


class _AppParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _NotTheApp(message)


def app_args(argv: Sequence[str]) -> argparse.Namespace | None:
    """``argv`` parsed as :func:`build_parser` would, if it holds only the app's own options (no
    subcommand, no ``--help``, nothing wrong): the app's first frame then does not wait for every
    subcommand's module (~25 ms). None otherwise: the whole parser parses it, and says what is
    wrong."""
    parser = _AppParser(add_help=False)
    _add_app_options(parser)
    try:
        args, rest = parser.parse_known_args(list(argv))
    except _NotTheApp:
        return None
    if rest:
        return None
    args.command = None
    return args


def main(argv: Sequence[str] | None = None) -> int:
    restore = _process_signals()
    try:
        given = sys.argv[1:] if argv is None else list(argv)
        args = app_args(given) or build_parser().parse_args(given)
        if args.version:
            from workbench import __version__

            print(f"workbench {__version__}")
            sys.stdout.flush()
            return EXIT_OK
        func = getattr(args, "func", None)
        if func is None:
            from workbench.cli.app import run_app

            result: int = run_app(args)
        else:
            result = func(args)
        sys.stdout.flush()  # a closed pipe is found here, not at exit
        return result
    except UsageError as exc:
        print(f"workbench: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except Terminated:
        print("\nworkbench: terminated", file=sys.stderr)
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        print("\nworkbench: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        silence_stdout()
        return EXIT_PIPE
    except OSError as exc:  # a file the command could not use that nothing nearer named: one line
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"workbench: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        restore()


def _process_signals() -> Callable[[], None]:
    """SIGTERM unwinds like Ctrl-C (a running turn is cancelled and closed: see
    ``common.interrupts``); a file over the size limit (``ulimit -f``) is a failed write, reported
    like a full disk, instead of a signal that kills the process. Returns what undoes it, so a
    test calling :func:`main` leaves the process as it found it."""
    wanted: dict[signal.Signals, Any] = {signal.SIGTERM: raise_terminated}
    if hasattr(signal, "SIGXFSZ"):  # not on Windows
        wanted[signal.SIGXFSZ] = signal.SIG_IGN
    previous: dict[signal.Signals, Any] = {}
    with contextlib.suppress(ValueError):  # not the main thread: leave signals alone
        for signum, handler in wanted.items():
            previous[signum] = signal.signal(signum, handler)

    def restore() -> None:
        for signum, handler in previous.items():
            with contextlib.suppress(TypeError, ValueError):
                signal.signal(signum, handler)

    return restore


__all__ = ["build_parser", "main"]
