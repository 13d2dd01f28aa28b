"""A full disk, at the start or mid-run: one line naming the file and the cause, the run stopped
cleanly (or, with ``--record-errors continue``, going on unrecorded), no traceback, and what was
written readable up to its last whole line. The disk is filled with ``RLIMIT_FSIZE`` in the child
(a write past it fails with EFBIG, as one on a full disk fails with ENOSPC). On the old code the
limit's signal killed the process (SIGXFSZ, no message, a torn file)."""

from __future__ import annotations

import resource
from collections.abc import Callable
from pathlib import Path

from tests.cli.proc import lines, no_traceback, record_run
from workbench.session import load_session

MANY_CALLS = ", ".join(["sleep(ms=1)"] * 60)
"""About 30 KB of events: well past the limits below."""


def limit(size: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return apply


def test_a_disk_that_fills_mid_run_stops_it_with_one_line(tmp_path: Path) -> None:
    session = tmp_path / "full.jsonl"
    done = record_run(
        tmp_path,
        session,
        MANY_CALLS,
        preexec_fn=limit(8_000),
    )
    assert done.returncode == 1, done.stderr
    assert no_traceback(done.stderr)
    errors = [line for line in lines(done.stderr) if line.startswith("workbench:")]
    assert len(errors) == 1
    assert str(session) in errors[0] and "size limit" in errors[0]
    assert "cancelled" in done.stdout  # stopped: the turn did not run on unrecorded
    data = session.read_bytes()
    assert data.endswith(b"\n") and len(data) <= 8_000  # cut back to its last whole line
    loaded = load_session(session)
    assert loaded.problems == [] and loaded.events


def test_with_record_errors_continue_the_run_goes_on_unrecorded(tmp_path: Path) -> None:
    session = tmp_path / "full.jsonl"
    done = record_run(
        tmp_path,
        session,
        "--record-errors",
        "continue",
        MANY_CALLS,
        preexec_fn=limit(8_000),
    )
    assert done.returncode == 0, done.stderr
    assert no_traceback(done.stderr)
    assert "60 calls" in done.stdout  # the whole batch ran
    assert "recording stopped, the run goes on without it" in done.stdout
    assert session.read_bytes().endswith(b"\n")
    assert load_session(session).problems == []


def test_a_disk_full_at_start_refuses_the_run_with_one_line(tmp_path: Path) -> None:
    session = tmp_path / "full.jsonl"
    done = record_run(
        tmp_path,
        session,
        "get_date()",
        preexec_fn=limit(100),  # not even the header fits
    )
    assert done.returncode == 2, done.stderr
    assert no_traceback(done.stderr)
    assert len(lines(done.stderr)) == 1
    assert str(session) in done.stderr and "size limit" in done.stderr
    assert not session.exists()  # no empty or torn file left behind


def test_a_disk_full_at_start_with_continue_runs_unrecorded(tmp_path: Path) -> None:
    session = tmp_path / "full.jsonl"
    done = record_run(
        tmp_path,
        session,
        "--record-errors",
        "continue",
        "get_date()",
        preexec_fn=limit(100),
    )
    assert done.returncode == 0, done.stderr
    assert no_traceback(done.stderr)
    assert "running without recording" in done.stdout
    assert lines(done.stderr) == [
        f"workbench: cannot write session file {session}: the file is over the size limit"
        " (ulimit -f)"
    ]
