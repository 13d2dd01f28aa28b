"""`workbench sessions` and `workbench replay --last / --turn-axis`, as a user runs them."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.fabricate import idle_between_turns
from workbench.cli import main
from workbench.paths import sessions_dir
from workbench.session import SessionRecorder
from workbench.tools.latency import set_latency_scale

FAST = """\
name: fast
type: scripted
scripted: {ttft_ms: 5, tokens_per_s: 100000}
"""
V1 = Path(__file__).parent.parent / "session" / "v1"
KEYS = [
    "path",
    "created",
    "profile",
    "provider",
    "model",
    "first_prompt",
    "turns",
    "calls",
    "failures",
    "wall_s",
    "span_s",
    "bytes",
    "compare",
]


@pytest.fixture(autouse=True)
def _no_tool_latency() -> None:
    set_latency_scale(0.0)


@pytest.fixture
def recorded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """Two sessions in the user's sessions directory, as `workbench run` records them."""
    profile = tmp_path / "fast.yaml"
    profile.write_text(FAST)
    directory = sessions_dir()
    directory.mkdir(parents=True)
    for name, prompt in (
        ("first", "weather in Tokyo"),
        ("second", 'get_date(), fail(message="x")'),
    ):
        assert (
            main(["run", "-p", str(profile), "--record", str(directory / f"{name}.jsonl"), prompt])
            == 0
        )
    capsys.readouterr()
    return directory


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_the_table_lists_newest_first_and_counts_what_was_skipped(
    recorded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (recorded / "junk.jsonl").write_text("{}\n")
    code, out, _ = run(["sessions"], capsys)
    assert code == 0
    header, second, first, skipped = out.strip().splitlines()
    assert header.split()[:3] == ["created", "profile", "provider/model"]
    assert "get_date()" in second and "fast" in second and "scripted/scripted" in second
    assert "weather in Tokyo" in first
    # turns, calls, failures, wall, span, size
    assert re.search(r"\s1\s+2\s+1\s+\d+ ms\s+\d+ ms\s+\d", second)
    assert skipped == "skipped 1 file that is not a readable workbench session"


@pytest.mark.parametrize("columns", [60, 80, 100])
def test_a_narrow_terminal_gets_a_table_that_fits_with_the_walls_in_it(
    recorded: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    columns: int,
) -> None:
    """At 80 columns the table's lines were 104 long (wrapped by the terminal): it leaves out
    provider/model, size, profile, ... in turn instead."""
    monkeypatch.setenv("COLUMNS", str(columns))
    _, out, _ = run(["sessions"], capsys)
    lines = out.strip().splitlines()
    assert max(len(line) for line in lines) <= columns
    header = lines[0].split()
    assert {"first", "prompt", "turns", "wall", "span"} <= set(header)
    assert re.search(r"get_date\(\).*\s1\s.*\d+ ms\s+\d+ ms\b", lines[1])  # turns … wall, span
    if columns >= 80:
        assert {"created", "calls", "fail"} <= set(header)
    if columns >= 100:
        assert {"profile", "size"} <= set(header)


def test_json_is_one_array_with_the_documented_fields(
    recorded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["sessions", "--json"], capsys)
    assert code == 0 and err == ""
    rows = json.loads(out)
    assert [list(row) for row in rows] == [KEYS, KEYS]
    newest = rows[0]
    assert newest["path"] == str(recorded / "second.jsonl")
    assert (newest["turns"], newest["calls"], newest["failures"]) == (1, 2, 1)
    assert newest["provider"] == "scripted" and newest["profile"] == "fast"
    assert newest["bytes"] == (recorded / "second.jsonl").stat().st_size
    assert 0 < newest["wall_s"] <= newest["span_s"] and newest["compare"] is None


def test_wall_is_the_turns_walls_and_span_includes_the_idle_time_between_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two 2-second turns ten minutes apart: wall 4 s, span 10m 05s (the wall was 10m 05s)."""
    directory = sessions_dir()
    directory.mkdir(parents=True)
    with SessionRecorder.create(directory / "idle.jsonl", profile={"name": "idle"}) as recorder:
        for event in idle_between_turns():
            recorder.record(event)
    _, out, _ = run(["sessions"], capsys)
    header, row = out.strip().splitlines()
    assert header.split()[-3:] == ["wall", "span", "size"]
    assert re.search(r"\s2\s+0\s+0\s+4 s\s+10m 05s\s+\d", row)  # turns, calls, fail, wall, span
    _, out, _ = run(["sessions", "--json"], capsys)
    [listed] = json.loads(out)
    assert listed["wall_s"] == pytest.approx(4.0)
    assert listed["span_s"] == pytest.approx(605.0)


def test_grep_keeps_sessions_whose_prompts_mention_the_text(
    recorded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run(["sessions", "--json", "--grep", "tokyo"], capsys)
    assert [Path(r["path"]).name for r in json.loads(out)] == ["first.jsonl"]
    code, out, _ = run(["sessions", "--grep", "atlantis"], capsys)
    assert code == 0
    assert "no session's prompts mention 'atlantis' (2 listed)" in out


def test_a_missing_directory_says_so_and_is_an_empty_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["sessions", "--dir", str(tmp_path / "nope")], capsys)
    assert code == 0
    assert out.strip() == f"no sessions: {tmp_path / 'nope'} does not exist"
    code, out, err = run(["sessions", "--json", "--dir", str(tmp_path / "nope")], capsys)
    assert code == 0
    assert json.loads(out) == []
    assert "does not exist" in err


def test_old_sessions_list_and_replay(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(V1, tmp_path / "old")
    _, out, _ = run(["sessions", "--json", "--dir", str(tmp_path / "old")], capsys)
    assert len(json.loads(out)) == len(list(V1.glob("*.jsonl")))
    code, out, _ = run(["replay", "--last", "--headless", "--dir", str(tmp_path / "old")], capsys)
    assert code == 0
    assert "batch b1" in out


def test_replay_last_replays_the_newest_session(
    recorded: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    code, out, _ = run(["replay", "--last", "--headless"], capsys)
    assert code == 0
    _, direct, _ = run(["replay", str(recorded / "second.jsonl"), "--headless"], capsys)
    assert out == direct
    assert "get_date" in out


def test_replay_turn_axis_prints_the_split_per_turn(
    recorded: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    code, out, _ = run(
        ["replay", str(recorded / "first.jsonl"), "--headless", "--turn-axis"], capsys
    )
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("▒ time to first token")
    assert any(line.startswith("turn 1 · completed  weather in Tokyo") for line in lines)
    [split] = [line for line in lines if line.strip().startswith("wall ")]
    assert "= model" in split and "+ tools" in split and "− overlap" in split and "+ idle" in split


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["replay", "--headless"], "needs a FILE or --last"),
        (["replay", "x.jsonl", "--last"], "a FILE or --last, not both"),
        (["replay", "x.jsonl", "--turn-axis"], "use it with --headless"),
    ],
)
def test_replay_usage_errors_are_one_line(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(args, capsys)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_replay_last_with_nothing_recorded_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["replay", "--last", "--headless", "--dir", str(tmp_path)], capsys)
    assert code == 2
    assert f"no recorded sessions in {tmp_path}" in err


def test_a_compare_run_lists_as_one_row_and_replay_last_reopens_it(
    recorded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "fast.yaml"  # written by the fixture
    run_dir = recorded / "compare-1"
    code = main(["compare", "-p", str(profile), "--record-dir", str(run_dir), "sleep(ms=5)"])
    assert code == 0
    capsys.readouterr()
    _, out, _ = run(["sessions", "--json"], capsys)
    rows = json.loads(out)
    assert len(rows) == 3  # the comparison's variant sessions are folded into its row
    newest = rows[0]
    assert newest["path"] == str(run_dir / "compare.json")
    assert newest["compare"] is not None and len(newest["compare"]) >= 2
    assert newest["first_prompt"] == "sleep(ms=5)"
    code, out, _ = run(["replay", "--last", "--headless"], capsys)
    assert code == 0
    assert f"comparison of {len(newest['compare'])} variants" in out
