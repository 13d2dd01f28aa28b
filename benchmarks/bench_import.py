"""What ``workbench import`` costs: a 100,000-span trace against parsing the same file with the
protobuf classes alone.

Run: .venv/bin/python benchmarks/bench_import.py [spans]

Writes a synthetic pydantic-ai-shaped trace (benchmarks/trace_data.py: runs of 86 spans, 512 spans
a request) as OTLP JSON lines and as OTLP protobuf (the Collector's length-prefixed file), then, in
turn, best of 3 each, in CPU time (other work on a shared machine does not count) and wall time:

- floor: every request parsed by the official classes alone (``json_format.Parse`` of each line;
  ``ExportTraceServiceRequest.FromString`` of each message);
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

    def floor_pb() -> None:
        data = pb_path.read_bytes()
        offset = 0
        while offset < len(data):
            size = int.from_bytes(data[offset : offset + 4], "big")
            ExportTraceServiceRequest.FromString(data[offset + 4 : offset + 4 + size])
            offset += 4 + size

    def importer(path: Path) -> Callable[[], None]:
        def go() -> None:
            out = Path(tempfile.mkdtemp(prefix="sessions-", dir=tmp))
            with paused():
                result = import_files([path])
                for n, session in enumerate(result.sessions):
                    write_session(session, out / f"{n}.jsonl")

        return go

    for label, floor, path in (
        ("JSON lines", floor_json, json_path),
        ("protobuf", floor_pb, pb_path),
    ):
        floors, imports = [], []
        for _ in range(3):
            floors.append(measure(floor))
            imports.append(measure(importer(path)))
        f_cpu, f_wall = min(c for c, _ in floors), min(w for _, w in floors)
        i_cpu, i_wall = min(c for c, _ in imports), min(w for _, w in imports)
        print(
            f"{label:>10}: floor {f_cpu * 1e3:,.0f} ms CPU ({f_wall * 1e3:,.0f} wall); import"
            f" {i_cpu * 1e3:,.0f} ms CPU ({i_wall * 1e3:,.0f} wall): {i_cpu / f_cpu:.2f}x CPU,"
            f" {i_wall / f_wall:.2f}x wall; {i_cpu / spans * 1e6:.1f} us CPU per span"
        )


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
