"""The ``workbench`` command: one module per subcommand.

Only argparse is imported at start so ``workbench --help`` stays fast; each subcommand imports what it
needs (and a vendor SDK only when its provider is used). Exit codes: 0 success, 1 a failure at run
time, 2 bad usage or an invalid profile, 130 interrupted. Errors are one paragraph, never a traceback.

To add a subcommand: write ``workbench/cli/<name>.py`` with ``register(sub)`` (adds its parser and
``set_defaults(func=run)``) and ``run(args) -> int``, and name the module in :data:`SUBCOMMANDS`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from workbench.cli.common import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, UsageError

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workbench",
        description="See, and prove, what parallel tool calling does. With no command, opens the app.",
    )
    parser.add_argument("--profile", "-p", help="profile name or YAML path (default: local)")
    parser.add_argument("--record", type=Path, metavar="PATH", help="record the session here")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        importlib.import_module(f"workbench.cli.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from workbench import __version__

        print(f"workbench {__version__}")
        return EXIT_OK
    try:
        func = getattr(args, "func", None)
        if func is None:
            from workbench.cli.app import run_app

            return run_app(args)
        result: int = func(args)
        return result
    except UsageError as exc:
        print(f"workbench: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("\nworkbench: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


__all__ = ["build_parser", "main"]
