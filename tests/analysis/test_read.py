"""Reading recordings for analysis: truncated and corrupt files, v1 files, files that are not sessions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.analysis.support import profile, record
from workbench.analysis import from_recording, read_recording
from workbench.session import SessionFormatError, load_session


async def recorded(tmp_path: Path) -> Path:
    path = tmp_path / "s.jsonl"
    await record(path, ["sleep(ms=5), sleep(ms=5) then sleep(ms=5)"], profile())
    return path


async def test_the_records_are_the_loaders_events(tmp_path: Path) -> None:
    path = await recorded(tmp_path)
    recording = read_recording(path)
    loaded = load_session(path)
    assert [r["type"] for r in recording.records()] == [e.type for e in loaded.events]
    assert recording.problems == []
    assert recording.header == loaded.header


async def test_a_truncated_file_is_used_up_to_its_last_good_line_and_says_so(
    tmp_path: Path,
) -> None:
    path = await recorded(tmp_path)
    lines = path.read_bytes().splitlines(keepends=True)
    # cut inside the second batch's batch_finished line, as a killed process leaves it
    cut = next(i for i, line in enumerate(lines) if b'"batch_finished"' in line and b'"b2"' in line)
    path.write_bytes(b"".join(lines[:cut]) + lines[cut][:30])
    session = from_recording(read_recording(path))
    assert session.batches["b1"].finished
    assert not session.batches["b2"].finished  # its end was lost
    torn, cut_short = session.problems
    assert f"line {cut + 1}" in torn
    assert "interrupted" in torn
    assert cut_short.startswith("interrupted: the recording ends while batch b2 was running")


async def test_a_corrupt_line_stops_there(tmp_path: Path) -> None:
    path = await recorded(tmp_path)
    lines = path.read_bytes().splitlines(keepends=True)
    lines.insert(5, b"{not json\n")
    path.write_bytes(b"".join(lines))
    recording = read_recording(path)
    assert len(list(recording.records())) == 4
    assert recording.truncated_at == 6
    assert "line 6: not valid JSON" in recording.problems[0]


async def test_unknown_event_types_are_skipped_and_counted(tmp_path: Path) -> None:
    path = await recorded(tmp_path)
    lines = path.read_bytes().splitlines(keepends=True)
    lines.insert(3, b'{"t": 0.1, "type": "from_the_future"}\n')
    path.write_bytes(b"".join(lines))
    recording = read_recording(path)
    assert len(list(recording.records())) == len(lines) - 2
    assert recording.truncated_at is None
    assert "skipped 1 line of unknown event type 'from_the_future'" in recording.problems[0]


async def test_a_version_1_file_reads(tmp_path: Path) -> None:
    path = await recorded(tmp_path)
    lines = path.read_bytes().splitlines(keepends=True)
    header = json.loads(lines[0])
    v1 = {  # what the first recorder wrote: no provider, no typed fields
        "format": "workbench-session",
        "version": 1,
        "created": header["created"],
        "workbench_version": "0.1.0",
        "session_id": "abc",
        "profile": {"name": "local", "type": "scripted"},
    }
    path.write_bytes(json.dumps(v1).encode() + b"\n" + b"".join(lines[1:]))
    session = from_recording(read_recording(path))
    assert session.provider is None
    assert [len(b.calls) for b in session.batches.values()] == [2, 1]
    assert session.turns[0].round_trips[0].provider == "scripted"  # each request names it


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"hello\n", "not a workbench session"),
        (b'{"format": "other"}\n', "not a workbench session"),
    ],
)
def test_a_file_that_is_not_a_session_is_refused_in_one_line(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(content)
    with pytest.raises(SessionFormatError, match=message) as info:
        read_recording(path)
    assert "\n" not in str(info.value)


async def test_a_torn_last_line_of_a_type_analysis_skips_is_still_reported(tmp_path: Path) -> None:
    path = await recorded(tmp_path)
    lines = path.read_bytes().splitlines(keepends=True)
    cut = next(i for i, line in enumerate(lines) if b'"type":"call_started"' in line)
    path.write_bytes(b"".join(lines[:cut]) + lines[cut][:-20])
    session = from_recording(read_recording(path))
    problem, _cut_short = session.problems
    assert f"line {cut + 1}: not valid JSON" in problem


async def test_a_call_record_without_its_times_is_named_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from workbench.cli import main

    path = await recorded(tmp_path)
    lines = path.read_bytes().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if b'"type":"call_finished"' in line)
    broken = json.loads(lines[at])
    del broken["started_t"]
    lines[at] = json.dumps(broken).encode() + b"\n"
    path.write_bytes(b"".join(lines))
    assert main(["analyze", str(path)]) == 0
    _, err = capsys.readouterr()
    # The one reader's rule: an invalid known event ends the usable part, naming line and field.
    bad = f"line {at + 1}: invalid 'call_finished' event (started_t: Field required)"
    assert bad in err
    assert main(["stats", str(path), "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["sessions"] == 1
    assert bad in err
