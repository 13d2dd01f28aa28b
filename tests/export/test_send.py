"""POSTing a session to an OTLP/HTTP collector: a loopback receiver decodes what arrives."""

from __future__ import annotations

from pathlib import Path

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from tests.export.conftest import Receiver
from tests.export.helpers import spans_of, traces_from_file
from workbench.export.otlp import write_otlp
from workbench.export.otlp_send import ExportError, send_otlp
from workbench.export.source import read_session_spans


def test_the_collector_receives_the_same_spans_as_the_file(
    sessions: dict[str, Path], receiver: Receiver, tmp_path: Path
) -> None:
    spans = read_session_spans(sessions["retries"])
    sent = send_otlp(spans, receiver.url, headers={"Authorization": "Basic dGVzdA=="})
    (path, headers, body) = receiver.requests[0]
    assert path == "/v1/traces"
    assert headers["content-type"] == "application/x-protobuf"
    assert headers["authorization"] == "Basic dGVzdA=="
    request = ExportTraceServiceRequest.FromString(body)
    got = spans_of([request])
    assert len(got) == sent
    write_otlp(spans, tmp_path / "o.jsonl")
    from_file = spans_of(traces_from_file(tmp_path / "o.jsonl"))
    assert sorted(s.SerializeToString() for s in got) == sorted(
        s.SerializeToString() for s in from_file
    )


@pytest.mark.parametrize(("status", "body"), [(401, b"bad credentials\nmore"), (500, b"oops")])
def test_a_refusing_collector_is_reported_with_its_status_and_first_body_line(
    sessions: dict[str, Path], receiver: Receiver, status: int, body: bytes
) -> None:
    receiver.status, receiver.body = status, body
    with pytest.raises(ExportError) as caught:
        send_otlp(
            read_session_spans(sessions["flaky"]),
            receiver.url,
            headers={"Authorization": "Basic c2VjcmV0"},
        )
    message = str(caught.value)
    assert f"{receiver.url}/v1/traces" in message
    assert str(status) in message
    assert body.decode().splitlines()[0] in message
    assert "\n" not in message
    assert "c2VjcmV0" not in message
    assert len(receiver.requests) == 1  # not retried


def test_an_unreachable_collector_is_named(sessions: dict[str, Path], closed_port: str) -> None:
    with pytest.raises(ExportError, match="cannot reach the collector at") as caught:
        send_otlp(read_session_spans(sessions["flaky"]), closed_port, timeout_s=0.5)
    assert closed_port in str(caught.value)


def test_credentials_in_the_endpoint_url_are_never_shown(
    sessions: dict[str, Path], closed_port: str
) -> None:
    with_password = closed_port.replace("http://", "http://team:hunter2@")
    with pytest.raises(ExportError) as caught:
        send_otlp(read_session_spans(sessions["flaky"]), with_password, timeout_s=0.5)
    assert "hunter2" not in str(caught.value)
    assert closed_port.removeprefix("http://") in str(caught.value)
