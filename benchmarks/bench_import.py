"""What ``workbench import`` costs: a 100,000-span trace against parsing the same file with the
protobuf classes alone.

Run: .venv/bin/python benchmarks/bench_import.py [spans]

Writes a synthetic pydantic-ai-shaped trace (benchmarks/trace_data.py: runs of 86 spans, 512 spans
a request) as OTLP JSON lines and as OTLP protobuf (the Collector's length-prefixed file), then, in
turn, best of 3 each, in CPU time (other work on a shared machine does not count) and wall time:

- floor: every request parsed by the official classes alone (``json_format.Parse`` of each line;
  ``ExportTraceServiceRequest.FromString`` of each message);
- parse + read (a reference, not the target's floor): the same, then every field the conversion
  needs read out of the parsed messages once into Python objects, and nothing else done with them
  (each span's ids, name, kind, times and status, each attribute's key and value, its events'
  names, its links' ids; each resource's attributes and scope): what any implementation with the
  official classes must at least spend in Python, so how much of the 3x is reachable at all;
- import: ``import_files`` (decode, spans, assemble, batches, events) and every session written by
  the recorder into a temporary directory, as the command does. Target: within 3x of the floor.
"""

from __future__ import annotations

import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import orjson
from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue
from trace_data import requests

from workbench.gcpolicy import paused
from workbench.traces.importer import import_files
from workbench.traces.write import write_session


def measure(fn: Callable[[], object]) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    fn()
    return time.process_time() - cpu, time.perf_counter() - wall


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    tmp = Path(tempfile.mkdtemp(prefix="bench-import-"))
    json_path, pb_path = tmp / "trace.otlp.jsonl", tmp / "trace.otlp.pb"
    spans = 0
    with json_path.open("wb") as jf, pb_path.open("wb") as pf:
        for document in requests(total):
            spans += len(document["resourceSpans"][0]["scopeSpans"][0]["spans"])
            jf.write(orjson.dumps(document) + b"\n")
            data = _protobuf(document)
            pf.write(len(data).to_bytes(4, "big") + data)
    print(
        f"{spans:,} spans; JSON lines {json_path.stat().st_size / 2**20:.1f} MiB, protobuf"
        f" {pb_path.stat().st_size / 2**20:.1f} MiB; {platform.python_version()}"
    )

    def floor_json() -> None:
        with paused():
            for line in json_path.read_bytes().splitlines():
                json_format.Parse(line, ExportTraceServiceRequest(), ignore_unknown_fields=True)

    def floor_pb(then: Callable[[ExportTraceServiceRequest], None] | None = None) -> None:
        data = pb_path.read_bytes()
        offset = 0
        while offset < len(data):
            size = int.from_bytes(data[offset : offset + 4], "big")
            request = ExportTraceServiceRequest.FromString(data[offset + 4 : offset + 4 + size])
            if then is not None:
                then(request)
            offset += 4 + size

    def read_json() -> None:
        with paused():
            for line in json_path.read_bytes().splitlines():
                request = ExportTraceServiceRequest()
                json_format.Parse(line, request, ignore_unknown_fields=True)
                read_fields(request)

    def read_pb() -> None:
        floor_pb(read_fields)

    def importer(path: Path) -> Callable[[], None]:
        def work(out: Path) -> None:
            result = import_files([path])
            for n, session in enumerate(result.sessions):
                write_session(session, out / f"{n}.jsonl")

        def go() -> None:
            out = Path(tempfile.mkdtemp(prefix="sessions-", dir=tmp))
            # As the command runs it: the collector paused, and everything freed before it resumes
            # (were the sessions still alive then, its first pass would walk them all).
            with paused():
                work(out)

        return go

    for label, floor, read, path in (
        ("JSON lines", floor_json, read_json, json_path),
        ("protobuf", floor_pb, read_pb, pb_path),
    ):
        floors, reads, imports = [], [], []
        for _ in range(3):
            floors.append(measure(floor))
            reads.append(measure(read))
            imports.append(measure(importer(path)))
        f_cpu, f_wall = min(c for c, _ in floors), min(w for _, w in floors)
        r_cpu = min(c for c, _ in reads)
        i_cpu, i_wall = min(c for c, _ in imports), min(w for _, w in imports)
        print(
            f"{label:>10}: floor {f_cpu * 1e3:,.0f} ms CPU ({f_wall * 1e3:,.0f} wall); import"
            f" {i_cpu * 1e3:,.0f} ms CPU ({i_wall * 1e3:,.0f} wall): {i_cpu / f_cpu:.2f}x CPU,"
            f" {i_wall / f_wall:.2f}x wall; {i_cpu / spans * 1e6:.1f} us CPU per span"
        )
        print(
            f"{'':>10}  parse + read {r_cpu * 1e3:,.0f} ms CPU: {r_cpu / f_cpu:.2f}x the floor"
            f" before any conversion; import {i_cpu / r_cpu:.2f}x it,"
            f" {(i_cpu - r_cpu) / spans * 1e6:.1f} us CPU per span on top"
        )


def read_fields(request: ExportTraceServiceRequest) -> None:
    """Every field the conversion reads, read once into a Python object, and nothing more."""
    for rs in request.resource_spans:
        for kv in rs.resource.attributes:
            _read_value(kv.key, kv.value)
        for ss in rs.scope_spans:
            ss.scope.name, ss.scope.version  # noqa: B018
            for span in ss.spans:
                span.trace_id, span.span_id, span.parent_span_id, span.name, span.kind  # noqa: B018
                span.start_time_unix_nano, span.end_time_unix_nano  # noqa: B018
                status = span.status
                status.code, status.message  # noqa: B018
                for kv in span.attributes:
                    _read_value(kv.key, kv.value)
                for event in span.events:
                    event.name  # noqa: B018
                for link in span.links:
                    link.trace_id, link.span_id  # noqa: B018


def _read_value(key: str, value: AnyValue) -> object:
    kind = value.WhichOneof("value")
    return getattr(value, kind) if kind is not None else None


def _protobuf(document: dict[str, object]) -> bytes:
    import base64

    for rs in document["resourceSpans"]:  # type: ignore[attr-defined]
        for ss in rs["scopeSpans"]:
            for span in ss["spans"]:
                for key in ("traceId", "spanId", "parentSpanId"):
                    if key in span:
                        span[key] = base64.b64encode(bytes.fromhex(span[key])).decode()
    message = json_format.ParseDict(document, ExportTraceServiceRequest())
    for rs in document["resourceSpans"]:  # type: ignore[attr-defined]
        for ss in rs["scopeSpans"]:
            for span in ss["spans"]:
                for key in ("traceId", "spanId", "parentSpanId"):
                    if key in span:
                        span[key] = base64.b64decode(span[key]).hex()
    return bytes(message.SerializeToString())


if __name__ == "__main__":
    main()
