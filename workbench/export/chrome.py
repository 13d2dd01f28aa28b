"""A session as a Chrome trace (JSON), to open in ui.perfetto.dev or chrome://tracing.

One process for the session. Threads: "turns" (a slice per turn, with its batches nested), "model" (a
slice per model round trip, with a zero-length "emit TOOL" mark where the response emitted each call),
and tool lanes "lane 1", "lane 2", ... A lane is a running slot: each call that ran is a slice on a
lane from started to finished (with "attempt N" inside when it was retried), so a batch capped at 10
draws at most 10 lanes. Lanes are assigned so calls that run at the same time never share one:
Perfetto requires the slices of a thread to nest, and moves any that partially overlap to an overflow
track. Waiting for a slot is an async slice "waiting for a slot" from queued to started, on the
process's own queue track (a call that never started is only that, with its status). A flow arrow
goes from each emit mark to its call.

Times are whole microseconds since the session started (``t``), so nesting is exact; the wall-clock
start is in ``otherData``.
"""

from __future__ import annotations

import heapq
from pathlib import Path
from typing import Any

import orjson

from workbench.export.spans import CONTENT_LIMIT, CallSpan, SessionSpans, cut
from workbench.gcpolicy import paused

PID = 1
TID_TURNS = 1
TID_MODEL = 2
LANE_TID0 = 10
"""Lane n is thread LANE_TID0 + n."""

_CNAME = {"error": "terrible", "timeout": "bad", "cancelled": "grey", "unfinished": "yellow"}


def _us(t: float) -> int:
    return round(t * 1_000_000)


def assign_lanes(intervals: list[tuple[int, int]]) -> list[int]:
    """A lane (1, 2, ...) per interval so that intervals sharing a lane never overlap; touching
    end-to-start is fine. Greedy by start time, lowest free lane first: the fewest lanes possible."""
    order = sorted(range(len(intervals)), key=[start for start, _ in intervals].__getitem__)
    lanes = [0] * len(intervals)
    busy: list[tuple[int, int]] = []  # (end, lane)
    free: list[int] = []
    count = 0
    for i in order:
        start, end = intervals[i]
        while busy and busy[0][0] <= start:
            heapq.heappush(free, heapq.heappop(busy)[1])
        if free:
            lane = heapq.heappop(free)
        else:
            count += 1
            lane = count
        lanes[i] = lane
        heapq.heappush(busy, (end, lane))
    return lanes


def chrome_trace(spans: SessionSpans, *, include_content: bool = False) -> dict[str, Any]:
    """The trace as one JSON-able object with ``traceEvents``."""
    with paused():
        return _chrome_trace(spans, include_content)


