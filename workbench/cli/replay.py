"""``workbench replay``: a recorded session, in the app or as the terminal timeline."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workbench.cli.common import EXIT_OK, UsageError, speed, timeline_printer


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    replay = sub.add_parser("replay", help="replay a recorded session")
    replay.add_argument("file", type=Path, help="a session .jsonl file")
    replay.add_argument("--headless", action="store_true", help="print the timeline instead")
    replay.add_argument(
        "--speed", default="1", help="1, 2, 10 or instant (the app's starting speed)"
    )
    replay.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from workbench.session import SessionFormatError, load_session

    pace = speed(args.speed)
    try:
        session = load_session(args.file)
    except (SessionFormatError, OSError) as exc:
        raise UsageError(str(exc)) from None
    for problem in session.problems:
        print(f"workbench: {args.file}: {problem}", file=sys.stderr)
    if not args.headless:
        from workbench.tui.app import create_app

        create_app(replay=args.file, replay_speed=pace).run()
        return EXIT_OK
    printer = timeline_printer(sys.stdout)
    for event in session.events:
        printer(event)
    return EXIT_OK
