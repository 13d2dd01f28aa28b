"""The compare screen with four code-review variants live: what one pane's refresh costs.

Run: .venv/bin/python benchmarks/bench_compare_screen.py [speed]   (default 4: ~11 s)

Opens the app headless at 200x50 on the code-review demo under four variants at once and times every
SessionPane redraw (the timeline's lines, the totals) while they run, and the event loop's longest
stall beside it (a 1 ms ticker), with the idle loop's own longest stall measured first in the same
run. The stalls are counted while the variants run (from the first one's start to the last one's
end), and apart from that window: setting up the demo before, the verdict after. The timeline's own
target is 5 ms of CPU per refresh (benchmarks/bench_timeline.py).
"""

from __future__ import annotations

import asyncio
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_compare import VARIANTS, idle_floor  # same directory
from textual.geometry import Region
from textual.strip import Strip

from workbench.compare.requests import LiveCompare
from workbench.compare.runner import VariantRun
from workbench.compare.variants import parse_variants
from workbench.config.discovery import resolve_profile
from workbench.demo.scenario import load_scenario
from workbench.tui.app import create_app
from workbench.tui.panes.session import SessionPane
from workbench.tui.screens.compare import CompareScreen
from workbench.tui.widgets.timeline import Timeline


def code_review_request(speed: float) -> LiveCompare:
    """The code-review demo under the four variants, as ``workbench demo`` would open it."""
    scenario = load_scenario("code-review")
    return LiveCompare(
        resolve_profile("local"),
        scenario.prompt,
        parse_variants(VARIANTS),
        scenario="code-review",
        speed=speed,
    )


async def main(speed: float) -> None:
    print(
        f"python {platform.python_version()} on {platform.machine()}; code-review, 4 panes, speed {speed:g}"
    )
    timings: list[float] = []
    original = SessionPane.redraw

    def timed(self: SessionPane, *, busy: bool) -> None:
        start = time.thread_time()
        original(self, busy=busy)
        timings.append(time.thread_time() - start)

    SessionPane.redraw = timed  # type: ignore[method-assign]
    paints: list[float] = []
    render_lines = Timeline.render_lines

    def timed_paint(self: Timeline, crop: Region) -> list[Strip]:
        start = time.thread_time()
        lines = render_lines(self, crop)
        paints.append(time.thread_time() - start)
        return lines

    Timeline.render_lines = timed_paint  # type: ignore[method-assign,assignment]
    request = code_review_request(speed)
    floor = await idle_floor(3.0)
    app = create_app(compare=request)
    marks: dict[str, float] = {}
    on_status = CompareScreen._on_status

    def timed_status(self: CompareScreen, run: VariantRun) -> None:
        now = time.perf_counter()
        marks.setdefault("first running", now)
        on_status(self, run)
        if self.runs and all(r.done for r in self.runs):
            marks.setdefault("last done", now)

    CompareScreen._on_status = timed_status  # type: ignore[method-assign]
    async with app.run_test(size=(200, 50)) as pilot:
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        gaps: list[tuple[float, float]] = []
        stop = asyncio.Event()
        tick = asyncio.create_task(stamped_ticker(gaps, stop))
        await screen.finished.wait()
        stop.set()
        await tick
        await pilot.pause()
    for label, values in (("pane redraw (flush)", timings), ("timeline paint", paints)):
        ms = sorted(t * 1000 for t in values)
        print(f"  {label}: {len(ms)} times, CPU median {statistics.median(ms):.2f} ms, p99 "
              f"{ms[int(len(ms) * 0.99)]:.2f} ms, max {ms[-1]:.2f} ms")  # fmt: skip
    print("  (the timeline's own target: 5 ms of CPU per refresh)")
    start, end = marks["first running"], marks["last done"]
    during = [gap for at, gap in gaps if start <= at <= end]
    outside = [gap for at, gap in gaps if not start <= at <= end]
    print(f"  idle floor in this run {floor * 1000:.1f} ms")
    print(
        f"  while the variants run ({end - start:.1f} s): longest loop stall "
        f"{max(during) * 1000:.1f} ms; {sum(g > 0.016 for g in during)} over 16 ms in "
        f"{len(during):,} ticks; worst five {', '.join(f'{g * 1000:.1f}' for g in sorted(during)[-5:])} ms"
    )
    print(
        f"  before the first starts and after the last ends (setting up, the verdict's layout): "
        f"longest {max(outside, default=0.0) * 1000:.1f} ms"
    )


async def stamped_ticker(gaps: list[tuple[float, float]], stop: asyncio.Event) -> None:
    """As bench_executor.ticker, each gap with the time it began."""
    last = time.perf_counter()
    while not stop.is_set():
        await asyncio.sleep(0.001)
        now = time.perf_counter()
        gaps.append((last, now - last - 0.001))
        last = now


if __name__ == "__main__":
    asyncio.run(main(float(sys.argv[1]) if len(sys.argv) > 1 else 4.0))
