"""``workbench analyze`` and ``workbench stats``: what they print, their JSON, bad input, exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.analysis.support import profile, record
from workbench.cli import main
from workbench.paths import sessions_dir

V1 = Path(__file__).parent.parent / "session" / "v1"


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
async def session_file(tmp_path: Path) -> Path:
    path = tmp_path / "s.jsonl"
    await record(
        path,
        ["sleep(ms=30), sleep(ms=20), sleep(ms=40), hang()", "sleep(ms=10) then sleep(ms=20)"],
        profile(max_concurrent_tools=2, tool_timeout_s=0.05),
    )
    return path


def test_analyze_prints_each_batch_under_each_cap_and_the_advice(
    session_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["analyze", str(session_file)], capsys)
    assert code == 0
    assert err == ""
    assert "simulated from the recorded call durations" in out
    assert "b1 · 4 calls · ran concurrent ≤2, eager · recorded wall" in out
    # the timed-out hang() is on every schedule's critical chain: its walls are lower bounds
    assert "sequential   ≥" in out
    assert "(as it ran)" in out
    assert "one call: no cap changes its wall" in out
    assert "advice: round trips 3 and 4 could have been one: −" in out


def test_analyze_json_has_the_documented_shape(
    session_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["analyze", str(session_file), "--cap", "1", "--cap", "3", "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["session"] == str(session_file)
    first = data["batches"][0]
    assert set(first) >= {
        "batch_id",
        "turn",
        "calls",
        "cap",
        "concurrent",
        "recorded_wall_s",
        "whatif",
    }
    assert (first["calls"], first["cap"], first["concurrent"]) == (4, 2, True)
    assert [(w["setting"], w["cap"]) for w in first["whatif"]] == [
        ("sequential", 1),
        ("cap", 3),
        ("unbounded", None),
    ]
    assert all(w["lower_bound"] for w in first["whatif"])
    sequential, cap3, unbounded = (w["wall_s"] for w in first["whatif"])
    assert sequential > cap3 > unbounded > 0
    [advice] = data["advice"]
    assert set(advice) == {
        "turn",
        "round_trips",
        "reason",
        "model_time_saved_s",
        "tool_time_saved_s",
        "input_tokens_saved",
    }
    assert (advice["turn"], advice["round_trips"], advice["reason"]) == (2, [3, 4], "model")


def test_analyze_a_truncated_file_says_so_and_goes_on(
    session_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = session_file.read_bytes()
    session_file.write_bytes(data[: len(data) - 40])
    code, out, err = run(["analyze", str(session_file)], capsys)
    assert code == 0
    assert "the file ends mid-line" in err
    assert "b1 · 4 calls" in out


async def test_analyze_a_session_without_batches_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "s.jsonl"
    await record(path, ["hello"], profile())
    code, out, _ = run(["analyze", str(path)], capsys)
    assert code == 0
    assert "no batches in this session" in out


def test_analyze_refuses_what_is_not_a_session_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("hello\n")
    code, _, err = run(["analyze", str(junk)], capsys)
    assert code == 2
    assert err.strip().count("\n") == 0
    assert "not a workbench session" in err
    code, _, err = run(["analyze", str(tmp_path / "missing.jsonl")], capsys)
    assert code == 2
    assert "not found" in err


@pytest.mark.parametrize("name", sorted(p.name for p in V1.glob("*.jsonl")))
def test_analyze_reads_version_1_files(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["analyze", str(V1 / name), "--json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert data["batches"]
    for batch in data["batches"]:
        [recorded] = [w for w in batch["whatif"] if w["cap"] == batch["cap"]] or [
            batch["whatif"][-1]
        ]
        if batch["recorded_wall_s"] is not None:
            assert recorded["wall_s"] == pytest.approx(
                batch["recorded_wall_s"], abs=max(0.005, 0.05 * batch["recorded_wall_s"])
            )


def test_stats_counts_the_sessions_and_skips_the_rest_with_a_reason(
    session_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(session_file, folder / "a.jsonl")
    shutil.copy(V1 / "sequential-two-turn-trips.jsonl", folder / "b.jsonl")
    (folder / "notes.txt").write_text("not a session\n")
    torn = folder / "c.jsonl"
    data = session_file.read_bytes()
    torn.write_bytes(data[: len(data) - 40])
    code, out, err = run(["stats", str(folder), str(tmp_path / "nope"), "--json"], capsys)
    assert code == 0
    stats = json.loads(out)
    assert stats["sessions"] == 3
    assert {s["path"] for s in stats["skipped"]} == {
        str(folder / "notes.txt"),
        str(tmp_path / "nope"),
    }
    assert "skipped" in err and "notes.txt" in err and "the file ends mid-line" in err
    torn_line, cut_short = stats["problems"]  # a torn last line: the run was interrupted
    assert torn_line["path"] == cut_short["path"] == str(torn)
    assert "the file ends mid-line" in torn_line["problem"]
    assert cut_short["problem"].startswith("interrupted: the recording ends while")
    [model] = stats["models"]
    assert set(model) >= {
        "provider",
        "model",
        "sessions",
        "turns",
        "responses",
        "tool_responses",
        "tool_responses_parallel_off",
        "calls_per_tool_response",
        "parallel_share",
        "round_trips_per_turn",
        "slot_wait_share",
        "error_rate",
        "timeout_rate",
        "possible_saving_s",
    }
    assert model["sessions"] == 3


def test_stats_with_nothing_readable_given_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "x.jsonl"
    junk.write_text("{}\n")
    code, _, err = run(["stats", str(junk)], capsys)
    assert code == 2
    assert "no readable session" in err


def test_stats_defaults_to_the_recorded_sessions(
    session_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["stats"], capsys)
    assert code == 0
    assert "no recorded sessions" in err
    sessions_dir().mkdir(parents=True, exist_ok=True)
    shutil.copy(session_file, sessions_dir() / "one.jsonl")
    code, out, _ = run(["stats"], capsys)
    assert code == 0
    assert out.startswith("1 session\n")
    assert "scripted · scripted" in out
    assert "  1 session · 2 turns · " in out  # per model too (it said "1 sessions")
    assert "calls per tool response" in out


def test_stats_counts_compare_folders_and_knows_the_apps_own_exports(
    session_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = sessions_dir()
    run_dir = home / "compare-20260101-000000-1"
    run_dir.mkdir(parents=True)
    shutil.copy(session_file, home / "one.jsonl")
    shutil.copy(session_file, run_dir / "1-sequential.jsonl")
    shutil.copy(session_file, run_dir / "2-parallel.jsonl")
    (run_dir / "compare.json").write_text("{}\n")
    (home / "one.otlp.jsonl").write_text('{"resourceSpans": []}\n')
    (home / "one.trace.json").write_text('{"traceEvents": []}\n')
    code, out, err = run(["stats", "--json"], capsys)
    assert code == 0
    assert json.loads(out)["sessions"] == 3  # the compare run's two as well
    assert "otlp" not in err and "trace.json" not in err and "compare.json" not in err


def test_the_export_suffixes_are_the_ones_listing_and_stats_know() -> None:
    from workbench.export.files import SUFFIXES
    from workbench.paths import EXPORT_SUFFIXES

    assert set(SUFFIXES.values()) == set(EXPORT_SUFFIXES)
