"""Recording a run and loading it back: what a user gets from a session file."""

from __future__ import annotations

import asyncio
import errno
import gc
import io
import json
import os
import re
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.fabricate import PROFILE, session_events
from workbench.core.events import CallQueued, ErrorEvent, TextDelta
from workbench.session import (
    FORMAT_NAME,
    FORMAT_VERSION,
    RecorderClosedError,
    SessionFileError,
    SessionRecorder,
    load_session,
)
from workbench.session import recorder as recorder_module
from workbench.session.format import event_types


async def _written(recorder: SessionRecorder) -> None:
    """Wait (a few seconds at most) until every recorded event is in the file."""
    for _ in range(500):
        if recorder.pending == 0:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{recorder.pending} events still unwritten")


def _settle(recorder: SessionRecorder, left: int) -> None:
    """Wait (a few seconds at most) for the writer thread until only ``left`` events are unwritten."""
    for _ in range(500):
        if recorder.pending == left:
            return
        time.sleep(0.01)
    raise AssertionError(f"{recorder.pending} events unwritten, expected {left}")


CREATED = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_every_event_type_round_trips(tmp_path: Path) -> None:
    events = session_events()
    assert {e.type for e in events} == set(event_types()), "samples must cover every event type"
    path = tmp_path / "run.jsonl"
    with SessionRecorder.create(path, profile=PROFILE, session_id="abc123") as recorder:
        for event in events:
            recorder.record(event)

    loaded = load_session(path)

    assert loaded.events == events
    assert loaded.problems == []
    assert loaded.truncated_at is None
    assert loaded.complete
    assert loaded.header.format == FORMAT_NAME
    assert loaded.header.version == FORMAT_VERSION
    assert loaded.header.session_id == "abc123"
    assert loaded.header.profile.model_dump() == {"description": None, **PROFILE}
    assert loaded.header.created.tzinfo is not None


