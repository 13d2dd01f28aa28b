"""``workbench emulate``: the loopback server speaking the four provider APIs."""

from __future__ import annotations

import argparse
import sys

from workbench.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    non_negative_float,
    non_negative_int,
    port,
)


def http_status(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an HTTP status: {text!r}") from None
    if not 100 <= value <= 599:
        raise argparse.ArgumentTypeError(f"an HTTP status is 100 to 599, not {value}")
    return value


def times(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < -1:
        raise argparse.ArgumentTypeError("-1 (forever) or a count, not less")
    return value


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    emulate = sub.add_parser("emulate", help="serve the four provider APIs on loopback")
    emulate.add_argument("--port", type=port, default=8765, help="port on 127.0.0.1 (default 8765)")
    emulate.add_argument(
        "--chunk-delay-ms",
        type=non_negative_float,
        default=20.0,
        help="pause between streamed chunks",
    )
    emulate.add_argument(
        "--claude-platform",
        choices=["anthropic", "bedrock", "vertex"],
        default="anthropic",
        help="answer the Messages API as Claude there does (bedrock, vertex: refuse "
        "disable_parallel_tool_use)",
    )
    bad = emulate.add_argument_group("misbehaving (to try the error paths)")
    bad.add_argument(
        "--fail", type=http_status, metavar="STATUS", help="answer with this HTTP status"
    )
    bad.add_argument(
        "--times", type=times, default=1, help="for how many requests (-1: forever; default 1)"
    )
    bad.add_argument(
        "--drop-after", type=non_negative_int, metavar="N", help="cut streams after N events"
    )
    bad.add_argument(
        "--error-after", type=non_negative_int, metavar="N", help="error event after N events"
    )
    bad.add_argument(
        "--first-byte-delay", type=non_negative_float, default=0.0, metavar="S", help="stall first"
    )
    emulate.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from workbench.emulator.server import Misbehaviour, serve_forever

    misbehaviour = None
    if (
        args.fail is not None
        or args.drop_after is not None
        or args.error_after is not None
        or args.first_byte_delay
    ):
        misbehaviour = Misbehaviour(
            status=args.fail,
            times=args.times,
            retry_after_ms=1 if args.fail in (429, 500, 502, 503, 529) else None,
            first_byte_delay_s=args.first_byte_delay,
            drop_after_events=args.drop_after,
            error_event_after=args.error_after,
        )
    try:
        serve_forever(
            args.port,
            chunk_delay_s=args.chunk_delay_ms / 1000.0,
            misbehaviour=misbehaviour,
            claude_platform=args.claude_platform,
        )
    except OSError as exc:
        print(f"workbench: cannot serve on 127.0.0.1:{args.port}: {exc.strerror}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK
