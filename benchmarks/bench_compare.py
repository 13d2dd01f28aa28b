"""The code-review demo under four variants at once in one process, as `workbench demo` runs it.

Run: .venv/bin/python benchmarks/bench_compare.py [speed]   (speed 1 is the demo as shipped: ~45 s)

Two figures:

1. The event loop's longest stall (the longest gap between ticks of a 1 ms ticker) while the four
   variants run together, every event applied to a timeline model per variant as a pane would. The
   target is 16 ms (one frame at 60 Hz).
2. The parallel variant's own overhead: its wall time against the critical path of what it simulates
   (each round trip's simulated latency, plus for each batch ceil(calls / cap) waves of the simulated
   per-call latency), alone and while the other three run beside it. The rest is real work: planning,
   git and the files, the executor, the recorder. The target is 3%.

Both floors are measured in the same run; nothing here asserts a speed.
"""

from __future__ import annotations

import asyncio
import math
import os
import platform
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_executor import ticker  # same directory: `python benchmarks/bench_compare.py`

from workbench import gcpolicy
from workbench.compare.runner import CompareRunner, VariantRun
from workbench.compare.variants import parse_variants
from workbench.config.discovery import resolve_profile
from workbench.core.events import BatchStarted, Event
from workbench.core.timeline import TimelineModel
from workbench.demo.scenario import load_scenario
from workbench.demo.session import prepare_demo

VARIANTS = [
    "sequential:parallel=off,concurrency=off",
    "parallel-emission:parallel=on,concurrency=off",
    "cap4:parallel=on,max=4",
    "parallel:parallel=on,concurrency=on",
]


def critical_path_s(
    run: VariantRun, events: list[Event], round_trip_s: float, tool_s: float
) -> float:
    """What the variant's simulated latencies add up to on its critical path."""
    path = run.fold.figures.round_trips * round_trip_s
    model = TimelineModel()
    caps: dict[str, int] = {}
    for event in events:
        model.apply(event)
        if isinstance(event, BatchStarted):
            caps[event.batch_id] = event.settings.cap
    for batch in model.batches:
        calls = len(batch.calls)
        path += math.ceil(calls / caps.get(batch.batch_id, 1)) * tool_s
    return path


async def compare(
    specs: list[str], speed: float, tmp: Path, tag: str
) -> tuple[list[VariantRun], dict[int, list[Event]], float]:
    scenario = load_scenario("code-review")
    profile = resolve_profile("local")
    events: dict[int, list[Event]] = {}
    panes: dict[int, TimelineModel] = {}

    def on_event(run: VariantRun, event: Event) -> None:
        events.setdefault(run.index, []).append(event)
        panes.setdefault(run.index, TimelineModel()).apply(event)

    with prepare_demo(scenario, profile, parse_variants(specs), speed) as demo:
        runner = CompareRunner(
            demo.profile,
            scenario.prompt,
            demo.variants,
            setup=demo.setup,
            session_dir=tmp / tag,
            on_event=on_event,
        )
        gcpolicy.freeze_startup()
        gaps: list[float] = []
        stop = asyncio.Event()
        tick = asyncio.create_task(ticker(gaps, stop))
        runs = await runner.run()
        stop.set()
        await tick
    return runs, events, max(gaps, default=0.0)


async def idle_floor(seconds: float) -> float:
    """The longest stall of the same ticker with nothing else running: the machine's own noise."""
    gaps: list[float] = []
    stop = asyncio.Event()
    tick = asyncio.create_task(ticker(gaps, stop))
    await asyncio.sleep(seconds)
    stop.set()
    await tick
    return max(gaps, default=0.0)


async def main(speed: float) -> None:
    scenario = load_scenario("code-review")
    round_trip_s = scenario.simulated.model_round_trip_ms / 1000 / speed
    tool_s = (scenario.simulated.tool_call_ms or 0) / 1000 / speed
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores")
    print(f"code-review demo, speed {speed:g}: round trip {round_trip_s * 1000:.0f} ms, "
          f"tool call {tool_s * 1000:.1f} ms (simulated)")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        # Everything the demo imports, imported before measuring (the app has them at start).
        await compare(VARIANTS[-2:], speed * 10, tmp, "warm-up")
        floor = await idle_floor(3.0)
        runs, events, stall = await compare(VARIANTS, speed, tmp, "four")
        print(f"\nfour variants at once: longest loop stall {stall * 1000:.1f} ms (target 16 ms); "
              f"the idle loop's own longest stall in this run: {floor * 1000:.1f} ms")  # fmt: skip
        print(
            f"{'variant':<18} {'wall s':>8} {'critical s':>10} {'overhead':>9} {'trips':>6} {'calls':>6}"
        )
        for run in runs:
            path = critical_path_s(run, events[run.index], round_trip_s, tool_s)
            wall = run.fold.figures.wall_s
            print(f"{run.name:<18} {wall:>8.3f} {path:>10.3f} {(wall / path - 1) * 100:>8.1f}% "
                  f"{run.fold.figures.round_trips:>6} {run.fold.figures.calls:>6}")  # fmt: skip
        alone, alone_events, _ = await compare(
            ["parallel:parallel=on,concurrency=on", "parallel-again:parallel=on"],
            speed,
            tmp,
            "alone",
        )
        run = alone[0]
        path = critical_path_s(run, alone_events[run.index], round_trip_s, tool_s)
        wall = run.fold.figures.wall_s
        print(f"\nparallel with one twin beside it: wall {wall:.3f} s, critical path {path:.3f} s, "
              f"overhead {(wall / path - 1) * 100:.1f}% (target 3%)")  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0))
