"""``workbench listen``: the OTLP/HTTP receiver answers as the spec says, never falls over on bad
clients, and turns runs exported live by real frameworks (the standard OTLP/HTTP exporter) into the
same sessions ``import`` makes."""

from __future__ import annotations

import gzip
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from google.rpc.status_pb2 import Status
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from tests.traces.expect import assert_matches, write_json_lines, write_protobuf
from tests.traces.facts import facts
from tests.traces.frameworks import (
    Collect,
    Script,
    instrumented,
    run_openai_agents,
    run_pydantic_ai,
)
from tests.traces.listening import ListenerThread
from workbench.emulator.server import EmulatorServer

SCRIPT = Script([["Tokyo", "Lima"], ["Lima"], "Sunny in both."])


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[ListenerThread]:
    with ListenerThread(tmp_path / "sessions") as running:
        yield running


def _post(url: str, body: bytes, content_type: str, **headers: str) -> requests.Response:
    return requests.post(
        url, data=body, headers={"Content-Type": content_type, **headers}, timeout=10
    )


@pytest.fixture(scope="module")
def agent_trace(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes]:
    """One pydantic-ai run's spans as OTLP protobuf and as OTLP JSON (one request each)."""
    import asyncio

    state = instrumented()
    sink = Collect()
    state.switch.targets = [sink]

    async def go() -> None:
        server = EmulatorServer()
        await server.start()
        try:
            await run_pydantic_ai(server, SCRIPT, parallel=True)
        finally:
            await server.stop()

    try:
        asyncio.run(go())
    finally:
        state.switch.targets = []
    tmp = tmp_path_factory.mktemp("trace")
    pb = write_protobuf(sink.spans, tmp / "t.pb").read_bytes()
    jsonl = write_json_lines(sink.spans[-1:], tmp / "root.jsonl")  # the root alone, for JSON
    return pb, jsonl.read_bytes().strip()


def test_protobuf_and_gzip_answer_an_export_response(
    listener: ListenerThread, agent_trace: tuple[bytes, bytes]
) -> None:
    pb, _ = agent_trace
    answer = _post(
        listener.url, gzip.compress(pb), "application/x-protobuf", **{"Content-Encoding": "gzip"}
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/x-protobuf"
    response = ExportTraceServiceResponse.FromString(answer.content)
    assert not response.HasField("partial_success")
    run = listener.next_run()
    assert run.status == "completed" and run.path is not None
    assert facts(run.path).calls_per_response == [2, 1, 0]


def test_json_answers_json(listener: ListenerThread, agent_trace: tuple[bytes, bytes]) -> None:
    _, root_json = agent_trace
    answer = _post(listener.url, root_json, "application/json")
    assert answer.status_code == 200
    assert answer.json() == {}


def test_unknown_content_type_is_415(listener: ListenerThread) -> None:
    answer = _post(listener.url, b"hello", "text/plain")
    assert answer.status_code == 415
    assert "application/x-protobuf" in Status.FromString(answer.content).message


def test_malformed_is_400_with_a_reason(listener: ListenerThread) -> None:
    answer = _post(listener.url, b"\xff\xff\xff not protobuf", "application/x-protobuf")
    assert answer.status_code == 400
    assert "not an OTLP protobuf" in Status.FromString(answer.content).message
    answer = _post(listener.url, b'{"resourceSpans": 7}', "application/json")
    assert answer.status_code == 400
    assert answer.json()["message"].startswith("not OTLP JSON")


def test_over_the_limit_is_413(tmp_path: Path, agent_trace: tuple[bytes, bytes]) -> None:
    pb, _ = agent_trace
    with ListenerThread(tmp_path, max_body=1024) as small:
        assert _post(small.url, pb, "application/x-protobuf").status_code == 413
        bomb = gzip.compress(b"\x00" * 10_000)  # small on the wire, over the limit inflated
        answer = _post(small.url, bomb, "application/x-protobuf", **{"Content-Encoding": "gzip"})
        assert answer.status_code == 413


def test_spans_without_ids_are_a_partial_success(listener: ListenerThread) -> None:
    request = ExportTraceServiceRequest()
    span = request.resource_spans.add().scope_spans.add().spans.add()
    span.name = "chat gpt-4o"
    answer = _post(listener.url, request.SerializeToString(), "application/x-protobuf")
    assert answer.status_code == 200
    response = ExportTraceServiceResponse.FromString(answer.content)
    assert response.partial_success.rejected_spans == 1
    assert "trace or span id" in response.partial_success.error_message


def test_a_client_that_disconnects_mid_body_changes_nothing(
    listener: ListenerThread, agent_trace: tuple[bytes, bytes]
) -> None:
    pb, _ = agent_trace
    with socket.create_connection(("127.0.0.1", listener.listener.port)) as raw:
        raw.sendall(
            b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
            b"Content-Length: 100000\r\n\r\n" + pb[:100]
        )
    answer = _post(listener.url, pb, "application/x-protobuf")
    assert answer.status_code == 200
    assert listener.next_run().status == "completed"


def test_a_run_without_its_root_closes_incomplete_after_the_idle_time(
    tmp_path: Path, agent_trace: tuple[bytes, bytes]
) -> None:
    pb, _ = agent_trace
    request = ExportTraceServiceRequest.FromString(pb)
    spans = request.resource_spans[0].scope_spans[0].spans
    kept = [s for s in spans if s.parent_span_id]
    del spans[:]
    spans.extend(kept)
    with ListenerThread(tmp_path, idle_s=0.2) as running:
        assert _post(running.url, request.SerializeToString(), "application/x-protobuf").ok
        run = running.next_run()
    assert run.status == "incomplete"
    assert any("closed without its root span" in note for note in run.notes)
    assert run.path is not None and facts(run.path).round_trips == 3


@pytest.mark.parametrize("framework", ["pydantic-ai", "openai-agents"])
async def test_a_framework_exporting_live_with_the_standard_exporter(
    framework: str, listener: ListenerThread, emulator: EmulatorServer
) -> None:
    state = instrumented()
    sink = Collect()
    exporter = BatchSpanProcessor(OTLPSpanExporter(endpoint=listener.url), schedule_delay_millis=50)
    state.switch.targets = [sink, exporter]
    try:
        if framework == "pydantic-ai":
            await run_pydantic_ai(emulator, SCRIPT, parallel=True)
        else:
            await run_openai_agents(emulator, SCRIPT, parallel=True)
        assert exporter.force_flush()
    finally:
        state.switch.targets = []
        exporter.shutdown()  # type: ignore[no-untyped-call]
    run = listener.next_run()
    assert run.path is not None and run.status == "completed"
    assert run.round_trips == 3 and run.calls == 3 and run.failures == 1
    session = facts(run.path)
    assert_matches(sink.spans, session)
    assert session.calls_per_response == [2, 1, 0]
