"""How fast the recordings are read back for what they teach.

Run: ``.venv/bin/python benchmarks/bench_analysis.py [events]`` (default 1,000,000).

- ``stats`` over ``events`` recorded events against the floor: reading the same files and parsing
  every line with orjson, and nothing else. Measured side by side, alternating, in one run.
  The events are real recordings: the runtime, the scripted model and the recorder play turns of
  1 to 200 calls (some with parallel emission off, some with failures and retries) into one
  session, which is copied until the files hold ``events`` events.
- ``simulate()`` of a 10,000-call batch (durations and arrivals from a recorded batch, repeated)
  under 20 caps.
"""

from __future__ import annotations

import asyncio
import gc
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import orjson

from workbench.analysis import Workload, from_recording, read_recording, simulate
from workbench.analysis.stats import Stats, add_file
from workbench.config import Profile
from workbench.core.knobs import KnobChange
from workbench.runtime import Runtime
from workbench.tools.latency import set_latency_scale

CAPS = [1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 25, 32, 50, 64, 100, 250, 1000, 5000, None]


def prompts() -> list[tuple[str, dict[str, object]]]:
    out: list[tuple[str, dict[str, object]]] = []
    for n in (1, 3, 10, 50, 200):
        out.append((", ".join(f"sleep(ms={i % 3})" for i in range(n)), {}))
    out.append(("weather in Tokyo and Paris and the time in Paris", {"parallel": False}))
    out.append(("sleep(ms=1) then sleep(ms=2) then get_date()", {"parallel": True}))
    out.append(('fail(message="x"), sleep(ms=1), fail(message="y")', {"max_concurrent": 2}))
    out.append(("What's the weather in Tokyo and New York, and the time in Paris?", {}))
    return out


async def record_template(path: Path) -> None:
    set_latency_scale(0.0)
    profile = Profile.model_validate(
        {
            "name": "bench",
            "type": "scripted",
            "scripted": {"ttft_ms": 0, "tokens_per_s": 1_000_000},
            "tool_retries": 1,
            "tool_retry_backoff_s": 0.0,
        }
    )
    runtime = await Runtime.start(profile, record=path)
    try:
        for _ in range(4):
            for prompt, knobs in prompts():
                if knobs:
                    runtime.apply(KnobChange(**knobs))
                async for _event in runtime.run_turn(prompt):
                    pass
    finally:
        await runtime.aclose()


def floor(files: list[Path]) -> int:
    loads = orjson.loads
    n = 0
    for path in files:
        lines = path.read_bytes().split(b"\n")
        loads(lines[0])
        for line in lines[1:]:
            if line:
                loads(line)
                n += 1
    return n


def stats(files: list[Path]) -> int:
    result = Stats()
    for path in files:
        add_file(result, path)
    return result.sessions


def timed(fn: Callable[[list[Path]], int], files: list[Path]) -> tuple[float, float]:
    """(wall, CPU) seconds: on a shared machine the CPU time is the steadier figure."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    fn(files)
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        template = directory / "template.jsonl"
        asyncio.run(record_template(template))
        per_file = len(template.read_bytes().splitlines()) - 1
        copies = max(1, round(total / per_file))
        files = []
        for i in range(copies):
            target = directory / f"s{i:03d}.jsonl"
            shutil.copyfile(template, target)
            files.append(target)
        template.unlink()
        events = floor(files)
        print(f"stats over {events:,} recorded events in {len(files)} session files")
        floors, ours = [], []
        for _ in range(7):  # alternating, so a change in the machine's speed hits both
            floors.append(timed(floor, files))
            ours.append(timed(stats, files))
        for label, pick in (("wall", 0), ("CPU", 1)):
            f = statistics.median(run[pick] for run in floors)
            s = statistics.median(run[pick] for run in ours)
            ratios = sorted(o[pick] / fl[pick] for o, fl in zip(ours, floors, strict=True))
            print(
                f"  {label:4} median: orjson parse floor {f:.2f} s ({f / events * 1e6:.2f} µs/event),"
                f" stats {s:.2f} s ({s / events * 1e6:.2f} µs/event): {s / f:.2f}× the floor"
                f" (pairs {ratios[0]:.2f}-{ratios[-1]:.2f}×; target 1.5×)"
            )

        session = from_recording(read_recording(files[0]))
        biggest = max(session.batches.values(), key=lambda b: len(b.calls))
        base = Workload.of_batch(biggest)
        reps = -(-10_000 // len(base))
        span = base.available[-1] + 0.001
        work = Workload(
            tuple(a + r * span for r in range(reps) for a in base.available)[:10_000],
            (base.duration * reps)[:10_000],
            (base.lower_bound * reps)[:10_000],
        )
        runs = []
        for _ in range(7):
            gc.collect()
            wall, cpu = time.perf_counter(), time.process_time()
            for cap in CAPS:
                simulate(work, cap)
            runs.append((time.perf_counter() - wall, time.process_time() - cpu))
        print(
            f"simulate() of a {len(work):,}-call batch under {len(CAPS)} caps: median"
            f" {statistics.median(r[0] for r in runs) * 1000:.0f} ms wall,"
            f" {statistics.median(r[1] for r in runs) * 1000:.0f} ms CPU;"
            f" best {min(r[0] for r in runs) * 1000:.0f} ms (target 100 ms)"
        )


if __name__ == "__main__":
    main()