def _chrome_trace(spans: SessionSpans, include_content: bool) -> dict[str, Any]:
    events: list[dict[str, Any]] = []
    add = events.append
    round_trips: dict[tuple[int, int | None], tuple[int, int]] = {}

    for turn in spans.turns:
        t_start, t_end = _us(turn.start), _us(turn.end if turn.end is not None else spans.last_t)
        t_end = max(t_end, t_start)
        args: dict[str, Any] = {"turn": turn.number, "status": turn.status}
        if turn.error:
            args["error"] = cut(turn.error)
        if include_content:
            args["prompt"] = cut(turn.prompt)
        add(_x(f"turn {turn.number}", "turn", t_start, t_end - t_start, TID_TURNS, args))
        floor = t_start
        for batch in turn.batches:
            b_start = max(_us(batch.start), floor)
            b_end = min(
                max(_us(batch.end if batch.end is not None else spans.last_t), b_start), t_end
            )
            b_start = min(b_start, b_end)
            floor = b_end
            b_args: dict[str, Any] = {"batch": batch.batch_id, "eager": batch.eager}
            b_args.update(_settings_args(batch.settings))
            if batch.stats is not None:
                b_args.update(batch.stats)
            add(_x(f"batch {batch.batch_id}", "batch", b_start, b_end - b_start, TID_TURNS, b_args))

        for rt in turn.round_trips:
            r_start = _us(rt.start)
            r_end = max(_us(rt.end if rt.end is not None else spans.last_t), r_start)
            r_args: dict[str, Any] = {
                "round trip": rt.number,
                "provider": rt.provider,
                "model": rt.model,
                "input tokens": rt.input_tokens,
                "output tokens": rt.output_tokens,
                "stop reason": rt.stop_reason,
                "batch": rt.batch_id,
                "complete": rt.complete,
            }
            if rt.error_type is not None:
                r_args["error type"] = rt.error_type
                if rt.error:
                    r_args["error"] = cut(rt.error)
            add(_x(f"round trip {rt.number}", "model", r_start, r_end - r_start, TID_MODEL, r_args))
            round_trips[(turn.number, rt.number)] = (r_start, r_end)

    calls = [call for turn in spans.turns for call in turn.calls]
    # The hot part of a large export (once per call): parallel lists rather than dicts keyed by
    # call, dict literals inline, the rounding of _us written out.
    queues: list[int] = []
    starts: list[int] = []
    finishes: list[int] = []
    ran: list[int] = []  # positions in ``calls`` of the calls that started
    intervals: list[tuple[int, int]] = []
    for i, c in enumerate(calls):
        queued = round(c.queued * 1_000_000)
        finished = round(c.end * 1_000_000)
        if finished < queued:
            finished = queued
        if c.started is not None:
            started = round(c.started * 1_000_000)
            started = min(max(started, queued), finished)
            ran.append(i)
            intervals.append((started, finished))
        else:
            started = finished
        queues.append(queued)
        starts.append(started)
        finishes.append(finished)
    # A lane is a running slot: a call sits on one from started to finished, so a capped batch
    # draws as many lanes as its cap (queued-to-finished would need one per call that waited).
    lanes: list[int | None] = [None] * len(calls)
    for i, assigned in zip(ran, assign_lanes(intervals), strict=True):
        lanes[i] = assigned
    flow = 0
    waits = 0
    emit_names: dict[str, str] = {}  # "emit TOOL", made once per tool
    for i, call in enumerate(calls):
        queued, started, finished = queues[i], starts[i], finishes[i]
        lane = lanes[i]
        bind = None
        emitted = call.emitted
        named = {
            "call": call.call_id
        }  # args of the mark and of the wait: the trace is never changed
        rt_span = round_trips.get((call.turn, call.round_trip)) if emitted is not None else None
        if rt_span is not None and emitted is not None:
            # The emit mark on the model thread: the source of the flow arrow to the call.
            at = min(max(round(emitted * 1_000_000), rt_span[0]), rt_span[1])
            mark: dict[str, Any] = {
                "ph": "X",
                "name": emit_names.get(call.tool)
                or emit_names.setdefault(call.tool, f"emit {call.tool}"),
                "cat": "model",
                "ts": at,
                "dur": 0,
                "pid": PID,
                "tid": TID_MODEL,
                "args": named,
            }
            if lane is not None:
                flow += 1
                bind = flow
                mark["bind_id"] = bind
                mark["flow_out"] = True
            add(mark)
        c_started = call.started
        waited = 0.0
        if call.waits:  # CallSpan.wait_s
            waited = (c_started if c_started is not None else call.end) - call.queued
            waited = round(waited * 1000, 3) if waited > 0.0 else 0.0
        args = {
            "call": call.call_id,
            "tool": call.tool,
            "batch": call.batch_id,
            "status": call.status,
            "attempts": len(call.attempts),
            "wait ms": waited,
            "run ms": (finished - started) / 1000 if c_started is not None else 0.0,
        }
        if call.error is not None:
            args["error"] = cut(call.error)
        if call.round_trip is not None:
            args["round trip"] = call.round_trip
        if include_content:
            _add_content(args, call)
        # A call that found a slot free did not wait (the fold's rule): the gap is its start.
        if (call.waits and started > queued) or lane is None:
            # Waiting for a slot is not a slot: an async slice on the process's queue track.
            # ("tid" is required by the format; the id2 scope, the process, places it.)
            waits += 1
            local = {"local": waits}
            add(
                {
                    "ph": "b",
                    "ts": queued,
                    "args": args if lane is None else named,
                    "cat": "wait",
                    "name": "waiting for a slot",
                    "pid": PID,
                    "tid": TID_TURNS,
                    "id2": local,
                }
            )
            add(
                {
                    "ph": "e",
                    "ts": started,
                    "cat": "wait",
                    "name": "waiting for a slot",
                    "pid": PID,
                    "tid": TID_TURNS,
                    "id2": local,
                }
            )
        if lane is None:
            continue
        tid = LANE_TID0 + lane
        slice_: dict[str, Any] = {
            "ph": "X",
            "name": call.tool,
            "cat": "call",
            "ts": started,
            "dur": finished - started,
            "pid": PID,
            "tid": tid,
            "args": args,
        }
        cname = _CNAME.get(call.status)
        if cname is not None:
            slice_["cname"] = cname
        if bind is not None:
            slice_["bind_id"] = bind
            slice_["flow_in"] = True
        add(slice_)
        if len(call.attempts) > 1:
            _attempts(add, call, started, finished, tid)

    meta: list[dict[str, Any]] = [
        _meta("process_name", TID_TURNS, {"name": _process_name(spans)}),
        _meta("process_sort_index", TID_TURNS, {"sort_index": 0}),
        _meta("thread_name", TID_TURNS, {"name": "turns"}),
        _meta("thread_sort_index", TID_TURNS, {"sort_index": 0}),
        _meta("thread_name", TID_MODEL, {"name": "model"}),
        _meta("thread_sort_index", TID_MODEL, {"sort_index": 1}),
    ]
    for lane in range(1, max((n for n in lanes if n is not None), default=0) + 1):
        tid = LANE_TID0 + lane
        meta.append(_meta("thread_name", tid, {"name": f"lane {lane}"}))
        meta.append(_meta("thread_sort_index", tid, {"sort_index": 1 + lane}))
    return {
        "traceEvents": meta + events,
        "displayTimeUnit": "ms",
        "otherData": {
            "source": "workbench",
            "session_id": spans.session_id,
            "start_unix_ns": spans.start_unix_ns,
            "times": "exact" if spans.exact_times else "approximate",
            "problems": list(spans.problems),
        },
    }


