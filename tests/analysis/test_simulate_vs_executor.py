"""simulate() against the real executor: a recorded batch, simulated under the settings it ran with,
takes its recorded wall time (within 5% or 5 ms, whichever is larger).

Each batch is built so that its structure (who waits for a slot, who holds it through a retry's
backoff or a timeout, when calls arrive while the model streams) decides its wall, not the machine:
sleeps of 20-80 ms, a handful of calls.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.analysis.support import profile, record
from workbench.analysis import Workload, simulate

SLEEPS = "sleep(ms=40), sleep(ms=20), sleep(ms=30), sleep(ms=50), sleep(ms=20)"

CASES: dict[str, tuple[dict[str, Any], str]] = {
    "cap 1": ({"max_concurrent_tools": 1}, SLEEPS),
    "cap 2": ({"max_concurrent_tools": 2}, SLEEPS),
    "cap 4": ({"max_concurrent_tools": 4}, SLEEPS + ", sleep(ms=30)"),
    "cap 10": ({"max_concurrent_tools": 10}, SLEEPS),
    "sequential": ({"concurrent_tool_execution": False}, SLEEPS),
    "cap 2, not eager": ({"max_concurrent_tools": 2, "eager_dispatch": False}, SLEEPS),
    "cap 2, eager, calls arrive apart": ({"max_concurrent_tools": 2, "tokens_per_s": 400}, SLEEPS),
    "cap 3, eager, calls arrive apart": (
        {"max_concurrent_tools": 3, "tokens_per_s": 300},
        "sleep(ms=80), sleep(ms=70), sleep(ms=60), sleep(ms=50), sleep(ms=40), sleep(ms=30)",
    ),
    "retries hold the slot through the backoff": (
        {"max_concurrent_tools": 2, "tool_retries": 2, "tool_retry_backoff_s": 0.02},
        'fail(message="x"), sleep(ms=30), sleep(ms=20), fail(message="y"), sleep(ms=20)',
    ),
    "timeouts hold the slot until the deadline": (
        {"max_concurrent_tools": 2, "tool_timeout_s": 0.04},
        "hang(), sleep(ms=20), sleep(ms=80), sleep(ms=30), hang()",
    ),
    "timeouts retried, sequential": (
        {
            "concurrent_tool_execution": False,
            "tool_timeout_s": 0.03,
            "tool_retries": 1,
            "tool_retry_backoff_s": 0.01,
            "retry_on_timeout": True,
        },
        "hang(), sleep(ms=20), sleep(ms=10)",
    ),
    "injected latency and failures, seeded": (
        {
            "max_concurrent_tools": 3,
            "tool_retries": 2,
            "tool_retry_backoff_s": 0.01,
            "seed": 7,
            "faults": {"sleep": {"latency_ms": [10, 40], "failure_rate": 0.4}},
        },
        SLEEPS + ", sleep(ms=10), sleep(ms=10)",
    ),
}


def tolerance(wall: float) -> float:
    return max(0.05 * wall, 0.005)


@pytest.mark.parametrize("case", list(CASES))
async def test_simulating_a_recorded_batch_under_its_own_settings_gives_its_wall(
    tmp_path: Path, case: str
) -> None:
    fields, prompt = CASES[case]
    session = await record(tmp_path / "s.jsonl", [prompt], profile(**fields))
    [batch] = session.batches.values()
    assert batch.wall_s is not None
    assert len(batch.calls) == prompt.count("(")
    work = Workload.of_batch(batch)
    schedule = simulate(work, batch.settings.cap)
    assert schedule.wall_s == pytest.approx(batch.wall_s, abs=tolerance(batch.wall_s)), case
    if batch.settings.cap < len(batch.calls):
        # The match is the policy's, not a tolerance wide enough for anything: one slot more is
        # a different wall.
        other = simulate(work, batch.settings.cap + 1).wall_s
        assert abs(other - batch.wall_s) > tolerance(batch.wall_s), case


async def test_the_cases_cover_what_they_claim(tmp_path: Path) -> None:
    """The retry, timeout and eager cases really retried, timed out and streamed calls apart."""
    retried = await record(
        tmp_path / "r.jsonl",
        [CASES["retries hold the slot through the backoff"][1]],
        profile(**CASES["retries hold the slot through the backoff"][0]),
    )
    [batch] = retried.batches.values()
    assert max(call.attempts for call in batch.calls) == 3
    timed = await record(
        tmp_path / "t.jsonl",
        [CASES["timeouts hold the slot until the deadline"][1]],
        profile(**CASES["timeouts hold the slot until the deadline"][0]),
    )
    [batch] = timed.batches.values()
    assert sum(call.status == "timeout" for call in batch.calls) == 3
    fields, prompt = CASES["cap 2, eager, calls arrive apart"]
    eager = await record(tmp_path / "e.jsonl", [prompt], profile(**fields))
    [batch] = eager.batches.values()
    assert batch.eager
    work = Workload.of_batch(batch)
    assert work.available[-1] > 0.02  # the last call arrived well after the first


async def test_several_batches_and_turns_each_match(tmp_path: Path) -> None:
    """Dependent batches ("then"), knob changes between turns, parallel emission off."""
    session = await record(
        tmp_path / "s.jsonl",
        [
            "sleep(ms=30), sleep(ms=20) then sleep(ms=20), sleep(ms=40), sleep(ms=10)",
            "sleep(ms=30), sleep(ms=20), sleep(ms=25)",
            "sleep(ms=30), sleep(ms=20)",
        ],
        profile(max_concurrent_tools=2),
        knobs=[{}, {"max_concurrent": 1}, {"parallel": False}],
    )
    batches = list(session.batches.values())
    assert [len(b.calls) for b in batches] == [2, 3, 3, 1, 1]
    assert [b.settings.cap for b in batches] == [2, 2, 1, 1, 1]
    for batch in batches:
        assert batch.wall_s is not None
        wall = simulate(Workload.of_batch(batch), batch.settings.cap).wall_s
        assert wall == pytest.approx(batch.wall_s, abs=tolerance(batch.wall_s)), batch.batch_id


@pytest.mark.parametrize(("recorded_cap", "other_cap"), [(1, 3), (4, 2), (2, 10)])
async def test_a_what_if_predicts_the_run_at_the_other_cap(
    tmp_path: Path, recorded_cap: int, other_cap: int
) -> None:
    """Recorded at one cap, simulated at another, then really run at that other cap.

    Two runs, so the machine's noise enters twice (a loaded machine oversleeps each timer by a few
    ms, differently in each run): a looser check than the 5% that holds for one recording."""
    prompt = SLEEPS + ", sleep(ms=30)"
    recorded = await record(
        tmp_path / "a.jsonl", [prompt], profile(max_concurrent_tools=recorded_cap)
    )
    [batch] = recorded.batches.values()
    predicted = simulate(Workload.of_batch(batch), other_cap).wall_s
    actual = await record(tmp_path / "b.jsonl", [prompt], profile(max_concurrent_tools=other_cap))
    [real] = actual.batches.values()
    assert real.wall_s is not None
    assert predicted == pytest.approx(real.wall_s, abs=max(0.25 * real.wall_s, 0.02))
