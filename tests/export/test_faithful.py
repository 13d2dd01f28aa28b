"""What back ends receive, checked on a loopback collector decoding with the official protobufs: no
span lost, failures as errors, nothing uncut, the provider as the conventions name it, ids that a
grown session does not collide with, the OTEL variables honoured, what Phoenix reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

from tests.export.conftest import Receiver
from tests.export.helpers import attrs, spans_of, traces_from_file
from tests.export.sessions import profile, record
from workbench.cli import main
from workbench.export.live import LiveExport, sink_from_env
from workbench.export.otlp import write_otlp
from workbench.export.spans import CONTENT_LIMIT
from workbench.runtime import Runtime
from workbench.tools.latency import set_latency_scale


def _received(receiver: Receiver) -> list[Span]:
    return spans_of(
        [ExportTraceServiceRequest.FromString(body) for _, _, body in receiver.requests]
    )


def _file_spans(session: Path, tmp_path: Path, **kwargs: Any) -> list[Span]:
    from workbench.export.source import read_session_spans

    out = tmp_path / f"{session.stem}.{len(list(tmp_path.iterdir()))}.otlp.jsonl"
    write_otlp(read_session_spans(session), out, **kwargs)
    return spans_of(traces_from_file(out))


async def _live_run(live: LiveExport, prompt: str, tmp_path: Path, **fields: Any) -> Path:
    previous = set_latency_scale(0.0)
    path = tmp_path / "live.jsonl"
    runtime = await Runtime.start(profile(**fields), record=path, extra_sinks=[live])
    live.attach(runtime)
    try:
        async for _ in runtime.run_turn(prompt):
            pass
    finally:
        await runtime.aclose()
        set_latency_scale(previous)
    return path


# -- live export: nothing lost, and what was not sent is said ------------------------------------


async def test_a_5000_call_batch_arrives_whole_at_a_slow_collector(
    receiver: Receiver, tmp_path: Path
) -> None:
    receiver.delay_s = 0.05  # each request answered late: spans pile up meanwhile
    problems: list[str] = []
    live = LiveExport(endpoint=receiver.url, on_problem=problems.append, timeout_s=10)
    await _live_run(live, ", ".join(["get_date()"] * 5000), tmp_path, max_concurrent_tools=100)
    got = _received(receiver)
    # 5,000 calls, two round trips, the turn (the SDK's queue held 2,048 and dropped the rest)
    assert len(got) == 5003
    assert len({s.span_id for s in got}) == 5003
    assert {s.name for s in got} >= {"invoke_agent workbench", "chat scripted"}
    assert live.spans_sent == live.spans_built == 5003
    assert problems == []


async def test_spans_a_hanging_collector_never_took_are_counted_in_one_line(
    receiver: Receiver, tmp_path: Path
) -> None:
    receiver.answer.clear()  # takes the request, never answers
    problems: list[str] = []
    live = LiveExport(endpoint=receiver.url, on_problem=problems.append, timeout_s=0.3)
    try:
        await _live_run(live, "get_date(), get_date(), get_date()", tmp_path)
    finally:
        receiver.answer.set()
    assert live.spans_sent == 0
    assert live.summary is not None
    assert live.summary.startswith(f"live trace export: {live.spans_built:,} of ")
    assert live.spans_built == 6  # three calls, two round trips, the turn
    assert problems[-1] == live.summary
    assert "workbench export" in live.summary  # how to send them later


# -- what the spans say ------------------------------------------------------------------------


def _rows(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"t": 0.1 * (i + 1), **event} for i, event in enumerate(events)]


def _session_file(tmp_path: Path, rows: list[dict[str, Any]], **profile_fields: Any) -> Path:
    """A session file with ``rows`` as its events, and a header as the recorder writes it."""
    from workbench.session.format import SessionHeader

    header = SessionHeader.model_validate(
        {
            "created": "2026-12-01T10:00:00Z",
            "workbench_version": "test",
            "session_id": "s-faithful",
            "t0_unix_ns": 1_800_000_000_000_000_000,
            "profile": {"name": "p", "type": "scripted", **profile_fields},
        }
    )
    path = tmp_path / "made.jsonl"
    lines = [header.model_dump_json()] + [orjson.dumps(row).decode() for row in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


EMISSION = {"parallel": True, "function_calling_mode": "AUTO", "strict": False}


def test_a_failed_round_trip_is_an_error_span_without_made_up_usage(tmp_path: Path) -> None:
    path = _session_file(
        tmp_path,
        _rows(
            [
                {"type": "turn_started", "turn": 1, "prompt": "hi"},
                {
                    "type": "model_request_started",
                    "turn": 1,
                    "round_trip": 1,
                    "provider": "openai-chat",
                    "model": "gpt-5-mini",
                    "emission": EMISSION,
                },
                {
                    "type": "error",
                    "turn": 1,
                    "kind": "rate_limit",
                    "message": "the provider answered 429 Too Many Requests",
                },
                {
                    "type": "turn_finished",
                    "turn": 1,
                    "status": "error",
                    "text": "",
                    "stats": {
                        "round_trips": 1,
                        "model_time_s": 0.1,
                        "tool_time_s": 0,
                        "wall_s": 0.3,
                        "batches": 0,
                        "calls": 0,
                        "usage": {"input_tokens": 0, "output_tokens": 0},
                    },
                },
            ]
        ),
    )
    spans = _file_spans(path, tmp_path)
    chat = next(s for s in spans if s.name == "chat gpt-5-mini")
    a = attrs(chat)
    assert a["error.type"] == "rate_limit"
    assert chat.status.code == Status.STATUS_CODE_ERROR
    assert "429" in chat.status.message
    assert "gen_ai.usage.input_tokens" not in a and "gen_ai.usage.output_tokens" not in a
    assert "workbench.incomplete" not in a  # it ended: it failed, it was not cut off
    root = next(s for s in spans if s.name == "invoke_agent workbench")
    assert attrs(root)["error.type"] == "rate_limit"
    assert "gen_ai.usage.input_tokens" not in attrs(root)


async def test_every_string_is_cut_and_arguments_go_out_only_with_content(
    tmp_path: Path,
) -> None:
    long = "x" * (3 * CONTENT_LIMIT)
    path = tmp_path / "long.jsonl"
    previous = set_latency_scale(0.0)
    try:
        await record(path, [f'fail(message="{long}")'], tool_retries=1, tool_retry_backoff_s=0.0)
    finally:
        set_latency_scale(previous)
    for include_content in (False, True):
        spans = _file_spans(path, tmp_path, include_content=include_content)
        tool = next(s for s in spans if s.name == "execute_tool fail")
        texts = [tool.status.message] + [
            kv.value.string_value for s in spans for kv in s.attributes
        ]
        texts += [kv.value.string_value for e in tool.events for kv in e.attributes]
        texts += [s.status.message for s in spans]
        assert max(len(text) for text in texts) <= CONTENT_LIMIT + 60
        assert "cut:" in tool.status.message
        assert any("cut:" in kv.value.string_value for e in tool.events for kv in e.attributes)
        a = attrs(tool)
        assert ("gen_ai.tool.call.arguments" in a) is include_content
        if include_content:
            assert "cut:" in a["gen_ai.tool.call.arguments"]


def test_the_provider_is_named_for_the_endpoint_with_its_server(
    sessions: dict[str, Path], tmp_path: Path
) -> None:
    lines = sessions["sequential"].read_text().splitlines()
    header = json.loads(lines[0])
    header["profile"].update(
        {"type": "openai-chat", "base_url": "https://api.groq.com/openai/v1", "max_tokens": 2048}
    )
    groq = tmp_path / "groq.jsonl"
    groq.write_text("\n".join([json.dumps(header), *lines[1:]]) + "\n")
    spans = _file_spans(groq, tmp_path)
    chats = [s for s in spans if s.name.startswith("chat ")]
    assert chats
    for chat in chats:
        a = attrs(chat)
        assert a["gen_ai.provider.name"] == "groq"  # was "openai": the adapter's name
        assert a["server.address"] == "api.groq.com"
        assert a["server.port"] == 443
        assert a["gen_ai.request.max_tokens"] == 2048
        assert a["gen_ai.request.stream"] is True
        assert a["gen_ai.response.time_to_first_chunk"] >= 0
        assert a["gen_ai.usage.output_tokens"] >= 0
    root = next(s for s in spans if s.name == "invoke_agent workbench")
    recorded = [json.loads(line) for line in lines[1:]]
    first_turn = next(r for r in recorded if r["type"] == "turn_finished")
    assert (
        attrs(root)["gen_ai.usage.output_tokens"] == first_turn["stats"]["usage"]["output_tokens"]
    )


@pytest.mark.parametrize(
    ("kind", "endpoint", "base_url", "name", "address"),
    [
        ("openai-chat", None, None, "openai", "api.openai.com"),
        ("openai-chat", None, "https://x.openai.azure.com/openai/v1", "azure.ai.openai", None),
        ("anthropic", "bedrock", None, "aws.bedrock", None),
        ("anthropic", "vertex", None, "gcp.vertex_ai", None),
        ("gemini", None, None, "gcp.gemini", "generativelanguage.googleapis.com"),
        ("openai-chat", None, "http://127.0.0.1:11434/v1", "ollama", "127.0.0.1"),
        ("openai-responses", None, "https://api.deepseek.com/v1", "deepseek", "api.deepseek.com"),
    ],
)
def test_well_known_provider_names(
    kind: str, endpoint: str | None, base_url: str | None, name: str, address: str | None
) -> None:
    from workbench.export.provider import served_by

    served = served_by(kind, endpoint, base_url)
    assert served.provider_name == name
    if address is not None:
        assert served.server_address == address


async def test_a_grown_session_is_not_shadowed_by_its_truncated_export(tmp_path: Path) -> None:
    path = tmp_path / "grow.jsonl"
    previous = set_latency_scale(0.0)
    try:
        await record(path, ["get_date()", "sleep(ms=1), sleep(ms=1), get_date()"])
    finally:
        set_latency_scale(previous)
    lines = path.read_text().splitlines()
    second = next(
        i for i, line in enumerate(lines) if '"turn_started"' in line and '"turn":2' in line
    )
    cut_file = tmp_path / "cut.jsonl"  # the second turn is half written
    cut_file.write_text("\n".join(lines[: second + 6]) + "\n")
    early = _file_spans(cut_file, tmp_path)
    full = _file_spans(path, tmp_path)
    early_ids = {s.span_id for s in early}
    full_by_id = {s.span_id: s for s in full}
    first_turn = [
        s for s in full if attrs(s).get("workbench.turn", 1) == 1 and s.name.startswith("invoke")
    ]
    assert first_turn[0].span_id in early_ids  # the turn that was complete keeps its ids
    incomplete = [s for s in early if "workbench.incomplete" in attrs(s)]
    assert incomplete
    partial_trace = {s.trace_id for s in incomplete}
    for span in early:
        if span.trace_id in partial_trace:
            assert span.span_id not in full_by_id  # nothing of the cut turn shadows the full one
            assert span.trace_id not in {s.trace_id for s in full}


# -- the OTEL variables ----------------------------------------------------------------------


async def test_otel_exporter_otlp_protocol_http_json_posts_otlp_json(
    receiver: Receiver, tmp_path: Path
) -> None:
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url, "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"}
    live = sink_from_env(profile(), environ=env)
    assert live is not None
    path = await _live_run(live, "get_date(), get_date()", tmp_path)
    assert receiver.requests
    got: list[Span] = []
    for url_path, headers, body in receiver.requests:
        assert url_path == "/v1/traces"
        assert headers["content-type"] == "application/json"
        doc = json.loads(body)
        one = tmp_path / "one.jsonl"
        one.write_text(json.dumps(doc) + "\n")
        got += spans_of(traces_from_file(one))  # hex ids, as OTLP JSON requires
    expected = _file_spans(path, tmp_path)
    assert sorted(s.SerializeToString() for s in got) == sorted(
        s.SerializeToString() for s in expected
    )


def test_grpc_without_the_grpc_exporter_says_so(
    sessions: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("opentelemetry.exporter.otlp.proto.http")
    try:
        import opentelemetry.exporter.otlp.proto.grpc  # type: ignore[import-not-found]  # noqa: F401

        pytest.skip("the gRPC exporter is installed here")
    except ImportError:
        pass
    code = main(
        [
            "export",
            str(sessions["flaky"]),
            "--otlp-endpoint",
            "http://127.0.0.1:1",
            "--protocol",
            "grpc",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "gRPC exporter" in err and "not installed" in err
    assert err.count("\n") == 1


def test_an_unknown_protocol_or_exporter_variable_is_one_line_naming_it() -> None:
    with pytest.raises(ValueError, match="OTEL_EXPORTER_OTLP_PROTOCOL=thrift"):
        sink_from_env(
            profile(),
            environ={
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://x:1",
                "OTEL_EXPORTER_OTLP_PROTOCOL": "thrift",
            },
        )
    with pytest.raises(ValueError, match="OTEL_TRACES_EXPORTER=zipkin"):
        sink_from_env(profile(), environ={"OTEL_TRACES_EXPORTER": "zipkin"})


async def test_otel_traces_exporter_console_writes_spans_to_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    live = sink_from_env(profile(), environ={"OTEL_TRACES_EXPORTER": "console"})
    assert live is not None
    await _live_run(live, "get_date()", tmp_path)
    out, err = capsys.readouterr()
    assert '"name": "invoke_agent workbench"' in err
    assert "invoke_agent" not in out
    assert live.spans_sent == live.spans_built > 0


def test_a_refused_connection_is_called_that(
    sessions: dict[str, Path], closed_port: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["export", str(sessions["flaky"]), "--otlp-endpoint", closed_port, "--timeout", "0.5"]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "connection refused" in err and closed_port in err
    assert "unreachable" not in err  # it was refused, not "refused or unreachable"


# -- Phoenix (OpenInference) --------------------------------------------------------------------


def test_with_content_phoenix_sees_inputs_outputs_and_the_project(
    sessions: dict[str, Path], receiver: Receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "export",
            str(sessions["retries"]),
            "--otlp-endpoint",
            receiver.url,
            "--include-content",
            "--project",
            "agents-lab",
        ]
    )
    assert code == 0, capsys.readouterr().err
    requests = [ExportTraceServiceRequest.FromString(b) for _, _, b in receiver.requests]
    resource = {
        kv.key: kv.value.string_value for kv in requests[0].resource_spans[0].resource.attributes
    }
    assert resource["openinference.project.name"] == "agents-lab"
    spans = spans_of(requests)
    kinds = {attrs(s)["openinference.span.kind"] for s in spans}
    assert kinds == {"AGENT", "LLM", "TOOL"}
    tool = next(s for s in spans if s.name == "execute_tool sleep")
    assert json.loads(attrs(tool)["input.value"]) in ({"ms": 40}, {"ms": 20})
    chats = [attrs(s) for s in spans if s.name.startswith("chat ")]
    assert chats[0]["llm.input_messages.0.message.role"] == "user"
    assert "sleep(ms=40)" in chats[0]["llm.input_messages.0.message.content"]
    assert chats[0]["llm.output_messages.0.message.tool_calls.0.tool_call.function.name"] == "sleep"
    assert chats[1]["llm.input_messages.0.message.role"] == "tool"
    assert "input.value" in chats[1] and "output.value" in chats[1]
    agent = next(attrs(s) for s in spans if s.name == "invoke_agent workbench")
    assert "sleep(ms=40)" in agent["input.value"]


async def test_the_profile_telemetry_block_names_the_phoenix_project(
    receiver: Receiver, tmp_path: Path
) -> None:
    prof = profile(telemetry={"endpoint": receiver.url, "project": "from-profile"})
    live = sink_from_env(prof, environ={})
    assert live is not None
    previous = set_latency_scale(0.0)
    runtime = await Runtime.start(prof, record=tmp_path / "s.jsonl", extra_sinks=[live])
    live.attach(runtime)
    try:
        async for _ in runtime.run_turn("get_date()"):
            pass
    finally:
        await runtime.aclose()
        set_latency_scale(previous)
    request = ExportTraceServiceRequest.FromString(receiver.requests[0][2])
    resource = {
        kv.key: kv.value.string_value for kv in request.resource_spans[0].resource.attributes
    }
    assert resource["openinference.project.name"] == "from-profile"


def test_a_collector_that_refuses_json_says_to_use_protobuf(
    sessions: dict[str, Path], receiver: Receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    receiver.status, receiver.body = 415, b"Unsupported Media Type"  # what Phoenix answers
    code = main(
        [
            "export",
            str(sessions["flaky"]),
            "--otlp-endpoint",
            receiver.url,
            "--protocol",
            "http/json",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "415" in err and "use http/protobuf" in err
    assert receiver.requests[0][1]["content-type"] == "application/json"


def test_the_destination_follows_the_specification_order() -> None:
    from workbench.export.endpoint import destination

    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://general:4318",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://traces:4318/custom/path",
        "OTEL_EXPORTER_OTLP_HEADERS": "Authorization=Basic%20eA%3D%3D",
        "OTEL_EXPORTER_OTLP_TIMEOUT": "2500",
    }
    target = destination(env)
    assert target.url == "http://traces:4318/custom/path"  # the signal's own, used as it is
    assert target.headers == {"Authorization": "Basic eA=="}  # percent-decoded
    assert target.timeout_s == 2.5
    assert target.protocol == "http/protobuf"
    del env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]
    assert destination(env).url == "http://general:4318/v1/traces"
    assert destination({}).url == "http://localhost:4318/v1/traces"
    explicit = destination(env, endpoint="http://mine:4318", headers={"x": "y"})
    assert explicit.url == "http://mine:4318/v1/traces" and explicit.headers == {"x": "y"}
    with pytest.raises(ValueError, match="OTEL_EXPORTER_OTLP_TIMEOUT=soon"):
        destination({"OTEL_EXPORTER_OTLP_TIMEOUT": "soon"})


async def test_a_round_trip_cancelled_while_streaming_is_a_cancelled_error_span(
    tmp_path: Path,
) -> None:
    from workbench.core.events import TextDelta

    path = tmp_path / "cancel.jsonl"
    slow = profile(scripted={"ttft_ms": 0, "tokens_per_s": 200})
    runtime = await Runtime.start(slow, record=path)
    deltas = 0
    try:
        async for event in runtime.run_turn("a long answer please, in many words"):
            if isinstance(event, TextDelta):
                deltas += 1
                if deltas == 2:
                    runtime.cancel_turn()  # Esc while the model is still answering
    finally:
        await runtime.aclose()
    chat = next(s for s in _file_spans(path, tmp_path) if s.name.startswith("chat "))
    a = attrs(chat)
    assert a["error.type"] == "cancelled"
    assert chat.status.code == Status.STATUS_CODE_ERROR
    assert "gen_ai.usage.output_tokens" not in a  # the response never said


async def test_many_messages_and_calls_lose_no_attribute(tmp_path: Path) -> None:
    path = tmp_path / "wide.jsonl"
    thirty = ", ".join(["get_date()"] * 30)
    previous = set_latency_scale(0.0)
    try:
        await record(path, [f"{thirty} then {thirty}"])
    finally:
        set_latency_scale(previous)
    spans = _file_spans(path, tmp_path, include_content=True)
    chats = [s for s in spans if s.name.startswith("chat ")]
    second = attrs(chats[1])
    assert "llm.input_messages.19.message.content" in second  # the previous batch's results
    assert "llm.output_messages.0.message.tool_calls.19.tool_call.function.name" in second
    assert [s.dropped_attributes_count for s in spans] == [0] * len(spans)


async def test_the_end_of_a_run_gives_up_on_a_stuck_collector_and_says_what_was_not_sent(
    receiver: Receiver, tmp_path: Path
) -> None:
    import asyncio

    receiver.answer.clear()  # the request is taken and never answered
    live = LiveExport(endpoint=receiver.url, timeout_s=30)  # the exporter would wait 30 s
    runtime = await Runtime.start(profile(), record=tmp_path / "s.jsonl", extra_sinks=[live])
    live.attach(runtime)
    try:
        async for _ in runtime.run_turn("get_date(), get_date()"):
            pass
        await asyncio.to_thread(live.close, 0.2)  # what the run's end waits, at most
    finally:
        receiver.answer.set()
        await runtime.aclose()
    assert live.summary is not None
    assert f"{live.spans_built:,} of {live.spans_built:,} spans were not sent" in live.summary
    assert f"the collector at {receiver.url}/v1/traces did not answer within 0.2 s" in live.summary


async def test_chat_spans_name_the_response_and_carry_only_the_usage_reported(
    receiver: Receiver, tmp_path: Path
) -> None:
    from workbench.config import Profile
    from workbench.emulator.server import EmulatorServer, Misbehaviour

    emulator = EmulatorServer()
    await emulator.start()
    emulator.misbehave(Misbehaviour(omit_usage=True))  # the first response has no usage
    chat_profile = Profile.model_validate(
        {
            "name": "emulated",
            "type": "openai-chat",
            "model": "gpt-emulated",
            "base_url": emulator.base_urls["openai-chat"],
            "api_key_env": None,
        }
    )
    previous = set_latency_scale(0.0)
    live = LiveExport(endpoint=receiver.url, on_problem=lambda _: None, timeout_s=10)
    path = tmp_path / "emulated.jsonl"
    runtime = await Runtime.start(chat_profile, record=path, extra_sinks=[live])
    live.attach(runtime)
    try:
        async for _ in runtime.run_turn("get_date()"):
            pass
    finally:
        await runtime.aclose()
        await emulator.stop()
        set_latency_scale(previous)

    live_spans = _received(receiver)
    for spans in (live_spans, _file_spans(path, tmp_path)):  # live, and from the recording
        chats = sorted(
            (attrs(s) for s in spans if s.name == "chat gpt-emulated"),
            key=lambda a: a["workbench.round_trip"],
        )
        assert len(chats) == 2
        for a in chats:
            assert a["gen_ai.request.model"] == "gpt-emulated"
            assert a["gen_ai.response.model"] == "gpt-emulated-2025-04-14"
            assert a["gen_ai.response.id"].startswith("chatcmpl-")
        assert chats[0]["gen_ai.response.id"] != chats[1]["gen_ai.response.id"]
        unreported, reported = chats
        assert "gen_ai.usage.input_tokens" not in unreported  # not a made-up 0
        assert "gen_ai.usage.output_tokens" not in unreported
        assert reported["gen_ai.usage.input_tokens"] > 0
        root = attrs(next(s for s in spans if s.name == "invoke_agent workbench"))
        assert root["gen_ai.usage.input_tokens"] == reported["gen_ai.usage.input_tokens"]
        assert root["gen_ai.usage.output_tokens"] == reported["gen_ai.usage.output_tokens"]