def test_file_is_a_header_then_one_event_per_line(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    events = session_events()
    with SessionRecorder.create(path, profile=PROFILE) as recorder:
        for event in events:
            recorder.record(event)

    lines = _lines(path)
    header = json.loads(lines[0])
    assert header["format"] == "workbench-session"
    assert header["version"] == 2
    assert header["created"].endswith("Z")
    assert [json.loads(line)["type"] for line in lines[1:]] == [e.type for e in events]


def test_recording_all_at_once_writes_the_same_file_as_one_by_one(tmp_path: Path) -> None:
    events = session_events() * 7  # more than one chunk of max_buffer
    one, many = tmp_path / "one.jsonl", tmp_path / "many.jsonl"
    for path in (one, many):
        with SessionRecorder.create(
            path, profile=PROFILE, session_id="abc123", max_buffer=10, created=CREATED
        ) as recorder:
            if path == one:
                for event in events:
                    recorder.record(event)
            else:
                recorder.record_all(events)
                assert recorder.pending == 0, "written at once"
    assert many.read_bytes() == one.read_bytes()
    assert load_session(many).events == events
    with pytest.raises(RecorderClosedError):
        recorder.record_all(events)


def test_default_path_is_under_the_user_sessions_dir() -> None:
    with SessionRecorder.create(profile=PROFILE, session_id="deadbeefcafe") as recorder:
        path = recorder.path
    data_home = Path(os.environ["XDG_DATA_HOME"])
    assert path.parent == data_home / "workbench" / "sessions"
    assert re.fullmatch(r"\d{8}-\d{6}-deadbeef\.jsonl", path.name)
    assert load_session(path).header.session_id == "deadbeefcafe"


def test_events_are_buffered_until_flush_or_close(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    recorder = SessionRecorder.create(path, profile=PROFILE, max_delay_s=3600)
    assert len(_lines(path)) == 1, "the header is written at once"

    for event in session_events()[:3]:
        recorder.record(event)
    assert recorder.pending == 3
    assert len(_lines(path)) == 1

    recorder.close()
    assert len(load_session(path).events) == 3


def test_file_is_readable_while_the_recorder_is_open(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    events = session_events()
    recorder = SessionRecorder.create(path, profile=PROFILE, max_delay_s=3600)
    for event in events[:5]:
        recorder.record(event)
    recorder.flush()

    assert load_session(path).events == events[:5]

    for event in events[5:]:
        recorder.record(event)
    recorder.flush()
    assert load_session(path).events == events
    recorder.close()


def test_full_buffer_is_written_without_a_flush(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    recorder = SessionRecorder.create(path, profile=PROFILE, max_buffer=4, max_delay_s=3600)
    for event in session_events()[:9]:
        recorder.record(event)
    _settle(recorder, 1)
    assert len(load_session(path).events) == 8
    recorder.close()


def test_old_buffer_is_written_on_the_next_record(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    recorder = SessionRecorder.create(path, profile=PROFILE, max_delay_s=0.0)
    recorder.record(session_events()[0])
    assert len(load_session(path).events) == 1
    recorder.close()


async def test_buffered_events_are_written_soon_even_when_no_more_arrive(tmp_path: Path) -> None:
    # A tool that hangs must not keep the calls started before it out of the file.
    path = tmp_path / "run.jsonl"
    recorder = SessionRecorder.create(path, profile=PROFILE, max_delay_s=0.005)
    for event in session_events()[:2]:
        recorder.record(event)
    assert recorder.pending == 2
    await _written(recorder)
    assert len(load_session(path).events) == 2
    recorder.close()


def test_close_is_idempotent_and_recording_after_close_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    recorder = SessionRecorder.create(path, profile=PROFILE)
    recorder.record(session_events()[0])
    recorder.close()
    recorder.close()
    assert recorder.closed
    with pytest.raises(RecorderClosedError):
        recorder.record(session_events()[1])
    assert len(load_session(path).events) == 1


def test_a_forgotten_recorder_still_writes_its_events(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    recorder = SessionRecorder.create(path, profile=PROFILE, max_delay_s=3600)
    for event in session_events()[:4]:
        recorder.record(event)
    del recorder
    gc.collect()
    assert len(load_session(path).events) == 4


def test_a_killed_process_leaves_a_loadable_file(tmp_path: Path) -> None:
    path = tmp_path / "killed.jsonl"
    script = textwrap.dedent(
        f"""
        import os
        from pathlib import Path
        from tests.fabricate import PROFILE, session_events
        from workbench.session import SessionRecorder

        recorder = SessionRecorder.create(Path({str(path)!r}), profile=PROFILE, max_delay_s=3600)
        events = session_events()
        for event in events[:6]:
            recorder.record(event)
        recorder.flush()
        for event in events[6:]:
            recorder.record(event)
        os._exit(9)  # no cleanup, like SIGKILL
        """
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", script], cwd=root, check=False)
    assert result.returncode == 9

    loaded = load_session(path)
    assert loaded.events == session_events()[:6]
    assert loaded.problems == []


def test_unwritable_location_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(SessionFileError, match=r"cannot create session file .*: .*file is a file"):
        SessionRecorder.create(blocker / "deeper" / "run.jsonl", profile=PROFILE)


def test_arguments_json_cannot_hold_are_written_not_fatal(tmp_path: Path) -> None:
    class Opaque:
        def __repr__(self) -> str:
            return "<Opaque>"

    path = tmp_path / "run.jsonl"
    odd = CallQueued.model_construct(
        t=0.0, batch_id="b1", call_id="c1", tool="t", args={"tags": {"x"}, "obj": Opaque()}, index=0
    )
    with SessionRecorder.create(path, profile=PROFILE) as recorder:
        recorder.record(odd)
    (event,) = load_session(path).events
    assert isinstance(event, CallQueued)
    assert event.args == {"tags": ["x"], "obj": "<Opaque>"}


def test_api_keys_never_reach_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = "sk-test-1234567890abcdefghijklmnopqrstuvwxyz"
    custom = "custom-secret-value-0987654321"
    monkeypatch.setenv("OPENAI_API_KEY", key)
    monkeypatch.setenv("MY_GATEWAY_CRED", custom)
    profile = {
        **PROFILE,
        "api_key": key,  # a user who pasted the key in the wrong field
        "extra_headers": {"Authorization": f"Bearer {key}", "X-Trace": "on"},
        "gateway_key_env": "MY_GATEWAY_CRED",
    }
    path = tmp_path / "run.jsonl"
    with SessionRecorder.create(path, profile=profile) as recorder:
        recorder.record(TextDelta(t=0.1, turn=1, text=f"env says {key}"))
        recorder.record(ErrorEvent(t=0.2, turn=1, kind="auth", message=f"bad key {custom}"))

    text = path.read_text(encoding="utf-8")
    assert key not in text
    assert custom not in text
    loaded = load_session(path)
    assert loaded.problems == []
    profile_out = loaded.header.profile.model_dump(exclude_unset=True)
    assert profile_out["api_key"] == "***"
    assert profile_out["extra_headers"] == {"Authorization": "***", "X-Trace": "on"}
    assert profile_out["api_key_env"] == "OPENAI_API_KEY", "env var names are kept"
    assert profile_out["max_tokens"] == 4096, "max_tokens is not a token"
    assert loaded.events[0] == TextDelta(t=0.1, turn=1, text="env says ***")


def test_each_line_is_the_json_pydantic_would_write(tmp_path: Path) -> None:
    # The buffer is written by orjson in one call; it must say exactly what the models say.
    events = session_events()
    path = tmp_path / "run.jsonl"
    with SessionRecorder.create(path, profile=PROFILE) as recorder:
        for event in events:
            recorder.record(event)
    lines = _lines(path)[1:]
    assert [json.loads(line) for line in lines] == [json.loads(e.model_dump_json()) for e in events]


@pytest.mark.parametrize(
    "args",
    [
        # An argument shaped like a run of events: splitting the buffer there would tear a line.
        {"rows": [{"t": 1, "type": "x"}, {"t": 2, "type": "y"}]},
        {"text": '},{"t":0.5,"type":"call_started"'},
        # Values orjson refuses: the whole buffer then goes through pydantic.
        {"big": 2**70},
        {"nested": {1: "a non-string key"}},
    ],
    ids=["event-shaped", "event-shaped-string", "huge-int", "int-key"],
)
def test_awkward_arguments_still_give_one_event_per_line(
    tmp_path: Path, args: dict[str, object]
) -> None:
    path = tmp_path / "run.jsonl"
    with SessionRecorder.create(path, profile=PROFILE) as recorder:
        for index in range(3):
            recorder.record(
                CallQueued(
                    t=float(index),
                    batch_id="b1",
                    call_id=f"c{index}",
                    tool="t",
                    args=args,
                    index=index,
                )
            )
    session = load_session(path)
    assert [e.call_id for e in session.events if isinstance(e, CallQueued)] == ["c0", "c1", "c2"]
    assert len(_lines(path)) == 4
    first = session.events[0]
    assert isinstance(first, CallQueued)
    assert json.dumps(first.args, sort_keys=True) == json.dumps(
        json.loads(CallQueued(t=0, batch_id="b", call_id="c", tool="t", args=args, index=0)
                   .model_dump_json())["args"], sort_keys=True
    )  # fmt: skip


async def test_on_a_loop_recording_never_writes_inside_record(tmp_path: Path) -> None:
    # The executor records three events per call: writing there would delay the calls themselves.
    path = tmp_path / "run.jsonl"
    recorder = SessionRecorder.create(path, profile=PROFILE, max_delay_s=3600)
    for event in session_events()[:9]:
        recorder.record(event)
    await asyncio.sleep(0)
    assert recorder.pending == 9
    assert len(_lines(path)) == 1
    recorder.close()


async def test_flush_soon_writes_in_the_next_turn(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    recorder = SessionRecorder.create(path, profile=PROFILE, max_delay_s=3600)
    for event in session_events()[:3]:
        recorder.record(event)
    recorder.flush_soon()
    assert len(_lines(path)) == 1
    await _written(recorder)
    assert load_session(path).events == session_events()[:3]
    recorder.close()


def test_flush_soon_without_a_loop_writes_at_once(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    recorder = SessionRecorder.create(path, profile=PROFILE, max_delay_s=3600)
    recorder.record(session_events()[0])
    recorder.flush_soon()
    assert len(load_session(path).events) == 1
    recorder.close()


async def test_a_loop_that_gets_no_turn_still_bounds_the_buffer(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    recorder = SessionRecorder.create(path, profile=PROFILE, max_buffer=6, max_delay_s=3600)
    for event in session_events()[:7]:
        recorder.record(event)  # never yields to the loop, like a batch of instant tools
    _settle(recorder, 1)
    assert len(load_session(path).events) == 6
    recorder.close()


async def test_a_backlog_is_written_a_chunk_per_turn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # So that writing a huge batch's events never stalls the loop (the TUI) for long.
    monkeypatch.setattr(recorder_module, "DRAIN_CHUNK", 3)
    path = tmp_path / "run.jsonl"
    recorder = SessionRecorder.create(path, profile=PROFILE, max_delay_s=3600)
    for event in session_events()[:8]:
        recorder.record(event)
    recorder.flush_soon()
    await asyncio.sleep(0)
    assert recorder.pending >= 5, "one chunk per turn"
    await _written(recorder)
    assert load_session(path).events == session_events()[:8]
    recorder.close()


class _FullDisk(io.BytesIO):
    def write(self, data: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")


async def test_a_write_failing_in_the_background_is_reported_by_the_next_flush(
    tmp_path: Path,
) -> None:
    path = tmp_path / "run.jsonl"
    recorder = SessionRecorder.create(path, profile=PROFILE, max_delay_s=3600)
    recorder._file = _FullDisk()
    for event in session_events()[:2]:
        recorder.record(event)
    recorder.flush_soon()
    await _written(recorder)  # the write fails in the writer thread, which cannot report it
    assert recorder.failure is not None
    with pytest.raises(SessionFileError, match="No space left on device"):
        recorder.flush()
    recorder.flush()  # reported once
