"""``workbench sessions``: the recorded sessions, newest first, as a table or JSON.

Reads headers and a one-pass summary of each file, kept in a small index beside the sessions
(workbench/session/index.py), so listing a large directory a second time reads only what changed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from workbench.cli.common import EXIT_OK

if TYPE_CHECKING:
    from workbench.session.listing import Listing, SessionRow


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sessions = sub.add_parser(
        "sessions",
        help="list recorded sessions, newest first",
        description="List recorded sessions, newest first: when, profile, provider and model, the "
        "first prompt, turns, calls, failed calls, wall (the turns' wall times summed, idle time "
        "between turns not counted), span (start to last event, idle time included) and file size.",
    )
    sessions.add_argument(
        "--dir", type=Path, metavar="DIR", help="the sessions directory (default: the data dir's)"
    )
    sessions.add_argument("--json", action="store_true", help="print one JSON array")
    sessions.add_argument(
        "--grep", metavar="TEXT", help="only sessions whose prompts mention TEXT (any case)"
    )
    sessions.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from workbench.render.listing import format_table
    from workbench.session.listing import list_rows

    listing = list_rows(args.dir)
    rows = listing.rows if args.grep is None else listing.grep(args.grep)
    if args.json:
        print(json.dumps([row.to_json() for row in rows], ensure_ascii=False, indent=1))
        _notes(listing, rows, args.grep, sys.stderr)
        return EXIT_OK
    width = max(60, shutil.get_terminal_size((120, 24)).columns)
    for line in format_table(rows, width):
        print(line)
    _notes(listing, rows, args.grep, sys.stdout)
    return EXIT_OK


def _notes(listing: Listing, rows: list[SessionRow], grep: str | None, out: TextIO) -> None:
    if not listing.exists:
        print(f"no sessions: {listing.directory} does not exist", file=out)
    elif not listing.rows:
        print(f"no sessions in {listing.directory}", file=out)
    elif not rows:
        print(f"no session's prompts mention {grep!r} ({len(listing.rows)} listed)", file=out)
    if listing.skipped:
        n = len(listing.skipped)
        print(
            f"skipped {n} {'file' if n == 1 else 'files'} that {'is' if n == 1 else 'are'} not a"
            " readable workbench session",
            file=out,
        )
