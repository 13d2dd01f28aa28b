"""OTLP JSON lines: GenAI spans with the recorded times, parsed back with the official protobufs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

from tests.export.helpers import attrs, finished_calls, spans_of, traces_from_file
from tests.export.sessions import record
from workbench.core.events import BatchFinished
from workbench.export.otlp import write_otlp
from workbench.export.source import read_session_spans
from workbench.session import load_session

INTERNAL, CLIENT = Span.SPAN_KIND_INTERNAL, Span.SPAN_KIND_CLIENT


def _export(path: Path, out: Path, *, include_content: bool = False) -> list[Span]:
    write_otlp(read_session_spans(path), out, include_content=include_content)
    return spans_of(traces_from_file(out))


def test_one_trace_per_turn_with_an_agent_root_chat_and_tool_spans(
    sessions: dict[str, Path], tmp_path: Path
) -> None:
    path = sessions["sequential"]
    out = tmp_path / "run.otlp.jsonl"
    spans = _export(path, out)
    lines = out.read_text().splitlines()
    assert len(lines) == 2  # two turns, one TracesData per line
    roots = [s for s in spans if not s.parent_span_id]
    assert [s.name for s in roots] == ["invoke_agent workbench"] * 2
    assert len({s.trace_id for s in roots}) == 2
    session_id = load_session(path).header.session_id
    for root in roots:
        a = attrs(root)
        assert root.kind == INTERNAL
        assert a["gen_ai.operation.name"] == "invoke_agent"
        assert a["gen_ai.agent.name"] == "workbench"
        assert a["gen_ai.conversation.id"] == session_id
        assert a["gen_ai.provider.name"] == "scripted"
        assert a["workbench.batch.concurrent"] is False
        children = [s for s in spans if s.parent_span_id == root.span_id]
        assert all(s.trace_id == root.trace_id for s in children)
        assert {s.name for s in children} >= {"chat scripted"}
        for child in children:
            assert root.start_time_unix_nano <= child.start_time_unix_nano
            assert child.end_time_unix_nano <= root.end_time_unix_nano


def test_chat_spans_carry_model_tokens_and_finish_reason(
    sessions: dict[str, Path], tmp_path: Path
) -> None:
    path = sessions["retries"]
    chats = [s for s in _export(path, tmp_path / "o.jsonl") if s.name.startswith("chat ")]
    recorded = [e for e in load_session(path).events if e.type == "model_response_finished"]
    assert len(chats) == len(recorded)
    for span, event in zip(chats, recorded, strict=True):
        a = attrs(span)
        assert span.kind == CLIENT
        assert a["gen_ai.operation.name"] == "chat"
        assert a["gen_ai.request.model"] == "scripted"
        assert a["gen_ai.usage.input_tokens"] == event.usage.input_tokens
        assert a["gen_ai.usage.output_tokens"] == event.usage.output_tokens
        assert a["gen_ai.response.finish_reasons"] == [{"stringValue": event.stop_reason}]


def test_tool_spans_have_recorded_times_links_and_failures(
    sessions: dict[str, Path], tmp_path: Path
) -> None:
    path = sessions["retries"]
    loaded = read_session_spans(path)
    spans = _export(path, tmp_path / "o.jsonl")
    by_id = {s.span_id: s for s in spans}
    tools = {attrs(s)["gen_ai.tool.call.id"]: s for s in spans if s.name.startswith("execute_tool")}
    recorded = finished_calls(path)
    assert set(tools) == {c.call_id for c in recorded}
    waited: dict[str, float] = {}
    for call in recorded:
        span = tools[call.call_id]
        a = attrs(span)
        assert span.name == f"execute_tool {call.tool}"
        assert span.kind == INTERNAL
        assert a["gen_ai.operation.name"] == "execute_tool"
        assert a["gen_ai.tool.name"] == call.tool
        assert a["gen_ai.tool.type"] == "function"
        assert a["workbench.batch.id"] == call.batch_id
        assert a["workbench.call.status"] == call.status
        assert a["workbench.call.attempts"] == call.attempts
        started = call.started_t if call.started_t is not None else call.finished_t
        # Waiting for a slot, as the executor counts it: all of it, or none when a slot was free.
        wait = a["workbench.call.wait_s"]
        assert wait == 0.0 or abs(wait - (started - call.queued_t)) < 1e-9
        waited[call.batch_id] = waited.get(call.batch_id, 0.0) + wait
        assert span.start_time_unix_nano == loaded.unix_ns(call.queued_t)
        assert span.end_time_unix_nano == loaded.unix_ns(call.finished_t)
        # parent: the turn's root; link: the chat span that emitted it
        assert by_id[span.parent_span_id].name == "invoke_agent workbench"
        (link,) = span.links
        assert by_id[link.span_id].name.startswith("chat ")
        if call.status == "ok":
            assert "error.type" not in a
            assert span.status.code == Status.STATUS_CODE_UNSET
        else:
            assert a["error.type"] == call.status
            assert span.status.code == Status.STATUS_CODE_ERROR
            assert span.status.message == call.error
    recorded_waits = {
        e.batch_id: e.stats.wait_s
        for e in load_session(path).events
        if isinstance(e, BatchFinished)
    }
    assert waited == pytest.approx(recorded_waits)
    retried = next(s for s in tools.values() if attrs(s)["workbench.call.attempts"] > 1)
    assert [e.name for e in retried.events] == ["retry"] * (len(retried.events))
    assert retried.events


def test_cancelled_calls_and_turns_say_so(sessions: dict[str, Path], tmp_path: Path) -> None:
    spans = _export(sessions["cancelled"], tmp_path / "o.jsonl")
    tools = [s for s in spans if s.name.startswith("execute_tool")]
    assert {attrs(s)["error.type"] for s in tools} == {"cancelled"}
    root = next(s for s in spans if not s.parent_span_id)
    assert attrs(root)["error.type"] == "cancelled"
    assert root.status.code == Status.STATUS_CODE_ERROR


def test_exporting_twice_gives_the_same_ids(sessions: dict[str, Path], tmp_path: Path) -> None:
    first = _export(sessions["flaky"], tmp_path / "a.jsonl")
    second = _export(sessions["flaky"], tmp_path / "b.jsonl")
    assert [(s.trace_id, s.span_id) for s in first] == [(s.trace_id, s.span_id) for s in second]
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    assert len({s.span_id for s in first}) == len(first)


def test_the_file_is_otlp_json_with_hex_ids_and_integer_kinds(
    sessions: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "o.jsonl"
    write_otlp(read_session_spans(sessions["flaky"]), out)
    doc = json.loads(out.read_text().splitlines()[0])
    span = doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    assert len(span["traceId"]) == 32 and int(span["traceId"], 16)
    assert len(span["spanId"]) == 16 and int(span["spanId"], 16)
    assert isinstance(span["kind"], int)
    assert isinstance(span["startTimeUnixNano"], str) and span["startTimeUnixNano"].isdigit()
    resource = {a["key"]: a["value"] for a in doc["resourceSpans"][0]["resource"]["attributes"]}
    assert resource["service.name"] == {"stringValue": "workbench"}


def test_content_is_opt_in(sessions: dict[str, Path], tmp_path: Path) -> None:
    path = sessions["retries"]
    plain = _export(path, tmp_path / "plain.jsonl")
    text = (tmp_path / "plain.jsonl").read_text()
    assert "gen_ai.tool.call.arguments" not in text and "gen_ai.tool.call.result" not in text
    assert "gen_ai.input.messages" not in text and "sleep(ms=40)" not in text
    assert plain
    rich = _export(path, tmp_path / "rich.jsonl", include_content=True)
    args = [attrs(s).get("gen_ai.tool.call.arguments") for s in rich]
    assert '{"ms": 40}' in args
    root = next(s for s in rich if not s.parent_span_id)
    assert "sleep(ms=40)" in attrs(root)["gen_ai.input.messages"]


async def test_secrets_never_reach_the_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk-test-4f9a8b7c6d5e4f3a2b1c"
    monkeypatch.setenv("WB_EXPORT_KEY", secret)
    path = tmp_path / "s.jsonl"
    await record(path, [f'fail(message="{secret}")'], api_key_env="WB_EXPORT_KEY")
    out = tmp_path / "o.jsonl"
    write_otlp(read_session_spans(path), out, include_content=True)
    assert secret not in out.read_text()


async def test_tools_from_a_tool_source_are_extensions(tmp_path: Path) -> None:
    from tests.export.sessions import profile
    from tests.runtime.test_sources import EchoTool, Source
    from workbench.runtime import Runtime

    path = tmp_path / "s.jsonl"
    runtime = await Runtime.start(profile(), record=path, sources=[Source("remote", [EchoTool()])])
    try:
        async for _ in runtime.run_turn('remote__echo(text="hi"), get_date()'):
            pass
    finally:
        await runtime.aclose()
    spans = _export(path, tmp_path / "o.jsonl")
    kinds = {
        attrs(s)["gen_ai.tool.name"]: attrs(s)["gen_ai.tool.type"]
        for s in spans
        if s.name.startswith("execute_tool")
    }
    assert kinds == {"remote__echo": "extension", "get_date": "function"}


@pytest.mark.parametrize("name", ["retries", "cancelled", "flaky", "sequential"])
def test_the_json_is_protobufs_own_mapping_with_hex_ids(
    sessions: dict[str, Path], name: str
) -> None:
    """Our field-by-field JSON equals protobuf's generic MessageToDict, ids aside (hex, not base64)."""
    import base64

    from google.protobuf import json_format
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
    from opentelemetry.proto.trace.v1.trace_pb2 import TracesData

    from workbench.export.otlp import sdk_spans, traces_data_json

    for turn in sdk_spans(read_session_spans(sessions[name]), include_content=True):
        ours = traces_data_json(turn)
        reference = json_format.MessageToDict(
            TracesData(resource_spans=encode_spans(turn).resource_spans),
            use_integers_for_enums=True,
        )
        for rs in reference["resourceSpans"]:
            for ss in rs["scopeSpans"]:
                for span in [
                    *ss["spans"],
                    *(link for s in ss["spans"] for link in s.get("links", [])),
                ]:
                    for key in ("traceId", "spanId", "parentSpanId"):
                        if key in span:
                            span[key] = base64.b64decode(span[key]).hex()
        assert ours == reference
