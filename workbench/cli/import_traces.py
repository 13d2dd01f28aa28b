"""``workbench import``: other agents' OpenTelemetry traces (OTLP JSON or protobuf) as Workbench
sessions, so replay, analyze, stats, export and sessions work on any agent."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workbench.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "import",
        help="OpenTelemetry GenAI traces (pydantic-ai, OpenAI Agents, ...) as sessions",
        description=(
            "Read OTLP traces (JSON lines, one JSON document, or protobuf; gzip or not) written by "
            "any agent's OpenTelemetry instrumentation, and write one session per agent run (the "
            "runs of one gen_ai.conversation.id become the turns of one session). Round trips are "
            "the model spans; a batch is the calls a response emitted, matched by call id, or by "
            "time where the trace has none. The paths written are printed."
        ),
    )
    parser.add_argument("traces", nargs="+", type=Path, metavar="TRACE", help="a trace file")
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "-o", "--output", type=Path, metavar="SESSION", help="the session file, when there is one"
    )
    where.add_argument(
        "--dir", type=Path, metavar="DIR", help="where to write (default: the sessions directory)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from workbench.gcpolicy import paused

    # Every span, run and event made lives until its session is written: the collector's passes
    # over them find nothing to free, and cost as much as the import itself (measured: 5.8 s of
    # CPU for 100,000 spans with them, 3.2 s without).
    with paused():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    from workbench.session import SessionError
    from workbench.traces.importer import ImportFailure, import_files
    from workbench.traces.write import default_path, write_session

    try:
        result = import_files(list(args.traces))
    except ImportFailure as exc:
        print(f"workbench import: {exc}", file=sys.stderr)
        return EXIT_USAGE
    sessions = result.sessions
    if args.output is not None and len(sessions) > 1:
        raise UsageError(
            f"the traces hold {len(sessions)} agent runs; -o names one file: use --dir DIR instead"
        )
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    for session in sessions:
        path = args.output if args.output is not None else default_path(session, args.dir)
        try:
            write_session(session, path)
        except SessionError as exc:
            print(f"workbench import: {exc}", file=sys.stderr)
            return EXIT_FAILED
        print(f"{path}  {summary_line(session)}")
        for note in session.notes:
            print(f"  note: {note}", file=sys.stderr)
    return EXIT_OK


def summary_line(session: object) -> str:
    from workbench.traces.convert import ImportedSession

    assert isinstance(session, ImportedSession)
    source = session.source
    who = source.get("agent") or session.profile.get("name")
    framework = source.get("scope") or "OTLP"
    turns = len(session.runs)
    parts = [
        f"{who} ({framework})",
        f"{session.profile.get('model')}",
        f"{turns} run{'s' if turns != 1 else ''}",
        f"{session.round_trips} round trip{'s' if session.round_trips != 1 else ''}",
        f"{session.batches} batch{'es' if session.batches != 1 else ''}",
        f"{session.calls} call{'s' if session.calls != 1 else ''}",
        f"{session.failures} failed",
        session.status if session.complete else "incomplete",
        f"batches by {source.get('batches_by')}",
    ]
    return " · ".join(parts)
