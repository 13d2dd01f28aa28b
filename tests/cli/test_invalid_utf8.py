"""Bytes that are not UTF-8, in a prompt or in what a tool returns, are replaced (U+FFFD) and
recorded, never an internal serialisation error. On the old code a prompt with such bytes ended
the turn with "PydanticSerializationError … surrogates not allowed"."""

from __future__ import annotations

from pathlib import Path

from tests.cli.proc import no_traceback, record_run
from workbench.core.events import CallFinished, TextDelta
from workbench.session import SessionRecorder, load_session


def test_a_prompt_with_invalid_utf8_runs_and_is_recorded_replaced(tmp_path: Path) -> None:
    session = tmp_path / "bytes.jsonl"
    done = record_run(
        tmp_path,
        session,
        b"get_date() \xff\xfe caf\xc3\xa9",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Serialization" not in done.stdout + done.stderr
    assert no_traceback(done.stderr)
    events = load_session(session).events
    assert events[0].type == "turn_started"
    assert events[0].prompt == "get_date() \ufffd\ufffd café"
    assert events[-1].type == "turn_finished" and events[-1].status == "completed"


def test_an_event_with_undecodable_text_is_recorded_not_lost(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    with SessionRecorder.create(path, profile={"name": "x"}) as recorder:
        recorder.record(TextDelta(t=0.1, turn=1, text="ok \udcff there"))
        recorder.record(
            CallFinished(
                t=0.2,
                batch_id="b1",
                call_id="c1",
                tool="read_file",
                args={"path": "bad\udcfe.txt"},
                status="ok",
                result="bytes \udc80",
                attempts=1,
                queued_t=0.1,
                started_t=0.1,
                finished_t=0.2,
            )
        )
    loaded = load_session(path)
    assert loaded.problems == []
    text, finished = loaded.events
    assert isinstance(text, TextDelta) and text.text == "ok \ufffd there"
    assert isinstance(finished, CallFinished)
    assert finished.result == "bytes \ufffd" and finished.args == {"path": "bad\ufffd.txt"}
