"""Spans written the OpenInference way (Phoenix, LangChain, LlamaIndex instrumentation) import like
GenAI ones; and spans fed in any order and any pieces (as exporters send them) make the same runs."""

from __future__ import annotations

import json
import random
from pathlib import Path

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.trace import Status, StatusCode, set_span_in_context

from tests.traces.expect import write_json_lines
from tests.traces.facts import facts
from tests.traces.frameworks import Collect
from workbench.cli import main
from workbench.traces.assemble import Assembler
from workbench.traces.convert import group_runs, session_of
from workbench.traces.spans import Span

MS = 1_000_000
T0 = 1_796_000_000_000_000_000


def openinference_trace() -> list[ReadableSpan]:
    """A LangChain-style agent: CHAIN root, an LLM span emitting two tool calls (ids in
    llm.output_messages), two TOOL spans with tool.name and no ids, then a final LLM span."""
    collect = Collect()
    provider = TracerProvider()
    provider.add_span_processor(collect)
    tracer = provider.get_tracer("openinference.instrumentation.langchain", "0.1.0")
    root = tracer.start_span(
        "AgentExecutor", attributes={"openinference.span.kind": "CHAIN"}, start_time=T0
    )
    ctx = set_span_in_context(root)
    llm = tracer.start_span(
        "ChatOpenAI",
        context=ctx,
        start_time=T0 + 1 * MS,
        attributes={
            "openinference.span.kind": "LLM",
            "llm.model_name": "gpt-4o",
            "llm.provider": "openai",
            "llm.token_count.prompt": 120,
            "llm.token_count.completion": 30,
            "input.value": "weather in Tokyo and Paris?",
            "llm.output_messages.0.message.role": "assistant",
            "llm.output_messages.0.message.tool_calls.0.tool_call.id": "call_a",
            "llm.output_messages.0.message.tool_calls.0.tool_call.function.name": "get_weather",
            "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments": json.dumps(
                {"city": "Tokyo"}
            ),
            "llm.output_messages.0.message.tool_calls.1.tool_call.id": "call_b",
            "llm.output_messages.0.message.tool_calls.1.tool_call.function.name": "get_weather",
            "llm.output_messages.0.message.tool_calls.1.tool_call.function.arguments": json.dumps(
                {"city": "Paris"}
            ),
        },
    )
    llm.end(end_time=T0 + 200 * MS)
    for i, (city, ms) in enumerate((("Tokyo", 80), ("Paris", 120))):
        tool = tracer.start_span(
            "get_weather",
            context=ctx,
            start_time=T0 + (201 + i) * MS,
            attributes={
                "openinference.span.kind": "TOOL",
                "tool.name": "get_weather",
                "input.value": json.dumps({"city": city}),
                "output.value": f"sunny in {city}" if city == "Tokyo" else "error",
            },
        )
        if city == "Paris":
            tool.set_status(Status(StatusCode.ERROR, "no data for Paris"))
        tool.end(end_time=T0 + (201 + i + ms) * MS)
    final = tracer.start_span(
        "ChatOpenAI",
        context=ctx,
        start_time=T0 + 330 * MS,
        attributes={
            "openinference.span.kind": "LLM",
            "llm.model_name": "gpt-4o",
            "output.value": "Sunny in Tokyo.",
        },
    )
    final.end(end_time=T0 + 400 * MS)
    root.end(end_time=T0 + 401 * MS)
    return collect.spans


def test_openinference_spans_import(tmp_path: Path) -> None:
    trace = write_json_lines(openinference_trace(), tmp_path / "oi.jsonl")
    out = tmp_path / "oi.session.jsonl"
    assert main(["import", str(trace), "-o", str(out)]) == 0
    session = facts(out)
    assert session.round_trips == 2
    assert session.calls_per_response == [2, 0]
    (batch,) = session.batches
    assert sorted(c.call_id for c in batch.calls) == ["call_a", "call_b"]  # paired by tool name
    assert [c.status for c in sorted(batch.calls, key=lambda c: c.call_id)] == ["ok", "error"]
    assert batch.wall_s is not None and abs(batch.wall_s - 0.121) < 1e-6
    assert {c.args["city"] for c in batch.calls if c.args} == {"Tokyo", "Paris"}
    assert session.responses[0].usage.input_tokens == 120
    # No agent span: the run is the trace, from its root (the chain) to its end.
    (turn,) = session.turns
    assert abs(turn.stats.wall_s - 0.401) < 1e-6
    assert turn.text == "Sunny in Tokyo."


def test_spans_in_any_order_and_pieces_make_the_same_session(
    own_sessions: dict[str, Path], tmp_path: Path
) -> None:
    from workbench.traces.decode import decode_bytes
    from workbench.traces.spans import spans_of

    trace = tmp_path / "t.otlp.jsonl"
    assert main(["export", str(own_sessions["retries"]), "-f", "otlp", "-o", str(trace)]) == 0
    spans: list[Span] = [s for _, r in decode_bytes(trace.read_bytes()) for s in spans_of(r)]

    def events(order: list[Span], piece: int) -> list[str]:
        assembler = Assembler()
        for start in range(0, len(order), piece):
            assembler.add_all(order[start : start + piece])
        runs = assembler.take_all()
        (session,) = [session_of(g, source_format="otlp", files=[]) for g in group_runs(runs)]
        return [e.model_dump_json() for e in session.events]

    expected = events(spans, len(spans))
    shuffled = list(spans)
    random.Random(7).shuffle(shuffled)
    assert events(shuffled, 3) == expected
    assert events(list(reversed(spans)), 1) == expected
