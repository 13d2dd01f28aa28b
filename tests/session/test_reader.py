"""Loading damaged, foreign and newer session files: what loads, and what the user is told."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fabricate import PROFILE, session_events
from workbench.core.events import TurnStarted
from workbench.session import (
    SessionFileError,
    SessionFormatError,
    SessionRecorder,
    list_sessions,
    load_session,
)


@pytest.fixture
def recorded(tmp_path: Path) -> Path:
    path = tmp_path / "run.jsonl"
    with SessionRecorder.create(path, profile=PROFILE) as recorder:
        for event in session_events():
            recorder.record(event)
    return path


def _rewrite(path: Path, edit: dict[int, bytes | None]) -> None:
    """Replace (or drop, with None) lines by 1-based number."""
    lines = path.read_bytes().split(b"\n")
    out = [edit.get(n, line) for n, line in enumerate(lines, start=1)]
    path.write_bytes(b"\n".join(line for line in out if line is not None))


def test_torn_last_line_loads_everything_before_it(recorded: Path) -> None:
    data = recorded.read_bytes()
    recorded.write_bytes(data[:-25])  # cut into the last event
    total = len(session_events())

    loaded = load_session(recorded)

    assert loaded.events == session_events()[: total - 1]
    assert loaded.truncated_at == total + 1
    assert loaded.problems == [
        f"line {total + 1}: not valid JSON (the file ends mid-line; the session was probably"
        f" interrupted) — loaded the {total - 1} events before it"
    ]
    assert not loaded.complete


def test_corrupt_middle_line_stops_loading_there(recorded: Path) -> None:
    _rewrite(recorded, {6: b'{"t": 0.2, "type": "text_del'})

    loaded = load_session(recorded)

    assert loaded.events == session_events()[:4]
    assert loaded.truncated_at == 6
    assert loaded.problems == [
        "line 6: not valid JSON — stopped there and loaded the 4 events before it;"
        " the rest is not trusted"
    ]


def test_invalid_known_event_stops_loading_and_names_the_field(recorded: Path) -> None:
    bad = json.loads(recorded.read_bytes().split(b"\n")[2])
    assert bad["type"] == "turn_started"
    bad["turn"] = "first"
    _rewrite(recorded, {3: json.dumps(bad).encode()})

    loaded = load_session(recorded)

    assert loaded.events == session_events()[:1]
    assert loaded.truncated_at == 3
    (problem,) = loaded.problems
    assert problem.startswith("line 3: invalid 'turn_started' event (turn: Input should be")
    assert problem.endswith(
        "— stopped there and loaded the 1 event before it; the rest is not trusted"
    )


def test_unknown_event_type_is_skipped_and_noted(recorded: Path) -> None:
    future = b'{"t": 0.3, "type": "gpu_meter", "watts": 310}'
    lines = recorded.read_bytes().split(b"\n")
    lines[4:4] = [future, future]
    recorded.write_bytes(b"\n".join(lines))

    loaded = load_session(recorded)

    assert loaded.events == session_events()
    assert loaded.truncated_at is None
    assert loaded.problems == [
        "skipped 2 lines of unknown event type 'gpu_meter' (first at line 5); a newer workbench"
        " probably wrote them"
    ]


def test_blank_lines_are_ignored(recorded: Path) -> None:
    recorded.write_bytes(recorded.read_bytes().replace(b"\n", b"\n\n", 3))
    loaded = load_session(recorded)
    assert loaded.events == session_events()
    assert loaded.problems == []


def test_newer_format_version_is_refused(recorded: Path) -> None:
    header = json.loads(recorded.read_bytes().split(b"\n")[0])
    header["version"] = 7
    _rewrite(recorded, {1: json.dumps(header).encode()})
    with pytest.raises(
        SessionFormatError,
        match=r"session format version 7 is newer than this workbench understands \(2\);"
        r" upgrade workbench",
    ):
        load_session(recorded)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"format": "other-tool", "version": 1}\n{"t": 0}\n', 'no "format"'),
        (b"hello world\nthis is text\n", "first line is not a JSON object"),
        (b"[1, 2, 3]\n", "first line is not a JSON object"),
    ],
)
def test_foreign_files_are_refused(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "notes.jsonl"
    path.write_bytes(content)
    with pytest.raises(SessionFormatError, match="is not a workbench session") as info:
        load_session(path)
    assert reason in str(info.value)
    assert info.value.path == path


def test_invalid_header_is_refused(recorded: Path) -> None:
    header = json.loads(recorded.read_bytes().split(b"\n")[0])
    del header["session_id"]
    _rewrite(recorded, {1: json.dumps(header).encode()})
    with pytest.raises(SessionFormatError, match=r"the session header is invalid \(session_id: "):
        load_session(recorded)


def test_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"\n")
    with pytest.raises(SessionFormatError, match="is empty: not a workbench session"):
        load_session(path)


def test_missing_file_and_directory_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(SessionFileError, match=r"session file not found: .*nope\.jsonl"):
        load_session(tmp_path / "nope.jsonl")
    with pytest.raises(SessionFileError, match="is a directory, not a session file"):
        load_session(tmp_path)


def test_header_only_session_loads_with_no_events(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    SessionRecorder.create(path, profile=PROFILE).close()
    loaded = load_session(path)
    assert loaded.events == []
    assert loaded.complete


def test_list_sessions_newest_first_with_summaries(tmp_path: Path) -> None:
    older = tmp_path / "older.jsonl"
    with SessionRecorder.create(older, profile={"name": "first"}) as recorder:
        recorder.record(TurnStarted(t=0.0, turn=1, prompt="hello"))
    newer = tmp_path / "newer.jsonl"
    with SessionRecorder.create(newer, profile=PROFILE) as recorder:
        for event in session_events():
            recorder.record(event)
    (tmp_path / "junk.jsonl").write_text("not a session\n")
    (tmp_path / "readme.txt").write_text("ignored\n")

    summaries = list_sessions(tmp_path)

    assert [s.path for s in summaries] == [newer, older]
    latest = summaries[0]
    assert latest.profile_name == "demo"
    assert latest.turns == 2
    assert latest.events == len(session_events())
    assert latest.first_prompt == "What's the weather in Paris, and find me docs?"
    assert latest.duration_s == session_events()[-1].t
    assert summaries[1].first_prompt == "hello"
    assert list_sessions(tmp_path, limit=1) == summaries[:1]


def test_list_sessions_defaults_to_the_user_sessions_dir() -> None:
    assert list_sessions() == []
    with SessionRecorder.create(profile=PROFILE) as recorder:
        path = recorder.path
    assert [s.path for s in list_sessions()] == [path]
