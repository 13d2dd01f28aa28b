"""simulate() against the real executor: a recorded batch, simulated under the settings it ran with,
takes the wall time the executor recorded for it.

The runtime, the scripted model, the executor and the recorder run as they do for a user, on a
virtual clock (tests/analysis/virtual_time.py): a tool's sleep takes exactly its time and the code
between two awaits takes none, so what is compared is the executor's policy (who waits for a slot,
who holds it through a retry's backoff or a timeout, when calls arrive while the model streams)
against simulate()'s, not the machine's speed. The simulation reads the durations and arrivals the
run recorded; the match is to the microsecond, and one slot more is a different wall.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

from tests.analysis.support import profile, record
from tests.analysis.virtual_time import run_on_virtual_clock
from workbench.analysis import Session, Workload, from_recording, read_recording, simulate
from workbench.config import Profile
from workbench.runtime import Runtime

EXACT = 1e-6
"""Session seconds: float rounding, not the machine, is all that may separate the figures."""

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


def recorded(
    monkeypatch: pytest.MonkeyPatch,
    path: Path,
    prompts: list[str],
    prof: Profile,
    knobs: list[dict[str, Any]] | None = None,
) -> Session:
    return run_on_virtual_clock(monkeypatch, record(path, prompts, prof, knobs))


def nominal_ms(prompt: str) -> list[int]:
    return [int(ms) for ms in re.findall(r"sleep\(ms=(\d+)\)", prompt)]


@pytest.mark.parametrize("case", list(CASES))
def test_simulating_a_recorded_batch_under_its_own_settings_gives_its_wall(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, case: str
) -> None:
    fields, prompt = CASES[case]
    session = recorded(monkeypatch, tmp_path / "s.jsonl", [prompt], profile(**fields))
    [batch] = session.batches.values()
    assert batch.wall_s is not None
    assert len(batch.calls) == prompt.count("(")
    work = Workload.of_batch(batch)
    schedule = simulate(work, batch.settings.cap)
    assert schedule.wall_s == pytest.approx(batch.wall_s, abs=EXACT), case
    if batch.settings.cap < len(batch.calls):
        # The match is the policy's: one slot more is a different wall (by a sleep, 10 ms or more).
        other = simulate(work, batch.settings.cap + 1).wall_s
        assert abs(other - batch.wall_s) > 0.005, case


def test_the_virtual_clock_gives_each_sleep_its_own_time(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """What the executor recorded is the tools' own durations, waits included, to the microsecond."""
    fields, prompt = CASES["cap 2"]
    session = recorded(monkeypatch, tmp_path / "s.jsonl", [prompt], profile(**fields))
    [batch] = session.batches.values()
    assert [call.run_s for call in batch.calls] == pytest.approx(
        [ms / 1000 for ms in nominal_ms(prompt)], abs=EXACT
    )
    # 40, 20 | 30 (at 20) | 50 (at 40) | 20 (at 50): the last call ends at 90 ms. (The calls are
    # queued a few µs apart: the scripted model streams them at a million tokens a second.)
    assert batch.wall_s == pytest.approx(0.090, abs=1e-4)
    assert [call.wait_s for call in batch.calls] == pytest.approx(
        [0, 0, 0.020, 0.040, 0.050], abs=1e-4
    )


def test_a_machine_that_stalls_records_the_same_batch(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The event loop stalled for real at every event (a loaded machine) changes nothing recorded:
    the comparison above cannot fail because the machine is slow."""
    fields, prompt = CASES["cap 2, eager, calls arrive apart"]

    async def run(path: Path, stall_s: float) -> Session:
        runtime = await Runtime.start(profile(**fields), record=path)
        try:
            async for _ in runtime.run_turn(prompt):
                # Busy for real (perf_counter is not the virtual clock): the loop is held up.
                until = time.perf_counter() + stall_s
                while time.perf_counter() < until:
                    pass
        finally:
            await runtime.aclose()
        return from_recording(read_recording(path))

    def figures(session: Session) -> list[tuple[float, float | None, float | None]]:
        [batch] = session.batches.values()
        return [(c.queued_t, c.started_t, c.finished_t) for c in batch.calls]

    calm = run_on_virtual_clock(monkeypatch, run(tmp_path / "a.jsonl", 0.0))
    stalled = run_on_virtual_clock(monkeypatch, run(tmp_path / "b.jsonl", 0.003))
    assert figures(stalled) == pytest.approx(figures(calm), abs=EXACT)


def test_the_cases_cover_what_they_claim(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The retry, timeout and eager cases really retried, timed out and streamed calls apart."""
    fields, prompt = CASES["retries hold the slot through the backoff"]
    retried = recorded(monkeypatch, tmp_path / "r.jsonl", [prompt], profile(**fields))
    [batch] = retried.batches.values()
    assert max(call.attempts for call in batch.calls) == 3
    fields, prompt = CASES["timeouts hold the slot until the deadline"]
    timed = recorded(monkeypatch, tmp_path / "t.jsonl", [prompt], profile(**fields))
    [batch] = timed.batches.values()
    assert sum(call.status == "timeout" for call in batch.calls) == 3
    fields, prompt = CASES["cap 2, eager, calls arrive apart"]
    eager = recorded(monkeypatch, tmp_path / "e.jsonl", [prompt], profile(**fields))
    [batch] = eager.batches.values()
    assert batch.eager
    work = Workload.of_batch(batch)
    assert work.available[-1] > 0.02  # the last call arrived well after the first


def test_several_batches_and_turns_each_match(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Dependent batches ("then"), knob changes between turns, parallel emission off."""
    session = recorded(
        monkeypatch,
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
        assert wall == pytest.approx(batch.wall_s, abs=EXACT), batch.batch_id


@pytest.mark.parametrize(("recorded_cap", "other_cap"), [(1, 3), (4, 2), (2, 10)])
def test_a_what_if_predicts_the_run_at_the_other_cap(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, recorded_cap: int, other_cap: int
) -> None:
    """Recorded at one cap, simulated at another, then really run at that other cap."""
    prompt = SLEEPS + ", sleep(ms=30)"
    first = recorded(
        monkeypatch, tmp_path / "a.jsonl", [prompt], profile(max_concurrent_tools=recorded_cap)
    )
    [batch] = first.batches.values()
    assert batch.wall_s is not None
    predicted = simulate(Workload.of_batch(batch), other_cap).wall_s
    actual = recorded(
        monkeypatch, tmp_path / "b.jsonl", [prompt], profile(max_concurrent_tools=other_cap)
    )
    [real] = actual.batches.values()
    assert real.wall_s is not None
    assert predicted == pytest.approx(real.wall_s, abs=EXACT)
    assert abs(predicted - batch.wall_s) > 0.005  # the other cap is a different run
