"""The knob flags of ``workbench run`` (``--max-concurrent 4``), generated from the knob table.

Each knob of :data:`workbench.core.knobs.TABLE` declares its flags; a value is read by the knob's own
parser, so ``--tool-timeout 0`` means what ``/timeout 0`` and ``timeout=0`` in a variant mean. Only
the table is imported while the parser is built (no pydantic): bounds are read when a value is.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from workbench.core.knobs import TABLE, KnobChange
from workbench.core.knobs import Knob as KnobEntry


def dest(entry: KnobEntry) -> str:
    """Where the knob's value lands in the parsed arguments (None: not given)."""
    return f"knob_{entry.name}"


def add_knob_flags(parser: argparse.ArgumentParser) -> None:
    """Every knob's flags on ``parser``: a switch's on and off flags exclude each other; a fault
    may be given again for each tool."""
    for entry in TABLE:
        flags = entry.flags
        if all(flag.value is not None for flag in flags):
            group = parser.add_mutually_exclusive_group()
            for flag in flags:
                assert flag.value is not None
                group.add_argument(
                    flag.name,
                    dest=dest(entry),
                    action="store_const",
                    const=entry.kind.parse(entry, flag.value),
                    default=None,
                    help=flag.help,
                )
            continue
        for flag in flags:
            repeat = entry.field == "faults"
            parser.add_argument(
                flag.name,
                dest=dest(entry),
                type=_reader(entry),
                action="append" if repeat else "store",
                default=[] if repeat else None,
                metavar=entry.kind.metavar,
                help=flag.help,
            )


def _reader(entry: KnobEntry) -> Callable[[str], Any]:
    def read(text: str) -> Any:
        try:
            return entry.kind.parse(entry, text.strip())
        except ValueError as exc:  # argparse puts "argument --max-concurrent:" before it
            raise argparse.ArgumentTypeError(f"{exc}; it takes {entry.describe()}") from None

    read.__name__ = entry.name  # argparse names the type in some of its messages
    return read


def knob_change(args: argparse.Namespace) -> KnobChange:
    """The knobs the flags turned, as one change (empty when no knob flag was given)."""
    change = KnobChange()
    for entry in TABLE:
        given = getattr(args, dest(entry), None)
        if entry.field == "faults":
            for pairs in given or ():
                change = change.then(entry.change(pairs))
        elif given is not None:
            change = change.then(entry.change(given))
    return change


def flag_for_field(field: str) -> str | None:
    """The flag that sets the profile field ``field`` (for an error the profile gives)."""
    for entry in TABLE:
        if entry.profile_field == field:
            return entry.flags[0].name
    return None
