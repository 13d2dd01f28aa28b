"""Emission statistics over real recorded sessions."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.analysis.support import profile, record
from workbench.analysis import Stats, collect
from workbench.tools.latency import set_latency_scale


@pytest.fixture(autouse=True)
def _quick_tools() -> None:
    set_latency_scale(0.0)


async def test_responses_with_parallel_emission_off_are_counted_apart(tmp_path: Path) -> None:
    on = await record(
        tmp_path / "on.jsonl",
        ["sleep(ms=1), sleep(ms=1), sleep(ms=1)", "sleep(ms=1) then sleep(ms=1)"],
        profile(),
    )
    off = await record(
        tmp_path / "off.jsonl",
        ["weather in Tokyo and Paris"],
        profile(),
        knobs=[{"parallel": False}],
    )
    stats = collect([on, off]).to_json()
    assert stats["sessions"] == 2
    [m] = stats["models"]
    assert (m["provider"], m["model"]) == ("scripted", "scripted")
    assert m["sessions"] == 2
    assert m["turns"] == 3
    # turn 1: 3 calls + answer; turn 2: 1 + 1 + answer; turn 3 (off): 1 + 1 + answer
    assert m["responses"] == 8
    assert m["tool_responses"] == 5
    assert m["tool_responses_parallel_off"] == 2
    assert m["calls_per_tool_response"] == {
        "mean": pytest.approx(5 / 3, abs=1e-3),
        "p50": 1,
        "p95": 3,
        "max": 3,
    }
    assert m["parallel_share"] == pytest.approx(1 / 3, abs=1e-3)
    assert m["round_trips_per_turn"] == pytest.approx(8 / 3, abs=1e-3)
    assert m["error_rate"] == 0.0
    assert m["timeout_rate"] == 0.0
    assert 0.0 <= m["slot_wait_share"] < 1.0
    # both sequential turns could have been one response each
    assert m["possible_saving_s"] > 0


async def test_errors_timeouts_and_waiting_for_a_slot(tmp_path: Path) -> None:
    session = await record(
        tmp_path / "s.jsonl",
        ['sleep(ms=20), sleep(ms=20), fail(message="x"), hang()'],
        profile(max_concurrent_tools=1, tool_timeout_s=0.03),
    )
    [m] = collect([session]).to_json()["models"]
    assert m["error_rate"] == 0.25
    assert m["timeout_rate"] == 0.25
    # one at a time: the last call waited for the three before it (~40 ms), ran ~30 ms
    assert m["slot_wait_share"] > 0.4
    assert m["realised_concurrency"] == 0.25


def test_nothing_counted_gives_nulls_not_zeros() -> None:
    assert Stats().to_json() == {"sessions": 0, "skipped": [], "problems": [], "models": []}
