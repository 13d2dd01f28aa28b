"""The event loop's longest stall while tool calls run, recording on, one batch and four at once.

Run: .venv/bin/python benchmarks/bench_stall.py [runs]   (or `make bench`; 15 runs by default)

A 1 ms ticker runs beside 1,000 calls of 50 ms at a cap of 1,000, every event recorded to a session
file by the session recorder (what the app does); the longest gap between its ticks is the longest
time the loop gave nobody else, i.e. what drawing the screen would have waited for. "Four at once" is
four such batches in one loop, each with its own executor and session file (as the compare screen
runs four variants). The floor is bare ``asyncio.gather`` of the same sleeps (one batch's 1,000, or
four batches' 4,000), measured in the same run. Every configuration runs once per round, in an order
that alternates, so a change in the machine's speed hits all alike; between runs the app's
garbage-collection policy collects and freezes (gcpolicy.settle, as the app does between turns).
"""

from __future__ import annotations

import asyncio
import os
import platform
import statistics
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_executor import REGISTRY, calls_for, ticker, wait50  # same directory

from workbench import gcpolicy
from workbench.core.clock import Clock
from workbench.core.executor import ToolExecutor
from workbench.core.settings import ExecutionSettings
from workbench.session.recorder import SessionRecorder

N, CAP = 1000, 1000
SETTINGS = ExecutionSettings(max_concurrent=CAP, timeout_s=30.0)
GOAL_MS = 16.0


class Recorded:
    """One executor recording every event to a session file of its own, as a runtime has."""

    def __init__(self, path: Path) -> None:
        self.recorder = SessionRecorder.create(path, profile={"name": "bench"})
        self.executor = ToolExecutor(REGISTRY, emit=self.recorder.record, clock=Clock())

    async def batch(self) -> None:
        await self.executor.run("b", calls_for("wait50", N), SETTINGS)
        self.recorder.flush_soon()  # as the runtime does at a batch's end

    def close(self) -> None:
        self.recorder.close()
        self.executor.close()


async def gather(batches: int) -> None:
    await asyncio.gather(*[wait50.fn() for _ in range(N * batches)])


async def longest_stall(work: Callable[[], Awaitable[object]]) -> float:
    gaps: list[float] = []
    stop = asyncio.Event()
    task = asyncio.create_task(ticker(gaps, stop))
    await asyncio.sleep(0)  # the ticker takes its first reading before the work starts
    await work()
    await asyncio.sleep(0.01)  # recorder writes scheduled at the end land while it still ticks
    stop.set()
    await task
    return max(gaps)


def line(label: str, stalls: list[float], floor: list[float] | None) -> str:
    med, worst = statistics.median(stalls) * 1e3, max(stalls) * 1e3
    text = f"  {label:<34} median {med:5.1f} ms  worst {worst:5.1f} ms"
    if floor is not None:
        text += f"   (floor: median {statistics.median(floor) * 1e3:4.1f}, worst {max(floor) * 1e3:4.1f})"
        text += "  goal met" if worst <= GOAL_MS else "  over the goal"
    return text


async def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    load = os.getloadavg()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, {platform.system()}; "
          f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")  # fmt: skip
    with tempfile.TemporaryDirectory() as d:
        runtimes = [Recorded(Path(d) / f"session-{i}.jsonl") for i in range(4)]
        one, four = runtimes[0], runtimes

        async def four_at_once() -> None:
            await asyncio.gather(*[r.batch() for r in four])

        configs: dict[str, Callable[[], Awaitable[object]]] = {
            "gather, 1,000 sleeps": lambda: gather(1),
            "workbench, one batch, recorded": one.batch,
            "gather, 4,000 sleeps": lambda: gather(4),
            "workbench, four batches at once": four_at_once,
        }
        for work in configs.values():  # warm up: schemas built, first session lines written
            await work()
        gcpolicy.freeze_startup()  # as the app does once start-up is over
        stalls: dict[str, list[float]] = {label: [] for label in configs}
        order = list(configs)
        for run in range(runs):
            for label in order if run % 2 == 0 else order[::-1]:
                gcpolicy.settle()  # as the app does between turns
                stalls[label].append(await longest_stall(configs[label]))
        for runtime in runtimes:
            runtime.close()
    gcpolicy.thaw()

    print(
        f"\nLongest event-loop stall (1 ms ticker), {N:,} calls of 50 ms at cap {CAP:,}, "
        f"every event recorded; {runs} runs; goal {GOAL_MS:g} ms"
    )
    print(line("workbench, one batch, recorded", stalls["workbench, one batch, recorded"],
               stalls["gather, 1,000 sleeps"]))  # fmt: skip
    print(line("workbench, four batches at once", stalls["workbench, four batches at once"],
               stalls["gather, 4,000 sleeps"]))  # fmt: skip
    load = os.getloadavg()
    print(f"load average after: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")


if __name__ == "__main__":
    asyncio.run(main())
