"""Running the real runtime on a virtual clock: timers fire at once, in order, with no real waiting.

:class:`VirtualTimeLoop` is an asyncio event loop whose ``time()`` is a counter: whenever nothing is
ready to run and no thread is working for the loop, it moves the counter to the next timer instead
of sleeping. ``sleep(ms=40)`` then takes exactly 0.040 s of session time however loaded the machine
is, and code between two awaits takes none. :func:`run_on_virtual_clock` also points the session
clock (``time.monotonic``, read by the executor, the runtime's clock and the scripted model) at the
counter, so every recorded ``t`` is virtual time.

Work handed to a thread (``asyncio.to_thread``: the scripted model plans its response in one) takes
real time, so the counter waits while any is in flight: virtual time never runs ahead of it.
"""

from __future__ import annotations

import asyncio
import selectors
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import Executor
from typing import Any, TypeVar

import pytest

T = TypeVar("T")

START = 1000.0
"""Where the counter starts (any value: the session clock counts from its own start)."""


class _VirtualSelector(selectors.DefaultSelector):
    """A selector that, with nothing to read, advances its loop's counter instead of blocking."""

    def __init__(self, loop: VirtualTimeLoop) -> None:
        super().__init__()
        self._loop = loop

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        ready = super().select(0)
        if ready or timeout == 0:
            return ready
        if timeout is None or self._loop.in_threads:
            # Nothing scheduled, or a thread's result still to come: wait for it for real.
            return super().select(None if timeout is None else 0.05)
        self._loop.advance(timeout)
        return []


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An event loop on a virtual clock (see the module docstring)."""

    def __init__(self) -> None:
        self._now = START
        self.in_threads = 0
        """Calls handed to threads (run_in_executor) not yet back."""
        super().__init__(_VirtualSelector(self))

    def time(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds

    def run_in_executor(  # type: ignore[override]
        self, executor: Executor | None, func: Callable[..., T], *args: Any
    ) -> asyncio.Future[T]:
        future = super().run_in_executor(executor, func, *args)
        self.in_threads += 1

        def back(_: asyncio.Future[T]) -> None:
            self.in_threads -= 1

        future.add_done_callback(back)
        return future


def run_on_virtual_clock(monkeypatch: pytest.MonkeyPatch, coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to its end on a :class:`VirtualTimeLoop`, the session clock reading its time."""
    loop = VirtualTimeLoop()
    with monkeypatch.context() as patch:
        patch.setattr(time, "monotonic", loop.time)
        try:
            return loop.run_until_complete(coro)
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
            loop.close()
