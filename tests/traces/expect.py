"""What a framework's own spans say its batches were: read from the finished SDK spans directly,
to hold the imported session against."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import orjson
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import StatusCode

from tests.traces.facts import SessionFacts
from tests.traces.frameworks import attributes, operation
from workbench.export.otlp import traces_data_json


@dataclass
class ExpectedBatch:
    tools: list[str]
    statuses: list[str]
    """In start order."""
    wall_s: float


def _start(span: ReadableSpan) -> int:
    assert span.start_time is not None
    return span.start_time


def _end(span: ReadableSpan) -> int:
    assert span.end_time is not None
    return span.end_time


def expected_batches(spans: list[ReadableSpan]) -> tuple[int, list[ExpectedBatch]]:
    """Round trips and batches by the spans' own times: a tool span belongs to the last model span
    that ended before it started."""
    models = sorted((s for s in spans if operation(s) == "chat"), key=_start)
    tools = sorted((s for s in spans if operation(s) == "execute_tool"), key=_start)
    groups: dict[int, list[ReadableSpan]] = {}
    for tool in tools:
        owner = max(i for i, m in enumerate(models) if _end(m) <= _start(tool))
        groups.setdefault(owner, []).append(tool)
    batches = []
    for _, members in sorted(groups.items()):
        batches.append(
            ExpectedBatch(
                tools=[str(attributes(t)["gen_ai.tool.name"]) for t in members],
                statuses=[
                    "error" if t.status.status_code is StatusCode.ERROR else "ok" for t in members
                ],
                wall_s=(max(map(_end, members)) - min(map(_start, members))) / 1e9,
            )
        )
    return len(models), batches


def assert_matches(spans: list[ReadableSpan], session: SessionFacts) -> None:
    round_trips, batches = expected_batches(spans)
    assert session.problems == []
    assert session.round_trips == round_trips
    assert len(session.batches) == len(batches)
    for want, got in zip(batches, session.batches, strict=True):
        in_start_order = sorted(got.calls, key=lambda c: c.queued_t)
        assert [c.tool for c in in_start_order] == want.tools
        assert [c.status for c in in_start_order] == want.statuses
        assert got.wall_s == want.wall_s or abs((got.wall_s or 0) - want.wall_s) < 1e-6


def write_json_lines(spans: list[ReadableSpan], path: Path) -> Path:
    """As the OTLP file exporters write it: one request per line, hex ids, enums as integers."""
    half = len(spans) // 2  # two export batches, as a BatchSpanProcessor would send them
    lines = [traces_data_json(chunk) for chunk in (spans[:half], spans[half:]) if chunk]
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    return path


def write_protobuf(spans: list[ReadableSpan], path: Path) -> Path:
    path.write_bytes(encode_spans(spans).SerializeToString())
    return path