def write_chrome_trace(spans: SessionSpans, path: Path, *, include_content: bool = False) -> int:
    """Write the trace to ``path``; returns the number of trace events. Raises ``OSError``."""
    trace = chrome_trace(spans, include_content=include_content)
    path.write_bytes(orjson.dumps(trace))
    return len(trace["traceEvents"])


def _add_content(args: dict[str, Any], call: CallSpan) -> None:
    text = orjson.dumps(call.args).decode()
    args["arguments"] = call.args if len(text) <= CONTENT_LIMIT else cut(text)
    if call.result is not None:
        args["result"] = cut(call.result)


def _attempts(add: Any, call: CallSpan, start: int, end: int, tid: int) -> None:
    floor = start
    for attempt in call.attempts:
        a_start = min(max(_us(attempt.start), floor), end)
        a_end = min(max(_us(attempt.end), a_start), end)
        floor = a_end
        a_args = {"error": cut(attempt.error)} if attempt.error is not None else None
        add(_x(f"attempt {attempt.number}", "attempt", a_start, a_end - a_start, tid, a_args))


def _x(
    name: str, cat: str, ts: int, dur: int, tid: int, args: dict[str, Any] | None
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "ph": "X",
        "name": name,
        "cat": cat,
        "ts": ts,
        "dur": dur,
        "pid": PID,
        "tid": tid,
    }
    if args is not None:
        event["args"] = args
    return event


def _meta(name: str, tid: int, args: dict[str, Any]) -> dict[str, Any]:
    return {"ph": "M", "name": name, "pid": PID, "tid": tid, "args": args}


def _process_name(spans: SessionSpans) -> str:
    profile = spans.profile_name or "workbench"
    return f"{profile} · session {spans.session_id}"


def _settings_args(settings: dict[str, Any]) -> dict[str, Any]:
    keys = ("concurrent", "max_concurrent", "timeout_s", "retries")
    return {key: settings[key] for key in keys if key in settings}
