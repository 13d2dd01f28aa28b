"""What held the event loop: the compare screen's four code-review variants, each long stall explained.

Run: .venv/bin/python benchmarks/trace_stalls.py [speed] [threshold_ms]   (defaults: 4, 12)

Not a benchmark (it times nothing it reports as a figure, and its hooks slow the app a little): the
tool that found what bench_compare_screen.py's stalls were made of. It opens the app headless at
200x50 on the code-review demo under four variants, ticks a 1 ms timer beside it, and hooks the
event loop, Textual's frames and layouts, and the garbage collector. At the end it prints, in time
order, every tick later than ``threshold_ms`` next to what happened around it: loop turns that ran
long (with their longest callbacks), frames (and whether they were a layout of the whole screen),
what asked for that layout, full collections, and each variant's status changes.
"""

from __future__ import annotations

import asyncio
import asyncio.base_events
import asyncio.events
import gc
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_compare_screen import code_review_request  # same directory
from textual.screen import Screen
from textual.widget import Widget

from workbench.compare.runner import VariantRun
from workbench.tui.app import create_app
from workbench.tui.screens.compare import CompareScreen

LOG: list[tuple[float, str]] = []
"""(perf_counter, what happened), appended by the hooks."""


def note(at: float, text: str) -> None:
    LOG.append((at, text))


def name_of(handle: asyncio.events.Handle) -> str:
    callback: Any = handle._callback
    owner = getattr(callback, "__self__", None)
    if owner is not None and hasattr(owner, "get_coro"):
        coro = owner.get_coro()
        return str(getattr(coro, "__qualname__", coro))
    return repr(callback)[:60]


def install_hooks() -> None:
    turn: list[tuple[float, str]] = []
    run_handle = asyncio.events.Handle._run
    run_once = asyncio.base_events.BaseEventLoop._run_once  # type: ignore[attr-defined]

    def timed_handle(self: asyncio.events.Handle) -> None:
        start = time.perf_counter()
        run_handle(self)
        turn.append((time.perf_counter() - start, name_of(self)))

    def timed_turn(self: asyncio.base_events.BaseEventLoop) -> None:
        turn.clear()
        run_once(self)
        busy = sum(d for d, _ in turn)
        if busy > 0.008:
            top = ", ".join(f"{n} {d * 1000:.1f}" for d, n in sorted(turn, reverse=True)[:3])
            note(time.perf_counter(), f"loop turn ran {busy * 1000:.1f} ms: {top}")

    asyncio.events.Handle._run = timed_handle  # type: ignore[method-assign]
    asyncio.base_events.BaseEventLoop._run_once = timed_turn  # type: ignore[attr-defined]

    frame = Screen._on_timer_update

    def timed_frame(self: Screen[Any]) -> None:
        layout = self._layout_required
        start = time.perf_counter()
        frame(self)
        took = time.perf_counter() - start
        if took > 0.008:
            note(start, f"frame {took * 1000:.1f} ms{' (a layout)' if layout else ''}")

    Screen._on_timer_update = timed_frame  # type: ignore[method-assign]

    refresh = Widget.refresh

    def noted_refresh(self: Widget, *regions: Any, **kwargs: Any) -> Widget:
        if kwargs.get("layout"):
            caller = sys._getframe(1)
            where = f"{Path(caller.f_code.co_filename).name}:{caller.f_lineno}"
            note(time.perf_counter(), f"layout asked by {type(self).__name__} at {where}")
        return refresh(self, *regions, **kwargs)

    Widget.refresh = noted_refresh  # type: ignore[method-assign]

    started: list[float] = []

    def collection(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started[:] = [time.perf_counter()]
        elif started and info.get("generation") == 2:
            took = time.perf_counter() - started[0]
            note(started[0], f"full collection {took * 1000:.1f} ms, {info['collected']} freed")

    gc.callbacks.append(collection)

    on_status = CompareScreen._on_status

    def noted_status(self: CompareScreen, run: VariantRun) -> None:
        note(time.perf_counter(), f"variant {run.name}: {run.status}")
        on_status(self, run)

    CompareScreen._on_status = noted_status  # type: ignore[method-assign]


async def main(speed: float, threshold_ms: float) -> None:
    install_hooks()
    app = create_app(compare=code_review_request(speed))
    async with app.run_test(size=(200, 50)) as pilot:
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        t0 = last = time.perf_counter()
        while not screen.finished.is_set():
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            if (now - last - 0.001) * 1000 > threshold_ms:
                note(last, f"STALL {(now - last - 0.001) * 1000:.1f} ms")
            last = now
        await pilot.pause()
    noisy = ("layout asked", "loop turn", "frame")
    stalls = [at for at, text in LOG if text.startswith("STALL")]
    for at, text in sorted(LOG):
        near = any(abs(at - s) < 0.06 for s in stalls)
        if near or not text.startswith(noisy):
            print(f"{(at - t0) * 1000:9.1f} ms  {text}")


if __name__ == "__main__":
    args = sys.argv[1:]
    asyncio.run(main(float(args[0]) if args else 4.0, float(args[1]) if len(args) > 1 else 12.0))
