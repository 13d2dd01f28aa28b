"""How much recording costs the executor: µs per event for ``record()`` plus the bulk writes.

Run: ``.venv/bin/python benchmarks/bench_recorder.py [events]``. Uses a realistic mix (call_queued,
call_started, call_finished for every call, batch events around every 10 calls) written to a temp dir.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from workbench.core.events import (
    BatchFinished,
    BatchStarted,
    BatchStats,
    CallFinished,
    CallQueued,
    CallStarted,
    Event,
)
from workbench.core.settings import ExecutionSettings
from workbench.session.reader import load_session
from workbench.session.recorder import SessionRecorder

PROFILE = {
    "name": "bench",
    "provider": "scripted",
    "model": "scripted-1",
    "api_key_env": "NONE_KEY",
}


def realistic_events(total: int) -> list[Event]:
    events: list[Event] = []
    settings = ExecutionSettings(max_concurrent=4)
    t = 0.0
    call = 0
    batch = 0
    while len(events) < total:
        batch += 1
        batch_id = f"b{batch}"
        events.append(BatchStarted(t=t, turn=1, batch_id=batch_id, settings=settings))
        for index in range(10):
            call += 1
            args = {"path": f"src/module_{call}.py", "pattern": "TODO|FIXME", "max_results": 20}
            call_id = f"call_{call:06d}"
            common = {"batch_id": batch_id, "call_id": call_id, "tool": "grep", "args": args}
            events.append(CallQueued(t=t, index=index, **common))
            events.append(CallStarted(t=t + 0.001, **common))
            events.append(
                CallFinished(
                    t=t + 0.25,
                    status="ok",
                    result=f"src/module_{call}.py:12: # TODO: handle the empty case",
                    queued_t=t,
                    started_t=t + 0.001,
                    finished_t=t + 0.25,
                    **common,
                )
            )
            t += 0.01
        stats = BatchStats(
            calls=10, wall_s=0.35, sum_s=2.5, speedup=7.1, peak_concurrency=4, wait_s=0.2,
            ok=10, errors=0, timeouts=0, cancelled=0,
        )  # fmt: skip
        events.append(BatchFinished(t=t + 0.3, turn=1, batch_id=batch_id, stats=stats))
    return events[:total]


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 30_000
    events = realistic_events(total)
    best_record = best_total = float("inf")
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(5):
            path = Path(tmp) / f"bench-{run}.jsonl"
            recorder = SessionRecorder.create(path, profile=PROFILE)
            record = recorder.record
            start = time.perf_counter()
            for event in events:
                record(event)
            recorded = time.perf_counter()
            recorder.close()
            done = time.perf_counter()
            best_record = min(best_record, recorded - start)
            best_total = min(best_total, done - start)
        size = path.stat().st_size
        start = time.perf_counter()
        loaded = load_session(path)
        load_s = time.perf_counter() - start
        assert len(loaded.events) == total, "the benchmark file did not load back whole"
    print(f"{total} events, {size / 1e6:.1f} MB, best of 5")
    print(f"record() incl. bulk writes: {best_record / total * 1e6:.2f} µs/event")
    print(f"record() + close():         {best_total / total * 1e6:.2f} µs/event")
    print(f"load_session():             {load_s / total * 1e6:.2f} µs/event")


if __name__ == "__main__":
    main()
