"""The round-trip advisor over real recorded turns of the scripted model."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.analysis.support import profile, record
from workbench.analysis import Call, advise
from workbench.analysis.advisor import depends
from workbench.tools.latency import set_latency_scale


@pytest.fixture(autouse=True)
def _quick_tools(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    set_latency_scale(0.05)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text("x = 1\n")


async def test_a_call_that_uses_an_earlier_result_is_never_flagged(tmp_path: Path) -> None:
    session = await record(
        tmp_path / "s.jsonl",
        ['read_file(path="a.py") then run_linter(path="a.py")'],
        profile(),
    )
    assert len(session.batches) == 2  # two round trips with calls, sequential...
    assert advise(session) == []  # ...for a reason: the linter's argument is in the read's result


async def test_independent_calls_in_consecutive_responses_could_have_been_one(
    tmp_path: Path,
) -> None:
    session = await record(
        tmp_path / "s.jsonl",
        ["sleep(ms=30) then sleep(ms=40) then sleep(ms=20)"],
        profile(),
    )
    [advice] = advise(session)
    trips = session.turns[0].round_trips
    assert advice.round_trips == (1, 2, 3)
    assert advice.reason == "model"  # parallel emission was on: the model chose one at a time
    assert advice.input_tokens_saved == trips[1].input_tokens + trips[2].input_tokens
    assert advice.model_time_saved_s == pytest.approx(
        (trips[1].duration_s or 0) + (trips[2].duration_s or 0)
    )
    # recorded 90 ms of sleeps one after another; as one batch under cap 10 they overlap: ~40 ms
    assert advice.tool_time_saved_s == pytest.approx(0.05, abs=0.01)
    assert advice.sentence().startswith("round trips 1–3 could have been one: −")


async def test_with_parallel_emission_off_the_knob_is_the_reason(tmp_path: Path) -> None:
    session = await record(
        tmp_path / "s.jsonl",
        ["weather in Tokyo and Paris and the time in Paris"],
        profile(),
        knobs=[{"parallel": False}],
    )
    [advice] = advise(session)
    assert advice.reason == "knob"
    assert advice.round_trips == (1, 2, 3)
    assert "parallel emission was off" in advice.sentence()


async def test_a_dependency_splits_a_run_of_responses(tmp_path: Path) -> None:
    # the third response reads the file the first two did not touch; the linter needs the read
    session = await record(
        tmp_path / "s.jsonl",
        ['sleep(ms=10) then sleep(ms=20) then read_file(path="a.py") then run_linter(path="a.py")'],
        profile(),
    )
    [advice] = advise(session)
    assert advice.round_trips == (1, 2, 3)


def call(args: dict[str, object]) -> Call:
    return Call(
        call_id="c",
        batch_id="b",
        tool="t",
        args=args,
        index=0,
        state="ok",
        result="",
        queued_t=0.0,
        started_t=0.0,
        finished_t=0.0,
    )


def test_the_dependency_rule() -> None:
    results = '{"path":"src/app.py","lines":120,"ok":true}'.casefold()
    assert depends(call({"path": "src/app.py"}), results)
    assert depends(call({"file": "APP.PY"}), results)  # case-insensitive
    assert depends(call({"n": 120}), results)
    assert depends(call({"nested": {"items": ["x", "src/app.py"]}}), results)
    assert not depends(call({"path": "other.py"}), results)
    assert not depends(call({"flag": True, "n": 1, "m": 0}), results)  # too common to mean a thing
    assert not depends(call({"s": "py"}), results)  # two characters say nothing
    assert not depends(call({}), results)


async def test_the_app_gets_the_same_advice_from_its_timeline_model(tmp_path: Path) -> None:
    from workbench.analysis import turn_from_model
    from workbench.analysis.advisor import advise_turn
    from workbench.core.timeline import TimelineModel
    from workbench.session import load_session

    path = tmp_path / "s.jsonl"
    session = await record(path, ["sleep(ms=30) then sleep(ms=40) then sleep(ms=20)"], profile())
    model = TimelineModel()
    for event in load_session(path).events:
        model.apply(event)
    turn = turn_from_model(model, 1)
    assert turn is not None
    assert advise_turn(turn) == advise(session)
    assert turn_from_model(model, 2) is None
