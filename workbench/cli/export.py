"""``workbench export``: a recorded session as OTLP JSON lines, a Perfetto/Chrome trace, or POSTed to
an OpenTelemetry collector."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from workbench.cli.common import EXIT_FAILED, EXIT_OK, UsageError, input_path, positive_float

if TYPE_CHECKING:
    from workbench.export.files import Format


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = sub.add_parser(
        "export",
        help="a session as OpenTelemetry spans or a Perfetto trace, to a file or a collector",
        description=(
            "Export a recorded session: --format otlp writes OTLP JSON lines (one trace per turn, "
            "GenAI span names and attributes), --format chrome a trace for ui.perfetto.dev or "
            "chrome://tracing; --otlp-endpoint POSTs the spans to an OTLP/HTTP collector. "
            "Arguments, results and prompts are left out unless --include-content."
        ),
    )
    export.add_argument("file", type=input_path, help="a session .jsonl file")
    export.add_argument(
        "--format", "-f", choices=["otlp", "chrome"], help="what to write (default: from -o)"
    )
    export.add_argument(
        "--output",
        "-o",
        type=Path,
        metavar="PATH",
        help="where to write (default: beside the session, .otlp.jsonl or .trace.json)",
    )
    export.add_argument(
        "--otlp-endpoint",
        metavar="URL",
        help="send to this OTLP/HTTP collector, e.g. http://127.0.0.1:4318",
    )
    export.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a request header for the collector (repeatable), e.g. Authorization=Basic …",
    )
    export.add_argument(
        "--include-content",
        action="store_true",
        help="include prompts, answers, tool arguments and results (cut to 4096 characters each)",
    )
    export.add_argument(
        "--protocol",
        choices=["http/protobuf", "http/json", "grpc"],
        help="how to send (default: OTEL_EXPORTER_OTLP_PROTOCOL, else http/protobuf; Phoenix takes"
        " only http/protobuf)",
    )
    export.add_argument(
        "--project",
        metavar="NAME",
        help="the Arize Phoenix project to file the spans under (openinference.project.name;"
        " default: the profile's telemetry.project)",
    )
    export.add_argument(
        "--timeout",
        type=positive_float,
        default=None,
        metavar="S",
        help="collector timeout per request (default: OTEL_EXPORTER_OTLP_TIMEOUT, else 10 s)",
    )
    export.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from workbench.export.endpoint import parse_headers
    from workbench.export.files import default_path, write
    from workbench.export.source import read_session_spans
    from workbench.session import SessionError

    fmt: Format | None = args.format or _format_from(args.output)
    if fmt is None and args.otlp_endpoint is None:
        raise UsageError(
            "say what to export to: --format otlp|chrome (a file), or --otlp-endpoint URL"
        )
    try:
        headers = parse_headers(args.header)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if headers and args.otlp_endpoint is None:
        raise UsageError("--header only applies with --otlp-endpoint")
    if args.timeout is not None and not args.timeout > 0:
        raise UsageError("--timeout must be a positive number of seconds")
    if args.otlp_endpoint is not None:
        _check_endpoint(args.otlp_endpoint)
    out: Path | None = None
    if fmt is not None:
        out = args.output or default_path(args.file, fmt)
        if _same_file(out, args.file):
            raise UsageError(
                f"-o {out} is the session being exported: writing it would destroy it"
                " (give another path)"
            )
    try:
        spans = read_session_spans(args.file)
    except SessionError as exc:
        raise UsageError(str(exc)) from None
    for problem in spans.problems:
        print(f"workbench: {args.file}: {problem}", file=sys.stderr)
    if args.project is not None:
        spans.project = args.project

    if out is not None:
        assert fmt is not None
        try:
            written = write(spans, fmt, out, include_content=args.include_content)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise UsageError(f"cannot write {out}: {reason}") from None
        print(written)
    if args.otlp_endpoint is not None:
        import os

        from workbench.config.profile import redact_url
        from workbench.export.endpoint import destination
        from workbench.export.otlp_send import ExportError, send_otlp

        try:
            target = destination(
                os.environ,
                endpoint=args.otlp_endpoint,
                headers=headers or None,
                timeout_s=args.timeout,
                protocol=args.protocol,
            )
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        try:
            sent = send_otlp(spans, target, include_content=args.include_content)
        except ExportError as exc:
            print(f"workbench: {exc}", file=sys.stderr)
            return EXIT_FAILED
        print(f"sent {sent:,} spans to {redact_url(target.url)} ({target.protocol})")
    return EXIT_OK


def _check_endpoint(url: str) -> None:
    """A usage error unless ``url`` is an http(s) URL whose host and port parse."""
    wanted = "--otlp-endpoint must be an http:// or https:// URL, like http://127.0.0.1:4318"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsing the port is the check (ValueError when out of range)
    except ValueError as exc:
        raise UsageError(f"{wanted}; {url!r} is not one ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(wanted)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _format_from(output: Path | None) -> Format | None:
    if output is None:
        return None
    name = output.name
    if name.endswith(".jsonl"):
        return "otlp"
    if name.endswith(".json"):
        return "chrome"
    return None
