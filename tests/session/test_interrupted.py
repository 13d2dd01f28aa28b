"""A session cut by SIGKILL mid-batch is read as interrupted: ``analyze``, ``replay --headless`` and
``replay --headless --turn-axis`` show the batch that was running, its calls unfinished, and say so,
instead of "no tool calls were run"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.cli import main

from .killed import FIXTURE, record_killed

CUT = "interrupted: the recording ends while batch b1 was running"


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_a_real_process_killed_mid_batch_leaves_a_session_read_as_interrupted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    session = record_killed(tmp_path)
    code, out, _ = _run(["analyze", str(session)], capsys)
    assert code == 0
    assert CUT in out
    assert "no tool calls were run" not in out
    assert "unfinished  hang" in out


def test_analyze_shows_the_running_batch_and_its_unfinished_calls(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = _run(["analyze", str(FIXTURE)], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[1].startswith(f"{CUT}: 3 of its 4 calls never finished")
    assert "b1 · 4 calls · ran concurrent ≤2, eager · interrupted: 3 unfinished" in out
    assert [line.split()[1] for line in lines if line.strip().startswith("unfinished")] == [
        "hang",
        "hang",
        "sleep",
    ]
    assert CUT in err  # and among the file's problems
    code, out, _ = _run(["analyze", str(FIXTURE), "--json"], capsys)
    report = json.loads(out)
    assert report["interrupted"].startswith(CUT)
    (batch,) = report["batches"]
    assert (batch["interrupted"], batch["unfinished_calls"], batch["whatif"]) == (True, 3, [])


def test_replay_headless_prints_the_batch_with_its_calls_unfinished(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _run(["replay", "--headless", str(FIXTURE)], capsys)
    assert code == 0
    rows = [line for line in out.splitlines() if line.strip().startswith(("sleep", "hang"))]
    assert [row.split()[-2] if "—" in row else row.split()[-3] for row in rows] == [
        "ok",
        "unfinished",
        "unfinished",
        "unfinished",
    ]
    assert "batch b1 · 4 calls" in out and "interrupted: 3 unfinished" in out
    assert out.rstrip().splitlines()[-1].startswith(CUT)


def test_the_turn_axis_marks_the_turn_interrupted(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["replay", "--headless", "--turn-axis", str(FIXTURE)], capsys)
    assert code == 0
    assert "turn 1 · interrupted" in out
    assert out.rstrip().splitlines()[-1].startswith(CUT)
