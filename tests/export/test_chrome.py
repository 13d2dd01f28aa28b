"""The Chrome/Perfetto trace: lanes that never partially overlap, nested waits and attempts, flows."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.export.helpers import finished_calls, partial_overlaps
from workbench.export.chrome import assign_lanes, chrome_trace, write_chrome_trace
from workbench.export.source import read_session_spans

NAMES = ["retries", "cancelled", "not_eager", "sequential", "flaky"]


def _trace(path: Path, **kwargs: Any) -> dict[str, Any]:
    return chrome_trace(read_session_spans(path), **kwargs)


def _thread_names(trace: dict[str, Any]) -> dict[int, str]:
    return {
        e["tid"]: e["args"]["name"]
        for e in trace["traceEvents"]
        if e["ph"] == "M" and e["name"] == "thread_name"
    }


@pytest.mark.parametrize("name", NAMES)
def test_no_two_slices_on_a_thread_partially_overlap(sessions: dict[str, Path], name: str) -> None:
    trace = _trace(sessions[name], include_content=True)
    assert partial_overlaps(trace) == []


def _waits(trace: dict[str, Any]) -> dict[int, tuple[dict[str, Any], dict[str, Any]]]:
    """The async "waiting for a slot" slices, begin and end, by id."""
    begins = {e["id2"]["local"]: e for e in trace["traceEvents"] if e["ph"] == "b"}
    ends = {e["id2"]["local"]: e for e in trace["traceEvents"] if e["ph"] == "e"}
    assert set(begins) == set(ends)
    return {key: (begins[key], ends[key]) for key in begins}


@pytest.mark.parametrize("name", NAMES)
def test_every_call_is_one_slice_on_a_lane_while_it_runs_and_waits_on_the_queue_track(
    sessions: dict[str, Path], name: str
) -> None:
    trace = _trace(sessions[name])
    threads = _thread_names(trace)
    calls = [e for e in trace["traceEvents"] if e.get("cat") == "call"]
    waits = _waits(trace)
    never_ran = [b for b, _ in waits.values() if "status" in b["args"]]
    recorded = finished_calls(sessions[name])
    shown = Counter(e["args"]["call"] for e in calls + never_ran)
    assert shown == Counter(c.call_id for c in recorded)  # every call exactly once
    by_id = {c.call_id: c for c in recorded}
    for call in calls:
        assert threads[call["tid"]].startswith("lane ")
        finished = by_id[call["args"]["call"]]
        assert finished.started_t is not None
        assert call["args"]["status"] == finished.status
        assert call["name"] == finished.tool
        assert call["ts"] == round(finished.started_t * 1e6)  # the slot is taken when it starts
        assert call["ts"] + call["dur"] == round(finished.finished_t * 1e6)
        inside = {
            e["name"]
            for e in trace["traceEvents"]
            if e["ph"] == "X"
            and e["tid"] == call["tid"]
            and e["cat"] == "attempt"
            and call["ts"] <= e["ts"]
            and e["ts"] + e["dur"] <= call["ts"] + call["dur"]
        }
        if finished.attempts > 1:
            assert {f"attempt {n}" for n in range(1, finished.attempts + 1)} <= inside
    for begin in never_ran:
        assert by_id[begin["args"]["call"]].started_t is None
    for begin, end in waits.values():
        finished = by_id[begin["args"]["call"]]
        assert begin["ts"] == round(finished.queued_t * 1e6)
        until = finished.started_t if finished.started_t is not None else finished.finished_t
        assert end["ts"] == max(round(until * 1e6), begin["ts"])


async def test_a_capped_batch_draws_as_many_lanes_as_its_cap(tmp_path: Path) -> None:
    from tests.export.sessions import record
    from workbench.tools.latency import set_latency_scale

    previous = set_latency_scale(0.0)
    try:
        path = tmp_path / "capped.jsonl"
        await record(path, [", ".join(["sleep(ms=5)"] * 300)], max_concurrent_tools=10)
    finally:
        set_latency_scale(previous)
    trace = _trace(path)
    lanes = [name for name in _thread_names(trace).values() if name.startswith("lane ")]
    assert 1 <= len(lanes) <= 10  # was 301: one per call that waited
    assert partial_overlaps(trace) == []
    calls = [e for e in trace["traceEvents"] if e.get("cat") == "call"]
    assert len(calls) == 300
    assert len(_waits(trace)) >= 290  # most of them waited for a slot, drawn on the queue track


def test_calls_that_overlap_in_time_get_different_lanes(sessions: dict[str, Path]) -> None:
    trace = _trace(sessions["retries"])
    calls = [e for e in trace["traceEvents"] if e.get("cat") == "call"]
    for a in calls:
        for b in calls:
            if a is not b and a["ts"] < b["ts"] + b["dur"] and b["ts"] < a["ts"] + a["dur"]:
                assert a["tid"] != b["tid"]


def test_lanes_are_reused_once_free() -> None:
    assert assign_lanes([(0, 10), (0, 5), (5, 8), (10, 20), (2, 3)]) == [1, 2, 2, 1, 3]
    assert assign_lanes([]) == []


def test_the_model_thread_has_a_slice_per_round_trip_and_flows_to_each_call(
    sessions: dict[str, Path],
) -> None:
    path = sessions["retries"]
    trace = _trace(path)
    threads = _thread_names(trace)
    model = next(tid for tid, name in threads.items() if name == "model")
    round_trips = [e for e in trace["traceEvents"] if e.get("cat") == "model" and e["dur"] > 0]
    recorded = [
        line
        for line in path.read_text().splitlines()[1:]
        if '"type":"model_request_started"' in line
    ]
    assert len([e for e in round_trips if e["name"].startswith("round trip")]) == len(recorded)
    assert all(e["tid"] == model for e in round_trips)
    outs = {e["bind_id"]: e for e in trace["traceEvents"] if e.get("flow_out")}
    ins = {e["bind_id"]: e for e in trace["traceEvents"] if e.get("flow_in")}
    calls = [e for e in trace["traceEvents"] if e.get("cat") == "call"]
    assert set(ins) == set(outs)
    assert len(ins) == len(calls)  # every call that ran (the others have no slice to point at)
    for bind, target in ins.items():
        source = outs[bind]
        assert source["tid"] == model
        assert source["args"]["call"] == target["args"]["call"]
        assert source["ts"] <= target["ts"]


def test_metadata_names_the_process_and_orders_threads(sessions: dict[str, Path]) -> None:
    path = sessions["sequential"]
    spans = read_session_spans(path)
    trace = chrome_trace(spans)
    meta = [e for e in trace["traceEvents"] if e["ph"] == "M"]
    process = next(e for e in meta if e["name"] == "process_name")
    assert "export-test" in process["args"]["name"]
    assert spans.session_id in process["args"]["name"]
    sort = {e["tid"]: e["args"]["sort_index"] for e in meta if e["name"] == "thread_sort_index"}
    names = _thread_names(trace)
    ordered = [names[tid] for tid in sorted(sort, key=sort.__getitem__)]
    assert ordered[:2] == ["turns", "model"]
    assert ordered[2:] == [f"lane {n}" for n in range(1, len(ordered) - 1)]
    # One call runs at a time: one lane, however many wait.
    assert len(ordered) == 2 + 1
    running = sorted(
        (e["ts"], e["ts"] + e["dur"]) for e in trace["traceEvents"] if e.get("cat") == "run"
    )
    assert all(end <= start for (_, end), (start, _) in itertools.pairwise(running))


def test_a_cancelled_turn_still_shows_every_call(sessions: dict[str, Path]) -> None:
    trace = _trace(sessions["cancelled"])
    statuses = Counter(e["args"]["status"] for e in trace["traceEvents"] if e.get("cat") == "call")
    assert statuses["cancelled"] >= 2
    turn = next(e for e in trace["traceEvents"] if e.get("cat") == "turn")
    assert turn["args"]["status"] == "cancelled"


def test_content_is_only_included_when_asked(sessions: dict[str, Path]) -> None:
    path = sessions["retries"]
    plain = json.dumps(_trace(path))
    assert "boom" in plain  # the one-line error is not content
    assert '"arguments"' not in plain and '"result"' not in plain and '"prompt"' not in plain
    assert "sleep(ms=40)" not in plain
    rich = _trace(path, include_content=True)
    calls = [e for e in rich["traceEvents"] if e.get("cat") == "call"]
    assert {"ms": 40} in [c["args"]["arguments"] for c in calls]
    assert any("result" in c["args"] for c in calls)


def test_the_file_opens_as_json_with_trace_events(
    sessions: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "run.trace.json"
    count = write_chrome_trace(read_session_spans(sessions["flaky"]), out)
    loaded = json.loads(out.read_bytes())
    assert len(loaded["traceEvents"]) == count
    assert loaded["otherData"]["session_id"]
