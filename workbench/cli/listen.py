"""``workbench listen``: an OTLP/HTTP receiver on 127.0.0.1 that turns every agent run whose spans
arrive into a recorded session, and prints its batch timeline when it ends."""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from workbench.cli.common import EXIT_FAILED, EXIT_OK, UsageError

if TYPE_CHECKING:
    from workbench.traces.live import LiveRun


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "listen",
        help="receive OpenTelemetry traces from any agent (OTLP/HTTP) as sessions, live",
        description=(
            "An OTLP/HTTP receiver (POST /v1/traces, protobuf or JSON, gzip or not). Point an "
            "instrumented agent at it with OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318; each "
            "agent run becomes a session (as `workbench import` converts it) when its root span "
            "ends, or after --idle seconds without a span (noted incomplete). The app lists the "
            "runs as they arrive (Enter opens one that has ended, q stops); --headless prints each "
            "run's batch timeline instead. Stopping writes what is still open as incomplete."
        ),
    )
    parser.add_argument("--port", type=int, default=4318, help="port (default 4318; 0: any free)")
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1; another interface only when named here)",
    )
    parser.add_argument(
        "--dir",
        type=Path,
        metavar="DIR",
        help="where sessions go (default: the sessions directory)",
    )
    parser.add_argument(
        "--idle",
        type=float,
        default=30.0,
        metavar="S",
        help="close a run with no span for this long, as incomplete (default 30 s)",
    )
    parser.add_argument(
        "--headless", action="store_true", help="print each run in the terminal (no app)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from workbench.traces.live import LiveRuns
    from workbench.traces.receiver import Listener, bind

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: not a port number (0-65535)")
    if args.idle <= 0:
        raise UsageError("--idle must be more than 0 seconds")
    out = sys.stdout
    on_closed = (lambda row: print_run(row, out)) if args.headless else None
    live = LiveRuns(args.dir, idle_s=args.idle, on_closed=on_closed)
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        print(
            f"workbench listen: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    listener = Listener(live, sock)
    if not args.headless:
        from workbench.tui.app import create_app

        create_app(listen=(listener, args.host), replay_speed=None).run()
        return EXIT_OK
    where = args.dir if args.dir is not None else "the sessions directory"
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(
        f"listening on http://{shown}:{listener.port}/v1/traces (OTLP/HTTP, protobuf or JSON);"
        f" sessions go to {where}. Point an agent at it with"
        f" OTEL_EXPORTER_OTLP_ENDPOINT=http://{shown}:{listener.port}",
        file=out,
        flush=True,
    )
    if not _loopback(args.host):
        print(f"warning: listening on {args.host}, not only this machine", file=sys.stderr)
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn takes the first Ctrl-C and stops
        asyncio.run(listener.run())
    return EXIT_OK


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def print_run(row: LiveRun, out: TextIO) -> None:
    """One line for the run, then its batch timeline, as ``run`` prints it."""
    from workbench.cli.import_traces import summary_line
    from workbench.render.printer import TerminalPrinter

    session = row.session
    if session is None:
        return
    where = str(row.path) if row.path is not None else f"(not written: {row.error})"
    print(f"\n{where}  {summary_line(session)}", file=out)
    printer = TerminalPrinter(out)
    for event in session.events:
        printer.handle(event)
    for note in row.notes:
        print(f"  note: {note}", file=out)
    out.flush()
