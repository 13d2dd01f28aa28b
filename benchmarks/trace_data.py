"""Synthetic agent traces for the import and listen benchmarks, shaped as pydantic-ai writes them.

Each run: an ``invoke_agent`` root; 5 ``chat`` spans, the first 4 emitting 20 calls each (tool-call
parts with ids in ``gen_ai.output.messages``); 80 ``execute_tool`` spans with matching
``gen_ai.tool.call.id``, arguments and a result, 4 at a time; one call in 20 failing. 86 spans a run.
Requests hold 512 spans, as the SDK's batching processor sends them; ids are hex (OTLP JSON).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

SPANS_PER_RUN = 86
CALLS_PER_BATCH = 20
BATCHES = 4


def _kv(key: str, value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"key": key, "value": {"boolValue": value}}
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    if isinstance(value, float):
        return {"key": key, "value": {"doubleValue": value}}
    if isinstance(value, list):
        return {
            "key": key,
            "value": {"arrayValue": {"values": [{"stringValue": v} for v in value]}},
        }
    return {"key": key, "value": {"stringValue": str(value)}}


def run_spans(run: int, t0_ns: int) -> list[dict[str, Any]]:
    trace = f"{run + 1:032x}"
    root = f"{(run + 1) << 16:016x}"
    spans: list[dict[str, Any]] = []
    seq = 0

    def span_id() -> str:
        nonlocal seq
        seq += 1
        return f"{((run + 1) << 16) + seq:016x}"

    def span(
        name: str, start: int, end: int, attrs: dict[str, Any], **extra: Any
    ) -> dict[str, Any]:
        return {
            "traceId": trace,
            "spanId": extra.pop("span_id", None) or span_id(),
            "parentSpanId": root,
            "name": name,
            "kind": extra.pop("kind", 1),
            "startTimeUnixNano": str(start),
            "endTimeUnixNano": str(end),
            "attributes": [_kv(k, v) for k, v in attrs.items()],
            **extra,
        }

    t = t0_ns
    conversation = f"conv-{run}"
    for b in range(BATCHES + 1):
        calls = [f"call_{run}_{b}_{i}" for i in range(CALLS_PER_BATCH)] if b < BATCHES else []
        parts = [
            {
                "type": "tool_call",
                "id": c,
                "name": "get_weather",
                "arguments": json.dumps({"city": c}),
            }
            for c in calls
        ] or [{"type": "text", "content": "Done."}]
        start, end = t, t + 400_000_000
        spans.append(
            span(
                "chat gpt-4o",
                start,
                end,
                {
                    "gen_ai.operation.name": "chat",
                    "gen_ai.provider.name": "openai",
                    "gen_ai.request.model": "gpt-4o",
                    "gen_ai.conversation.id": conversation,
                    "gen_ai.usage.input_tokens": 1000 + b,
                    "gen_ai.usage.output_tokens": 40,
                    "gen_ai.response.finish_reasons": ["tool_call" if calls else "stop"],
                    "gen_ai.output.messages": json.dumps([{"role": "assistant", "parts": parts}]),
                },
                kind=3,
            )
        )
        t = end + 1_000_000
        for i, call in enumerate(calls):
            slot_start = t + (i // 4) * 50_000_000
            failed = (run + i) % 20 == 0
            tool = span(
                "execute_tool get_weather",
                slot_start,
                slot_start + 49_000_000,
                {
                    "gen_ai.operation.name": "execute_tool",
                    "gen_ai.tool.name": "get_weather",
                    "gen_ai.tool.call.id": call,
                    "gen_ai.tool.call.arguments": json.dumps({"city": call}),
                    "gen_ai.tool.call.result": "no data" if failed else f"sunny in {call}",
                },
            )
            if failed:
                tool["status"] = {"code": 2, "message": "no data"}
            spans.append(tool)
        t += (CALLS_PER_BATCH // 4) * 50_000_000 + 1_000_000
    root_span = span(
        "invoke_agent weather",
        t0_ns - 1_000_000,
        t,
        {
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.name": "weather",
            "gen_ai.conversation.id": conversation,
        },
        span_id=root,
    )
    del root_span["parentSpanId"]
    spans.append(root_span)
    return spans


def requests(total_spans: int, *, per_request: int = 512) -> Iterator[dict[str, Any]]:
    """OTLP JSON ``ExportTraceServiceRequest`` documents holding about ``total_spans`` spans."""
    pending: list[dict[str, Any]] = []
    runs = max(1, total_spans // SPANS_PER_RUN)
    t0 = 1_796_000_000_000_000_000
    for run in range(runs):
        pending.extend(run_spans(run, t0 + run * 5_000_000_000))
        while len(pending) >= per_request:
            yield _document(pending[:per_request])
            del pending[:per_request]
    if pending:
        yield _document(pending)


def _document(spans: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": [_kv("service.name", "bench-agent")]},
                "scopeSpans": [
                    {"scope": {"name": "pydantic-ai", "version": "2.78.0"}, "spans": spans}
                ],
            }
        ]
    }
