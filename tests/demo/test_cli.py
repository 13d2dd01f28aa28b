"""``workbench demo`` headless: the scenarios, the JSON, --speed, and the demo without git."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from workbench.cli import main
from workbench.session import load_session

SCHEMA = json.loads((Path(__file__).parents[2] / "docs" / "compare.schema.json").read_text())
FAST = "1000"


def demo(
    args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str], speed: str = FAST
) -> tuple[int, str, str]:
    code = main(["demo", *args, "--speed", speed, "--record-dir", str(tmp_path / "cmp")])
    out, err = capsys.readouterr()
    return code, out, err


def test_list_is_one_line_per_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--list"]) == 0
    out, _ = capsys.readouterr()
    lines = out.strip().splitlines()
    assert [line.split()[1] if line.startswith("*") else line.split()[0] for line in lines] == [
        "code-review",
        "fan-out",
        "faults",
        "three-tools",
    ]
    assert lines[0].startswith("* code-review")


def test_code_review_json_adds_scenario_and_simulated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = demo(["code-review", "--headless", "--json"], tmp_path, capsys)
    assert code == 0
    summary = json.loads(out)
    jsonschema.validate(summary, SCHEMA)
    assert summary["scenario"] == "code-review"
    simulated = summary["simulated"]
    assert simulated["model_round_trip_ms"] == 1500
    assert simulated["tool_call_ms"] == 150
    assert simulated["speed"] == 1000
    assert "divided by 1000" in simulated["description"]
    trips = {v["name"]: v["round_trips"] for v in summary["variants"]}
    assert trips == {"sequential": 26, "parallel-emission": 3, "parallel": 3}


def test_three_tools_headless_says_what_is_simulated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = demo(["three-tools", "--headless"], tmp_path, capsys)
    assert code == 0
    assert "simulated: model round trip 1500 ms (scripted model)" in out
    assert "--speed 1000" in out
    assert out.strip().splitlines()[-1].startswith("parallel: ")
    assert "2 fewer round trips" in out  # 4 round trips one call at a time, 2 at once


def test_faults_every_call_gets_one_result_and_the_timeout_bounds_the_batch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # At speed 10 the timeout is 200 ms against 20 ms calls: far enough apart on a busy machine.
    code, out, _ = demo(["faults", "--headless", "--json"], tmp_path, capsys, speed="10")
    summary = json.loads(out)
    assert code == 0, summary
    for variant in summary["variants"]:
        assert variant["calls"] == 7
        assert variant["failures"] >= 2  # the hang timed out and fail() failed
        assert variant["settings"]["timeout_s"] == pytest.approx(2 / 10)
        events = load_session(tmp_path / "cmp" / variant["session"]).events
        finished = [e for e in events if e.type == "call_finished"]
        assert len(finished) == 7 == len({e.call_id for e in finished})
        statuses = {e.tool: e.status for e in finished}
        assert statuses["hang"] == "timeout" and statuses["fail"] == "error"
    assert summary["variants"][1]["settings"]["retries"] == 2


def test_fan_out_waits_less_as_the_cap_grows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Slower than the rest (2.5 ms a call) so the waits are well apart from scheduling noise.
    code, out, _ = demo(["fan-out", "--headless", "--json"], tmp_path, capsys, speed="100")
    assert code == 0
    variants = json.loads(out)["variants"]
    assert [v["peak_concurrency"] for v in variants] == [1, 4, 10, 40]
    assert [v["calls"] for v in variants] == [40] * 4
    waits = [v["slot_wait_s"] for v in variants]
    assert waits[0] > waits[1] > waits[2] >= waits[3]


def test_without_git_the_code_review_demo_says_so_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    code, out, err = demo(["code-review", "--headless"], tmp_path, capsys)
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1
    assert "git is not installed" in err and "install" in err


def test_an_unknown_scenario_is_bad_usage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = demo(["nope", "--headless"], tmp_path, capsys)
    assert code == 2 and "no scenario named 'nope'" in err
