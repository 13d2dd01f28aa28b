"""A long session as the app runs it: 1,000-call turns one after another, every event applied to a
timeline model, the app's garbage-collection policy (workbench/gcpolicy.py) on or off.

Run: .venv/bin/python benchmarks/bench_session.py [turns]   (or `make bench`)

For each turn: the longest gap between ticks of a 1 ms ticker (the event loop's longest stall, which
is what the app's drawing would feel), the longest garbage collection inside the turn, and the time
the policy's collection between turns takes.
"""

from __future__ import annotations

import asyncio
import gc
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from workbench.core.knobs import KnobChange

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_executor import ticker  # same directory: `python benchmarks/bench_session.py`

from workbench import gcpolicy
from workbench.config import Profile
from workbench.core.timeline import TimelineModel
from workbench.runtime import Runtime
from workbench.tools.latency import set_latency_scale

FAST = Profile.model_validate(
    {"name": "bench", "type": "scripted", "scripted": {"ttft_ms": 0, "tokens_per_s": 1_000_000}}
)
PROMPT = ", ".join(["sleep(ms=50)"] * 1000)

_collections: list[float] = []
_started: list[float] = [0.0]


def _on_gc(phase: str, info: dict[str, int]) -> None:
    if phase == "start":
        _started[0] = time.perf_counter()
    else:
        _collections.append(time.perf_counter() - _started[0])


async def session(turns: int, policy: bool, tmp: Path) -> None:
    runtime = await Runtime.start(FAST, record=tmp / f"session-{policy}.jsonl")
    gcpolicy.freeze_startup()
    runtime.apply(KnobChange(max_concurrent=1000))
    model = TimelineModel()
    print(f"\nGC policy {'on' if policy else 'off'}")
    print(f"{'turn':>5} {'longest stall ms':>17} {'longest GC ms':>14} {'collect between ms':>19}")
    for turn in range(1, turns + 1):
        gaps: list[float] = []
        stop = asyncio.Event()
        _collections.clear()
        task = asyncio.create_task(ticker(gaps, stop))
        async for event in runtime.run_turn(PROMPT):
            model.apply(event)
        stop.set()
        await task
        longest_gc = max(_collections, default=0.0)
        between = ""
        if policy:
            t = time.perf_counter()
            gcpolicy.settle()
            between = f"{(time.perf_counter() - t) * 1e3:.1f}"
        print(f"{turn:>5} {max(gaps) * 1e3:>17.1f} {longest_gc * 1e3:>14.1f} {between:>19}")
    await runtime.aclose()
    gcpolicy.thaw()


async def main() -> None:
    turns = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, {platform.system()}")  # fmt: skip
    set_latency_scale(0.0)
    gc.callbacks.append(_on_gc)
    with tempfile.TemporaryDirectory() as d:
        await session(turns, policy=False, tmp=Path(d))
        await session(turns, policy=True, tmp=Path(d))


if __name__ == "__main__":
    asyncio.run(main())
