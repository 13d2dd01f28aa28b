"""Reading what the exporters wrote: Chrome trace checks, and OTLP JSON into the official protobufs."""

from __future__ import annotations

import base64
import json
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span, TracesData

from workbench.core.events import CallFinished
from workbench.session import load_session


def partial_overlaps(trace: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Pairs of X slices on one thread that overlap without nesting (Perfetto's overflow case)."""
    by_thread: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for event in trace["traceEvents"]:
        if event["ph"] == "X":
            by_thread[(event["pid"], event["tid"])].append(event)
    bad = []
    for slices in by_thread.values():
        slices.sort(key=lambda e: (e["ts"], -e["dur"]))
        stack: list[dict[str, Any]] = []
        for event in slices:
            while stack and stack[-1]["ts"] + stack[-1]["dur"] <= event["ts"]:
                stack.pop()
            if stack and event["ts"] + event["dur"] > stack[-1]["ts"] + stack[-1]["dur"]:
                bad.append((stack[-1], event))
            stack.append(event)
    return bad


def finished_calls(path: Path) -> list[CallFinished]:
    return [e for e in load_session(path).events if isinstance(e, CallFinished)]


def traces_from_file(path: Path) -> list[TracesData]:
    """Each line of an OTLP JSON-lines file as the official ``TracesData`` message."""
    out = []
    for line in path.read_text().splitlines():
        doc = json.loads(line)
        for rs in doc["resourceSpans"]:
            for ss in rs["scopeSpans"]:
                for span in ss["spans"]:
                    _to_base64(span)
                    for link in span.get("links", []):
                        _to_base64(link)
        out.append(json_format.ParseDict(doc, TracesData()))
    return out


def _to_base64(obj: dict[str, Any]) -> None:
    for key in ("traceId", "spanId", "parentSpanId"):
        if obj.get(key):
            value = obj[key]
            assert len(value) in (16, 32) and int(value, 16) >= 0, f"{key} is not hex: {value}"
            obj[key] = base64.b64encode(bytes.fromhex(value)).decode()


def spans_of(traces: Sequence[TracesData | ExportTraceServiceRequest]) -> list[Span]:
    """Every span of file lines or of requests a collector received (the two share a shape)."""
    return [
        span
        for data in traces
        for rs in data.resource_spans
        for ss in rs.scope_spans
        for span in ss.spans
    ]


def attrs(span: Span) -> dict[str, Any]:
    """A span's attributes as plain Python values."""
    out: dict[str, Any] = {}
    for kv in span.attributes:
        value = kv.value
        kind = value.WhichOneof("value")
        if kind == "array_value":
            out[kv.key] = [json_format.MessageToDict(v) for v in value.array_value.values]
        else:
            out[kv.key] = getattr(value, kind)
    return out
