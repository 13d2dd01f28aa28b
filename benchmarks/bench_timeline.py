"""What one timeline refresh costs at 10,000 calls: CPU time to draw a screenful with the Line API.

Run: .venv/bin/python benchmarks/bench_timeline.py [calls]

Builds a session of ``calls`` calls (as 100-call batches, and as one huge batch), mounts the
Timeline widget headless at 140x45, then times ``render_line`` for every visible line: at the top,
in the middle and at the end of the session. Also times applying events (model + ``note``) and one
``flush``. The target is <= 5 ms CPU per refresh, flat in the number of calls.
"""

from __future__ import annotations

import asyncio
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from textual.app import App, ComposeResult

from workbench.core.events import (
    BatchFinished,
    BatchStarted,
    BatchStats,
    CallFinished,
    CallQueued,
    CallStarted,
    Event,
    ModelRequestStarted,
    ModelResponseFinished,
    TurnStarted,
)
from workbench.core.messages import Usage
from workbench.core.settings import EmissionSettings, ExecutionSettings
from workbench.core.timeline import TimelineModel
from workbench.tui.widgets.timeline import Timeline

SIZE = (140, 45)
REPEATS = 50


def session(calls: int, per_batch: int) -> list[Event]:
    """Batches of ``per_batch`` calls, four at a time, a few failing; times in session seconds."""
    events: list[Event] = [TurnStarted(t=0.0, turn=1, prompt="benchmark")]
    t = 0.0
    settings = ExecutionSettings(max_concurrent=4)
    call = 0
    for rt, start in enumerate(range(0, calls, per_batch), start=1):
        n = min(per_batch, calls - start)
        batch_id = f"b{rt}"
        events.append(
            ModelRequestStarted(
                t=t, turn=1, round_trip=rt, provider="x", model="y", emission=EmissionSettings()
            )
        )
        t += 0.5
        events.append(
            ModelResponseFinished(
                t=t,
                turn=1,
                round_trip=rt,
                batch_id=batch_id,
                calls=n,
                usage=Usage(input_tokens=100, output_tokens=20),
                duration_s=0.5,
                stop_reason="tool_use",
            )
        )
        events.append(BatchStarted(t=t, turn=1, batch_id=batch_id, settings=settings))
        t0 = t
        for i in range(n):
            call += 1
            cid = f"c{call}"
            args = {"city": f"city-{call}"}
            start_t = t0 + (i // 4) * 0.1
            end_t = start_t + 0.05 + (i % 7) * 0.01
            status = "error" if call % 97 == 0 else "ok"
            common = {"batch_id": batch_id, "call_id": cid, "tool": "get_weather", "args": args}
            events.append(CallQueued(t=t0, index=i, **common))
            events.append(CallStarted(t=start_t, **common))
            events.append(
                CallFinished(
                    t=end_t,
                    status=status,
                    result="sunny",
                    queued_t=t0,
                    started_t=start_t,
                    finished_t=end_t,
                    **common,
                )
            )
        wall = ((n - 1) // 4) * 0.1 + 0.11
        t = t0 + wall
        events.append(
            BatchFinished(
                t=t,
                turn=1,
                batch_id=batch_id,
                stats=BatchStats(
                    calls=n,
                    wall_s=wall,
                    sum_s=n * 0.08,
                    speedup=n * 0.08 / wall,
                    peak_concurrency=4,
                    wait_s=0.0,
                    ok=n,
                    errors=0,
                    timeouts=0,
                    cancelled=0,
                ),
            )
        )
    return events


class Bench(App[None]):
    def __init__(self, model: TimelineModel) -> None:
        super().__init__()
        self.model = model

    def compose(self) -> ComposeResult:
        yield Timeline(self.model, lambda: self.model.last_t)


def refresh_ms(timeline: Timeline, *, cold: bool) -> list[float]:
    """CPU ms to render every visible line, as one refresh does."""
    samples = []
    height = timeline.size.height
    for _ in range(REPEATS):
        if cold:
            timeline._styles.clear()
        start = time.process_time()
        for y in range(height):
            timeline.render_line(y)
        samples.append((time.process_time() - start) * 1000)
    return samples


async def run(calls: int, per_batch: int) -> None:
    events = session(calls, per_batch)
    model = TimelineModel()
    app = Bench(model)
    async with app.run_test(size=SIZE) as pilot:
        timeline = app.query_one(Timeline)
        start = time.process_time()
        for event in events:
            timeline.note(model.apply(event))
        apply_ms = (time.process_time() - start) * 1000
        start = time.process_time()
        timeline.flush()
        flush_ms = (time.process_time() - start) * 1000
        await pilot.pause()
        print(
            f"\n{calls:,} calls in batches of {per_batch:,}: {len(events):,} events, "
            f"{timeline.virtual_size.height:,} lines, {timeline.size.height} visible"
        )
        print(
            f"  apply + note: {apply_ms / len(events) * 1000:.1f} µs/event; first flush {flush_ms:.1f} ms"
        )
        for where, y in (("top", 0), ("middle", timeline.max_scroll_y // 2), ("end", None)):
            if y is None:
                timeline.scroll_end(animate=False, immediate=True)
            else:
                timeline.scroll_to(y=y, animate=False, immediate=True)
            await pilot.pause()
            samples = refresh_ms(timeline, cold=False)
            print(
                f"  refresh at {where:<6}: median {statistics.median(samples):.2f} ms,"
                f" max {max(samples):.2f} ms CPU"
            )


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    print(f"Python {platform.python_version()} on {platform.machine()} ({platform.system()})")
    for per_batch in (100, calls):
        asyncio.run(run(calls, per_batch))
    asyncio.run(run(100, 10))


if __name__ == "__main__":
    main()
