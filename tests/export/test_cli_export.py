"""``workbench export`` and live export from ``workbench run``, as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.export.conftest import Receiver
from tests.export.helpers import spans_of, traces_from_file
from workbench.cli import main

V1 = Path(__file__).parents[1] / "session" / "v1"


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def _copy(session: Path, tmp_path: Path) -> Path:
    target = tmp_path / session.name
    target.write_bytes(session.read_bytes())
    return target


def test_chrome_goes_beside_the_session_and_says_where(
    sessions: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    session = _copy(sessions["retries"], tmp_path)
    code, out, err = _run(["export", str(session), "--format", "chrome"], capsys)
    assert code == 0, err
    target = tmp_path / "retries.trace.json"
    assert str(target) in out
    assert json.loads(target.read_bytes())["traceEvents"]


def test_the_format_follows_the_output_name(
    sessions: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_path = tmp_path / "run.otlp.jsonl"
    code, out, _ = _run(["export", str(sessions["flaky"]), "-o", str(out_path)], capsys)
    assert code == 0
    assert "spans" in out and str(out_path) in out
    assert spans_of(traces_from_file(out_path))


def test_nothing_to_export_to_is_a_usage_error(
    sessions: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(["export", str(sessions["flaky"])], capsys)
    assert code == 2
    assert "--format" in err


def test_an_endpoint_that_is_not_a_url_is_a_usage_error(
    sessions: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(["export", str(sessions["flaky"]), "--otlp-endpoint", "localhost"], capsys)
    assert code == 2
    assert "--otlp-endpoint" in err


def test_an_output_that_cannot_be_written_is_named(
    sessions: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocked = tmp_path / "missing-dir" / "run.trace.json"
    code, _, err = _run(["export", str(sessions["flaky"]), "-o", str(blocked)], capsys)
    assert code == 2
    assert str(blocked) in err
    assert len(err.strip().splitlines()) == 1


def test_sending_to_a_collector(
    sessions: dict[str, Path], receiver: Receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(
        [
            "export",
            str(sessions["retries"]),
            "--otlp-endpoint",
            receiver.url,
            "--header",
            "Authorization=Basic dGVzdA==",
        ],
        capsys,
    )
    assert code == 0, err
    assert f"to {receiver.url}" in out
    assert receiver.requests[0][1]["authorization"] == "Basic dGVzdA=="


def test_a_collector_that_refuses_is_exit_1_with_status_and_body(
    sessions: dict[str, Path], receiver: Receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    receiver.status, receiver.body = 400, b"invalid trace payload\nstack..."
    code, _, err = _run(
        ["export", str(sessions["retries"]), "--otlp-endpoint", receiver.url], capsys
    )
    assert code == 1
    assert err.strip().count("\n") == 0
    assert "400" in err and "invalid trace payload" in err and receiver.url in err


def test_an_unreachable_collector_is_exit_1_naming_it(
    sessions: dict[str, Path], closed_port: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(
        ["export", str(sessions["retries"]), "--otlp-endpoint", closed_port, "--timeout", "0.5"],
        capsys,
    )
    assert code == 1
    assert closed_port in err and "cannot reach" in err
    assert err.strip().count("\n") == 0


def test_a_truncated_session_exports_up_to_its_last_good_line_and_says_so(
    sessions: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = sessions["retries"].read_bytes()
    lines = data.split(b"\n")
    cut = b"\n".join(lines[: len(lines) // 2]) + b"\n" + lines[len(lines) // 2][:15]
    session = tmp_path / "cut.jsonl"
    session.write_bytes(cut)
    code, _, err = _run(["export", str(session), "-f", "chrome"], capsys)
    assert code == 0
    assert f"line {len(lines) // 2 + 1}" in err and "mid-line" in err
    trace = json.loads((tmp_path / "cut.trace.json").read_bytes())
    calls = [e for e in trace["traceEvents"] if e.get("cat") == "call"]
    assert calls
    code, _, err = _run(["export", str(session), "-f", "otlp"], capsys)
    assert code == 0
    spans = spans_of(traces_from_file(tmp_path / "cut.otlp.jsonl"))
    assert any(s.name == "invoke_agent workbench" for s in spans)


@pytest.mark.parametrize("name", sorted(p.name for p in V1.glob("*.jsonl")))
def test_old_session_files_export_with_approximate_times(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    session = _copy(V1 / name, tmp_path)
    code, _, err = _run(["export", str(session), "-f", "otlp"], capsys)
    assert code == 0
    assert "approximate" in err
    doc = json.loads((tmp_path / f"{session.stem}.otlp.jsonl").read_text().splitlines()[0])
    resource = {a["key"]: a["value"] for a in doc["resourceSpans"][0]["resource"]["attributes"]}
    assert resource["workbench.times.approximate"] == {"boolValue": True}
    code, _, _ = _run(["export", str(session), "-f", "chrome"], capsys)
    trace = json.loads((tmp_path / f"{session.stem}.trace.json").read_bytes())
    assert trace["otherData"]["times"] == "approximate"


def test_not_a_session_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junk = tmp_path / "junk.jsonl"
    junk.write_text('{"hello": 1}\n')
    code, _, err = _run(["export", str(junk), "-f", "chrome"], capsys)
    assert code == 2
    assert "not a workbench session" in err


FAST_PROFILE = """\
type: scripted
scripted: {ttft_ms: 0, tokens_per_s: 1000000}
"""


def test_run_sends_spans_live_through_the_otel_variables(
    receiver: Receiver,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    profile = tmp_path / "fast.yaml"
    profile.write_text(FAST_PROFILE)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url)
    session = tmp_path / "s.jsonl"
    code, _, err = _run(
        ["run", "-p", str(profile), "--record", str(session), "get_date(), get_date()"], capsys
    )
    assert code == 0, err
    assert receiver.requests
    code, _, _ = _run(["export", str(session), "-f", "otlp"], capsys)
    from_file = spans_of(traces_from_file(tmp_path / "s.otlp.jsonl"))
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    live = spans_of([ExportTraceServiceRequest.FromString(b) for _, _, b in receiver.requests])
    assert sorted(s.span_id for s in live) == sorted(s.span_id for s in from_file)


def test_run_with_a_dead_collector_says_so_once_and_succeeds(
    closed_port: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    profile = tmp_path / "fast.yaml"
    profile.write_text(FAST_PROFILE + f"telemetry: {{endpoint: '{closed_port}'}}\n")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "500")
    code, out, err = _run(["run", "-p", str(profile), "--no-record", "get_date()"], capsys)
    assert code == 0
    assert err.count("live trace export stopped") == 1
    assert closed_port in err
    assert "date" in out
