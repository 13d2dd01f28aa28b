"""Live export: a run sends its spans to a collector as it goes; a dead collector costs one line."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span
from pydantic import ValidationError

from tests.export.conftest import Receiver
from tests.export.helpers import spans_of, traces_from_file
from tests.export.sessions import MIXED, profile
from workbench.config import Profile
from workbench.export.live import LiveExport, sink_from_env
from workbench.export.otlp import write_otlp
from workbench.export.source import read_session_spans
from workbench.runtime import Runtime


async def _run_live(path: Path, live: LiveExport, prof: Profile, prompts: list[str]) -> None:
    runtime = await Runtime.start(prof, record=path, extra_sinks=[live])
    live.attach(runtime)
    try:
        for prompt in prompts:
            async for _ in runtime.run_turn(prompt):
                pass
    finally:
        await runtime.aclose()  # closes the live export too


def _received(receiver: Receiver) -> list[Span]:
    return spans_of(
        [ExportTraceServiceRequest.FromString(body) for _, _, body in receiver.requests]
    )


async def test_a_live_run_sends_the_spans_a_file_export_would_write(
    receiver: Receiver, tmp_path: Path
) -> None:
    prof = profile(tool_timeout_s=0.1, tool_retries=1, tool_retry_backoff_s=0.0)
    live = LiveExport(endpoint=receiver.url)
    path = tmp_path / "s.jsonl"
    await _run_live(path, live, prof, [MIXED, "get_date()"])
    assert live.problem is None
    got = _received(receiver)
    write_otlp(read_session_spans(path), tmp_path / "o.jsonl")
    expected = spans_of(traces_from_file(tmp_path / "o.jsonl"))
    assert live.spans_sent == len(got) == len(expected)
    # the same spans, byte for byte: ids, names, times, attributes, links, status
    assert sorted(s.SerializeToString() for s in got) == sorted(
        s.SerializeToString() for s in expected
    )


async def test_spans_arrive_while_the_session_goes_on(receiver: Receiver, tmp_path: Path) -> None:
    live = LiveExport(endpoint=receiver.url)
    runtime = await Runtime.start(profile(), record=tmp_path / "s.jsonl", extra_sinks=[live])
    live.attach(runtime)
    try:
        async for _ in runtime.run_turn("get_date(), get_date()"):
            pass
        # the turn is over and the session still open: its spans were flushed at its end
        assert await _wait(receiver.arrived)
    finally:
        await runtime.aclose()
    names = {s.name for s in _received(receiver)}
    assert "invoke_agent workbench" in names


async def _wait(event: threading.Event) -> bool:
    return await asyncio.to_thread(event.wait, 10)


async def test_a_collector_that_hangs_never_holds_up_the_run(
    receiver: Receiver, tmp_path: Path
) -> None:
    receiver.answer.clear()  # the collector takes requests and does not answer
    live = LiveExport(endpoint=receiver.url, timeout_s=20)
    runtime = await Runtime.start(profile(), record=tmp_path / "s.jsonl", extra_sinks=[live])
    live.attach(runtime)
    try:
        finished = []

        async def turn(prompt: str) -> None:
            async for event in runtime.run_turn(prompt):
                if event.type == "turn_finished":
                    finished.append(event)

        await turn("get_date(), get_date()")
        assert await _wait(receiver.arrived)  # the first spans are on their way, unanswered
        await turn("get_date()")
        await turn("get_date(), get_date()")
        # two more turns ran while that request was still waiting for its answer
        assert len(finished) == 3
        assert len(receiver.requests) == 1
    finally:
        receiver.answer.set()
        await runtime.aclose()
    assert live.problem is None
    assert {s.name for s in _received(receiver)} >= {"invoke_agent workbench"}


@pytest.mark.parametrize("refuse", [True, False])
async def test_a_collector_that_is_down_or_refuses_is_one_problem_and_the_run_goes_on(
    receiver: Receiver, closed_port: str, tmp_path: Path, refuse: bool
) -> None:
    problems: list[str] = []
    if refuse:
        receiver.status, receiver.body = 503, b"overloaded"
    endpoint = receiver.url if refuse else closed_port
    live = LiveExport(endpoint=endpoint, on_problem=problems.append, timeout_s=0.5)
    path = tmp_path / "s.jsonl"
    await _run_live(path, live, profile(), ["get_date()", "get_date(), get_date()"])
    # the failure once, as it happens; at the end, how many spans were not sent
    assert len(problems) == 2
    assert endpoint in problems[0]
    assert ("503" in problems[0]) if refuse else ("connection refused" in problems[0])
    assert live.spans_sent == 0
    assert problems[1].startswith(f"live trace export: {live.spans_built:,} of ")
    assert "were not sent" in problems[1]
    assert read_session_spans(path).turns[-1].status == "completed"


def test_configuration_comes_from_the_profile_or_the_otel_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plain = profile()
    assert sink_from_env(plain, environ={}) is None
    live = sink_from_env(plain, environ={"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1"})
    assert live is not None and live.endpoint is None  # the exporter reads the variables itself
    configured = profile(
        telemetry={
            "endpoint": "http://127.0.0.1:4318",
            "headers_env": "WB_OTLP_HEADERS",
            "include_content": True,
        }
    )
    live = sink_from_env(configured, environ={"WB_OTLP_HEADERS": "Authorization=Basic eA=="})
    assert live is not None
    assert live.endpoint == "http://127.0.0.1:4318"
    assert live.headers == {"Authorization": "Basic eA=="}
    assert live.include_content
    with pytest.raises(ValueError, match="WB_OTLP_HEADERS"):
        sink_from_env(configured, environ={})
    on = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://x:1"}
    assert sink_from_env(plain, environ={**on, "OTEL_SDK_DISABLED": "true"}) is None
    assert sink_from_env(plain, environ={**on, "OTEL_TRACES_EXPORTER": "none"}) is None
    with pytest.raises(ValidationError, match=r"telemetry\.endpoint"):
        profile(telemetry={"endpoint": "localhost:4318"})
    with pytest.raises(ValidationError, match=r"telemetry\.headers_env"):
        profile(telemetry={"headers_env": "Authorization=Basic abc"})
    off = profile(telemetry={"enabled": False})
    assert sink_from_env(off, environ={"OTEL_EXPORTER_OTLP_ENDPOINT": "http://x:1"}) is None
    assert "eA==" not in str(configured.public_dict())


async def test_the_standard_variables_point_the_live_export(
    receiver: Receiver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-team=blue")
    live = sink_from_env(profile())
    assert live is not None
    await _run_live(tmp_path / "s.jsonl", live, profile(), ["get_date()"])
    assert receiver.requests
    path, headers, _ = receiver.requests[0]
    assert path == "/v1/traces"
    assert headers["x-team"] == "blue"


async def test_the_app_runtime_exports_live_and_reports_a_dead_collector_on_its_loop(
    closed_port: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.tui.ports import default_runtime_factory

    profile_file = tmp_path / "fast.yaml"
    profile_file.write_text(
        "type: scripted\nscripted: {ttft_ms: 0, tokens_per_s: 1000000}\n"
        f"telemetry: {{endpoint: '{closed_port}'}}\n"
    )
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "500")
    problems: list[tuple[str, bool]] = []
    loop_thread = threading.get_ident()

    def on_problem(message: str) -> None:
        problems.append((message, threading.get_ident() == loop_thread))

    start = default_runtime_factory(tmp_path / "s.jsonl", on_problem=on_problem)
    runtime = await start(str(profile_file))
    async for _ in runtime.run_turn("get_date()"):
        pass
    await runtime.aclose()
    await asyncio.sleep(0)  # the report was handed to the loop; let it run
    assert len(problems) == 2  # the failure, then how many spans were not sent
    message, on_loop = problems[0]
    assert closed_port in message and on_loop
    assert "spans were not sent" in problems[1][0] and problems[1][1]


async def test_a_bad_endpoint_variable_is_one_problem_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "not a url")
    problems: list[str] = []
    live = sink_from_env(profile(), on_problem=problems.append)
    assert live is not None
    await _run_live(tmp_path / "s.jsonl", live, profile(), ["get_date()"])
    assert len(problems) == 2
    assert "live trace export stopped" in problems[0] and "not a usable URL" in problems[0]
    assert "spans were not sent" in problems[1]
