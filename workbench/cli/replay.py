"""``workbench replay``: a recorded session, in the app or as the terminal timeline."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workbench.cli.common import EXIT_OK, UsageError, speed, timeline_printer


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    replay = sub.add_parser("replay", help="replay a recorded session")
    replay.add_argument(
        "file", type=Path, help="a session .jsonl file, or a compare manifest (compare.json)"
    )
    replay.add_argument("--headless", action="store_true", help="print the timeline instead")
    replay.add_argument(
        "--speed", default="1", help="1, 2, 10 or instant (the app's starting speed)"
    )
    replay.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from workbench.compare.manifest import looks_like_manifest
    from workbench.session import SessionFormatError, load_session

    if looks_like_manifest(args.file):
        return _replay_comparison(args)

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


def _replay_comparison(args: argparse.Namespace) -> int:
    """A compare manifest: the variants side by side in the app, or each timeline then the table."""
    from workbench.compare.manifest import ManifestError, load_manifest
    from workbench.compare.replay import replay_variants
    from workbench.compare.report import describe_variant, render_table, verdict
    from workbench.render.printer import TerminalPrinter

    pace = speed(args.speed)
    try:
        manifest = load_manifest(args.file)
    except ManifestError as exc:
        raise UsageError(str(exc)) from None
    if not args.headless:
        from workbench.compare.requests import ReplayCompare
        from workbench.tui.app import create_app

        create_app(compare=ReplayCompare(args.file, speed=pace)).run()
        return EXIT_OK
    replayed = replay_variants(manifest)
    out = sys.stdout
    print(f"› {manifest.prompt}", file=out)
    print(f"comparison of {len(replayed)} variants, replayed from {args.file}", file=out)
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
