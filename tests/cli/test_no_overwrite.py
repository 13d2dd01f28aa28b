"""Nothing is overwritten or interleaved by accident: ``export -o`` onto its own input, ``run
--record`` onto a file that is not a session or onto a session without ``--overwrite``, and a
second process recording to a path being recorded are refused with exit 2, the file untouched."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.cli.proc import fast_profile, lines, no_traceback, workbench
from workbench.session import load_session
from workbench.session.recorder import SessionPathTaken, SessionRecorder

V1 = Path(__file__).parents[1] / "session" / "v1"


@pytest.fixture
def session(tmp_path: Path) -> Path:
    path = tmp_path / "kept.jsonl"
    shutil.copy(V1 / "flaky-retries-cap2.jsonl", path)
    return path


def _refused(done_args: list[str], path: Path, cwd: Path) -> str:
    before = path.read_bytes()
    done = workbench(*done_args, cwd=cwd)
    assert done.returncode == 2, done.stdout + done.stderr
    assert no_traceback(done.stderr)
    assert len(lines(done.stderr)) == 1
    assert path.read_bytes() == before
    return done.stderr


def test_export_onto_its_own_input_is_refused(session: Path, tmp_path: Path) -> None:
    said = _refused(["export", str(session), "-o", str(session)], session, tmp_path)
    assert "is the session being exported" in said
    alias = tmp_path / "alias.jsonl"
    alias.symlink_to(session)
    _refused(["export", str(session), "--format", "otlp", "-o", str(alias)], session, tmp_path)


def test_recording_onto_a_file_that_is_not_a_session_is_refused(tmp_path: Path) -> None:
    notes = tmp_path / "notes.jsonl"
    notes.write_text('{"my": "data"}\n')
    profile = str(fast_profile(tmp_path))
    said = _refused(
        ["run", "--profile", profile, "--record", str(notes), "--overwrite", "get_date()"],
        notes,
        tmp_path,
    )
    assert "is not a workbench session: not overwriting it" in said


def test_recording_onto_a_session_needs_overwrite(session: Path, tmp_path: Path) -> None:
    profile = str(fast_profile(tmp_path))
    said = _refused(
        ["run", "--profile", profile, "--record", str(session), "get_date()"], session, tmp_path
    )
    assert "--overwrite" in said
    done = workbench(
        "run", "--profile", profile, "--record", str(session), "--overwrite", "get_date()"
    )
    assert done.returncode == 0, done.stderr
    assert [e.prompt for e in load_session(session).events if e.type == "turn_started"] == [
        "get_date()"
    ]


def test_the_app_refuses_a_record_path_that_holds_a_session(session: Path, tmp_path: Path) -> None:
    # The app's first runtime start fails: the command ends with the line and exit 2.
    said = _refused(["--record", str(session)], session, tmp_path)
    assert "--overwrite" in said


def test_a_second_process_recording_to_the_same_path_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "shared.jsonl"
    with SessionRecorder.create(path, profile={"name": "first"}) as first:
        done = workbench(
            "run",
            "--profile",
            str(fast_profile(tmp_path)),
            "--record",
            str(path),
            "--overwrite",
            "get_date()",
        )
        assert done.returncode == 2, done.stderr
        assert "being recorded by another workbench process" in done.stderr
        assert first.events_written == 0
    assert load_session(path).header.profile.name == "first"


def test_the_lock_is_held_by_the_recorder_and_released_on_close(tmp_path: Path) -> None:
    path = tmp_path / "shared.jsonl"
    first = SessionRecorder.create(path, profile={"name": "first"})
    with pytest.raises(SessionPathTaken, match="being recorded"):
        SessionRecorder.create(path, profile={"name": "second"}, overwrite=True)
    first.close()
    SessionRecorder.create(path, profile={"name": "second"}, overwrite=True).close()
    assert load_session(path).header.profile.name == "second"
