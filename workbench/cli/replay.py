"""``workbench replay``: a recorded session, in the app or as the terminal timeline.

With no file the app opens on the session browser; ``--last`` takes the newest session of the
sessions directory (or ``--dir``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.cli.common import EXIT_OK, UsageError, input_path, speed

if TYPE_CHECKING:
    from workbench.core.events import Event


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    replay = sub.add_parser(
        "replay",
        help="replay a recorded session",
        description="Replay a recorded session. With no FILE the app opens on the session browser.",
    )
    replay.add_argument(
        "file",
        type=input_path,
        nargs="?",
        help="a session .jsonl file, or a compare manifest (compare.json)",
    )
    replay.add_argument("--last", action="store_true", help="the newest recorded session")
    replay.add_argument(
        "--dir", type=Path, metavar="DIR", help="where --last and the browser look for sessions"
    )
    replay.add_argument("--headless", action="store_true", help="print the timeline instead")
    replay.add_argument(
        "--turn-axis",
        action="store_true",
        help="with --headless: each turn on one time axis, its wall time split into model, tools,"
        " overlap and idle",
    )
    replay.add_argument(
        "--speed", default="1", help="1, 2, 10 or instant (the app's starting speed)"
    )
    replay.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from workbench.compare.manifest import looks_like_manifest
    from workbench.session import SessionFormatError, load_session

    pace = speed(args.speed)
    if args.file is not None and args.last:
        raise UsageError("replay takes a FILE or --last, not both")
    if args.turn_axis and not args.headless:
        raise UsageError(
            "--turn-axis prints the split: use it with --headless (in the app, press t)"
        )
    path: Path | None = args.file
    if args.last:
        path = last_session(args.dir)
    if path is None:
        if args.headless:
            raise UsageError(
                "replay --headless needs a FILE or --last (`workbench sessions` lists them)"
            )
        from workbench.tui.app import create_app

        return create_app(
            browse_sessions=True, sessions_dir=args.dir, replay_speed=pace
        ).run_to_exit_code()
    if looks_like_manifest(path):
        if args.turn_axis:
            raise UsageError("--turn-axis takes a session file, not a compare manifest")
        return _replay_comparison(args, path)
    try:
        session = load_session(path)
    except (SessionFormatError, OSError) as exc:
        raise UsageError(str(exc)) from None
    for problem in session.problems:
        print(f"workbench: {path}: {problem}", file=sys.stderr)
    if not args.headless:
        from workbench.tui.app import create_app

        return create_app(replay=path, replay_speed=pace).run_to_exit_code()
    if args.turn_axis:
        print_turn_axes(session.events)
        return EXIT_OK
    from workbench.render.printer import TerminalPrinter

    printer = TerminalPrinter(sys.stdout)
    for event in session.events:
        printer.handle(event)
    printer.end()  # a recording cut short says which batch was running
    return EXIT_OK


def last_session(directory: Path | None) -> Path:
    """The newest readable session, or compare run (its manifest), or a :class:`UsageError`."""
    from workbench.session.listing import list_rows

    listing = list_rows(directory)
    for row in listing.rows:
        if row.sessions:
            return row.path
    where = listing.directory
    raise UsageError(
        f"no recorded sessions in {where}"
        if listing.exists
        else f"no sessions: {where} does not exist"
    )


def print_turn_axes(events: Sequence[Event]) -> None:
    from workbench.render.printer import color_default, width_default
    from workbench.render.turn_axis import LEGEND, TurnAxisBuilder, render_turn_axis

    color = color_default(sys.stdout)
    builder = TurnAxisBuilder()
    for event in events:
        builder.apply(event)
    interruption = builder.fold.end()  # a recording: a turn still open was cut short
    axes = builder.axes()
    if not axes:
        print("no turns in this session")
        return
    print(LEGEND)
    for axis in axes:
        print()
        for line in render_turn_axis(axis, width=width_default(), color=color):
            print(line)
    if interruption is not None:
        print()
        print(interruption.sentence())


def _replay_comparison(args: argparse.Namespace, path: Path) -> int:
    """A compare manifest: the variants side by side in the app, or each timeline then the table."""
    from workbench.compare.manifest import ManifestError, load_manifest
    from workbench.compare.replay import replay_variants
    from workbench.compare.report import describe_variant, render_table, verdict
    from workbench.render.printer import TerminalPrinter

    pace = speed(args.speed)
    try:
        manifest = load_manifest(path)
    except ManifestError as exc:
        raise UsageError(str(exc)) from None
    if not args.headless:
        from workbench.compare.requests import ReplayCompare
        from workbench.tui.app import create_app

        return create_app(compare=ReplayCompare(path, speed=pace)).run_to_exit_code()
    replayed = replay_variants(manifest)
    out = sys.stdout
    print(f"› {manifest.prompt}", file=out)
    print(f"comparison of {len(replayed)} variants, replayed from {path}", file=out)
    for item in replayed:
        for problem in item.problems:
            print(f"workbench: {problem}", file=sys.stderr)
        print(f"\n━━ {describe_variant(item.run)} ━━", file=out)
        printer = TerminalPrinter(out, echo_prompt=False)
        for event in item.events:
            printer.handle(event)
    runs = [item.run for item in replayed]
    print("", file=out)
    print("\n".join(render_table(runs)), file=out)
    print("", file=out)
    print(verdict(runs), file=out)
    return EXIT_OK
