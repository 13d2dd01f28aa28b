"""``workbench import`` reads every way OTLP traces are written, and says in one line what it cannot."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import orjson
import pytest
from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from tests.traces.facts import facts
from workbench.cli import main


@pytest.fixture
def exported(own_sessions: dict[str, Path], tmp_path: Path) -> Path:
    """Two turns of a recorded session as OTLP JSON lines (one trace, one line per turn)."""
    trace = tmp_path / "trace.otlp.jsonl"
    assert main(["export", str(own_sessions["sequential"]), "-f", "otlp", "-o", str(trace)]) == 0
    return trace


def _requests(trace: Path) -> list[ExportTraceServiceRequest]:
    out = []
    for line in trace.read_text().splitlines():
        doc = orjson.loads(line)
        for rs in doc["resourceSpans"]:
            for ss in rs["scopeSpans"]:
                for span in ss["spans"]:
                    for key in ("traceId", "spanId", "parentSpanId"):
                        if key in span:
                            span[key] = _b64(span[key])
                    for link in span.get("links", []):
                        link["traceId"], link["spanId"] = (
                            _b64(link["traceId"]),
                            _b64(link["spanId"]),
                        )
        out.append(json_format.ParseDict(doc, ExportTraceServiceRequest()))
    return out


def _b64(hex_id: str) -> str:
    import base64

    return base64.b64encode(bytes.fromhex(hex_id)).decode()


def _import(path: Path, out: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["import", str(path), "-o", str(out)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _same_as_json_lines(exported: Path, other: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    assert main(["import", str(exported), "-o", str(a)]) == 0
    assert main(["import", str(other), "-o", str(b)]) == 0
    fa, fb = facts(a), facts(b)
    assert fb.round_trips == fa.round_trips > 0
    assert [x.wall_s for x in fb.batches] == [x.wall_s for x in fa.batches]
    assert [x.tools for x in fb.batches] == [x.tools for x in fa.batches]


def test_protobuf_generic_json_with_base64_ids_and_enum_names(
    exported: Path, tmp_path: Path
) -> None:
    other = tmp_path / "generic.json"
    lines = [
        json.dumps(json_format.MessageToDict(r)) for r in _requests(exported)
    ]  # base64 ids, enum names
    assert '"SPAN_KIND_' in lines[0]
    other.write_text("\n".join(lines) + "\n")
    _same_as_json_lines(exported, other, tmp_path)


def test_one_pretty_printed_document(exported: Path, tmp_path: Path) -> None:
    docs = [orjson.loads(line) for line in exported.read_text().splitlines()]
    merged = {"resourceSpans": [rs for doc in docs for rs in doc["resourceSpans"]]}
    other = tmp_path / "one.json"
    other.write_text(json.dumps(merged, indent=2))
    _same_as_json_lines(exported, other, tmp_path)


def test_protobuf_bare_delimited_and_gzip(exported: Path, tmp_path: Path) -> None:
    requests = _requests(exported)
    merged = ExportTraceServiceRequest()
    for r in requests:
        merged.resource_spans.extend(r.resource_spans)
    bare = tmp_path / "trace.pb"
    bare.write_bytes(merged.SerializeToString())
    _same_as_json_lines(exported, bare, tmp_path)
    delimited = tmp_path / "trace.proto"
    delimited.write_bytes(
        b"".join(
            len(data).to_bytes(4, "big") + data
            for data in (r.SerializeToString() for r in requests)
        )
    )
    _same_as_json_lines(exported, delimited, tmp_path)
    zipped = tmp_path / "trace.jsonl.gz"
    zipped.write_bytes(gzip.compress(exported.read_bytes()))
    _same_as_json_lines(exported, zipped, tmp_path)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"hello, world\n", "not an OTLP trace file"),
        (b'{"a": 1}\n', "not an OTLP trace (no 'resourceSpans')"),
        (b"", "the file is empty"),
        (
            b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"name": "GET /", "traceId": "0102030405060708090a0b0c0d0e0f10", "spanId": "0102030405060708"}]}]}]}',
            "no GenAI or OpenInference spans",
        ),
        (
            b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"name": "x", "startTimeUnixNano": "soon"}]}]}]}',
            "not OTLP JSON",
        ),
    ],
)
def test_bad_input_is_exit_2_and_one_line(
    content: bytes, says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    code, out, err = _import(bad, tmp_path / "s.jsonl", capsys)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert str(bad) in err and says in err
    assert not (tmp_path / "s.jsonl").exists()


def test_a_missing_file_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _import(tmp_path / "nope.json", tmp_path / "s.jsonl", capsys)
    assert code == 2
    assert "no such file" in err and len(err.strip().splitlines()) == 1


def test_a_file_cut_short_imports_what_is_complete(
    exported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = exported.read_bytes().splitlines(keepends=True)
    assert len(lines) == 2  # one line per turn
    cut = tmp_path / "cut.jsonl"
    cut.write_bytes(lines[0] + lines[1][: len(lines[1]) // 2])
    code, _, err = _import(cut, tmp_path / "s.jsonl", capsys)
    assert code == 0
    assert "line 2: not valid JSON" in err and "imported the 1 requests before it" in err
    assert len(facts(tmp_path / "s.jsonl").turns) == 1


def test_a_trace_without_its_root_says_it_is_incomplete(
    exported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = orjson.loads(exported.read_bytes().splitlines()[0])
    spans = doc["resourceSpans"][0]["scopeSpans"][0]["spans"]
    doc["resourceSpans"][0]["scopeSpans"][0]["spans"] = [s for s in spans if "parentSpanId" in s]
    cut = tmp_path / "rootless.jsonl"
    cut.write_bytes(orjson.dumps(doc) + b"\n")
    code, out, err = _import(cut, tmp_path / "s.jsonl", capsys)
    assert code == 0
    assert "incomplete" in out
    assert "root span is not in the input" in err
    session = facts(tmp_path / "s.jsonl")
    assert [t.status for t in session.turns] == ["error"]
    assert session.round_trips > 0


def test_several_runs_need_dir_not_o(tmp_path: Path, own_sessions: dict[str, Path]) -> None:
    traces = []
    for name in ("retries", "flaky"):
        trace = tmp_path / f"{name}.otlp.jsonl"
        assert main(["export", str(own_sessions[name]), "-f", "otlp", "-o", str(trace)]) == 0
        traces.append(str(trace))
    assert main(["import", *traces, "-o", str(tmp_path / "one.jsonl")]) == 2
    out_dir = tmp_path / "out"
    assert main(["import", *traces, "--dir", str(out_dir)]) == 0
    assert len(list(out_dir.glob("*.jsonl"))) == 2


def test_a_fifo_or_a_device_is_refused_at_once_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Opening a FIFO for reading blocks until a writer comes; /dev/zero never ends. Neither may hang.
    fifo = tmp_path / "trace.fifo"
    os.mkfifo(fifo)
    code, _, err = _import(fifo, tmp_path / "o.jsonl", capsys)
    assert code == 2
    assert "named pipe" in err
    assert len(err.strip().splitlines()) == 1
    code, _, err = _import(Path("/dev/zero"), tmp_path / "o.jsonl", capsys)
    assert code == 2
    assert "device" in err
    assert not (tmp_path / "o.jsonl").exists()
