"""Executor overhead and batch wall time, side by side with bare asyncio.gather (the floor).

Run: .venv/bin/python benchmarks/bench_executor.py   (or `make bench`)

Measured with what a real session has on: per-call timeouts, isolation (a failure never cancels a
sibling), every event built and recorded to a session file. Figures go in the README's performance
section with the machine they came from. The event loop's longest stall while calls run is
benchmarks/bench_stall.py.
"""

from __future__ import annotations

import asyncio
import gc
import math
import os
import platform
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workbench import gcpolicy
from workbench.core.clock import Clock
from workbench.core.executor import ToolExecutor
from workbench.core.messages import ToolCall
from workbench.core.settings import ExecutionSettings
from workbench.session.recorder import SessionRecorder
from workbench.tools.base import ToolRegistry, tool


@tool
async def noop() -> None:
    """Does nothing."""


@tool
async def wait50() -> None:
    """Sleeps 50 ms."""
    await asyncio.sleep(0.05)


@tool
def wait50_sync() -> None:
    """Blocks 50 ms in its thread."""
    time.sleep(0.05)


REGISTRY = ToolRegistry([noop, wait50, wait50_sync])


async def best_of(runs: int, fn: Callable[[], Awaitable[object]]) -> float:
    times = []
    for _ in range(runs):
        gc.collect()
        t = time.perf_counter()
        await fn()
        times.append(time.perf_counter() - t)
    return min(times)


async def overhead(tmp: Path, n: int, runs: int) -> tuple[float, float, float, float]:
    """Best times for n no-op calls: gather, executor without recording, batch, batch plus write.

    All are measured in turn in every run, so a change in the machine's speed hits all alike.
    "Without recording": every event built and handed to a consumer that drops it. "Batch": what the
    agent loop waits for, ``await executor.run(...)`` with every event recorded (the recorder writes
    in loop callbacks of its own, which run when the loop gets a turn: with instant tools, still
    inside the batch). "Plus write": whatever is left written right after the batch by ``flush()``.
    Each N has a session file of its own, as a session would.
    """
    calls = calls_for("noop", n)
    settings = ExecutionSettings(max_concurrent=10, timeout_s=30.0)
    path = tmp / f"overhead-{n}.jsonl"
    rec = SessionRecorder.create(path, profile={"name": "bench"})
    ex = ToolExecutor(REGISTRY, emit=rec.record, clock=Clock())
    bare = ToolExecutor(REGISTRY, emit=lambda event: None, clock=Clock())
    floors, bares, batches, totals = [], [], [], []
    for _ in range(runs):
        floors.append(await best_of(1, lambda: gather_floor(n)))
        bares.append(await best_of(1, lambda: bare.run("b", calls, settings)))
        gc.collect()
        t = time.perf_counter()
        await ex.run("b", calls, settings)
        batch = time.perf_counter() - t
        rec.flush()
        total = time.perf_counter() - t
        batches.append(batch)
        totals.append(total)
    rec.close()
    ex.close()
    bare.close()
    path.unlink()
    return min(floors), min(bares), min(batches), min(totals)


async def sleep_floor(n: int) -> None:
    await asyncio.gather(*[wait50.fn() for _ in range(n)])


async def gather_floor(n: int) -> None:
    await asyncio.gather(*[noop.fn() for _ in range(n)])


def make_executor(tmp: Path) -> tuple[ToolExecutor, SessionRecorder]:
    recorder = SessionRecorder.create(tmp / "bench.jsonl", profile={"name": "bench"})
    return ToolExecutor(REGISTRY, emit=recorder.record, clock=Clock()), recorder


_CALLS: dict[tuple[str, int], list[ToolCall]] = {}


def calls_for(name: str, n: int) -> list[ToolCall]:
    # Built once, outside the timed region: the calls come from the provider, as in a real run.
    key = (name, n)
    if key not in _CALLS:
        _CALLS[key] = [ToolCall(id=f"c{i}", name=name, arguments={}) for i in range(n)]
    return _CALLS[key]


async def executor_run(ex: ToolExecutor, rec: SessionRecorder, name: str, n: int, cap: int) -> None:
    calls = calls_for(name, n)
    await ex.run("b", calls, ExecutionSettings(max_concurrent=cap, timeout_s=30.0))
    rec.flush()


async def ticker(gaps: list[float], stop: asyncio.Event) -> None:
    """Ticks every millisecond; each gap beyond that is time the loop gave nobody else."""
    last = time.perf_counter()
    while not stop.is_set():
        await asyncio.sleep(0.001)
        now = time.perf_counter()
        gaps.append(now - last - 0.001)
        last = now


async def main() -> None:
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, {platform.system()}")  # fmt: skip
    with tempfile.TemporaryDirectory() as d:
        ex, rec = make_executor(Path(d))
        # As the app and `workbench run` do once start-up is over (gcpolicy.freeze_startup): a full
        # garbage collection otherwise walks every module and schema, stalling the loop 15-25 ms.
        await executor_run(ex, rec, "noop", 100, 10)  # builds the pydantic schemas first
        gcpolicy.freeze_startup()
        print("\nScheduling overhead per no-op call (timeouts, isolation, recording on), µs/call")
        print(f"{'N':>6} {'gather':>7} {'no rec.':>14} {'batch':>14} {'+ write':>14}")
        for n in (100, 1000, 10000):
            floor, bare, batch, total = await overhead(Path(d), n, runs=50 if n <= 1000 else 10)
            cells = [f"{x / n * 1e6:>6.2f} {x / floor:>5.2f}×" for x in (bare, batch, total)]
            print(f"{n:>6} {floor / n * 1e6:>7.2f}  " + "  ".join(f"{c:>13}" for c in cells))

        print("\nBatch wall time for N calls of 50 ms (bound: 1.03 × ceil(N/cap) × 50 ms)")
        print(
            "gather: bare asyncio.gather of the same N sleeps, uncapped (async rows with cap = N)"
        )
        print(
            f"{'tool':>12} {'N':>5} {'cap':>4} {'wall ms':>9} {'bound ms':>9} {'ok':>4} {'gather ms':>10}"
        )
        for name in ("wait50", "wait50_sync"):
            for n, cap in ((10, 10), (100, 10), (100, 100), (1000, 10), (1000, 1000)):
                if name == "wait50_sync" and cap > 100:
                    continue  # a thousand threads measures the OS, not the executor
                wall = await best_of(
                    3, lambda n=n, cap=cap, name=name: executor_run(ex, rec, name, n, cap)
                )  # type: ignore[misc]
                bound = 1.03 * math.ceil(n / cap) * 0.05
                floor = ""
                if name == "wait50" and cap == n:
                    floor_s = await best_of(3, lambda n=n: sleep_floor(n))  # type: ignore[misc]
                    floor = f"{floor_s * 1e3:.1f}"
                print(f"{name:>12} {n:>5} {cap:>4} {wall * 1e3:>9.1f} {bound * 1e3:>9.1f} "
                      f"{'yes' if wall <= bound else 'NO':>4} {floor:>10}")  # fmt: skip

        rec.close()
        ex.close()


if __name__ == "__main__":
    asyncio.run(main())
