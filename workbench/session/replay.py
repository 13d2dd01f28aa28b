"""Replaying recorded events at their recorded pace, with live speed, pause and step controls.

Replay yields the very event objects it was given, unchanged, so whatever renders a live run renders a
replay identically. Only the timing is replay's: the gap between two events is ``(next.t - prev.t) /
speed``, except that idle gaps longer than ``max_gap_s`` (a user thinking between turns, say) are cut to
``max_gap_s`` first. No UI lives here; the TUI drives a :class:`ReplayController`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence

from workbench.core.events import BatchFinished, Event

Sleep = Callable[[float], Awaitable[object]]
Clock = Callable[[], float]

DEFAULT_MAX_GAP_S = 5.0
MIN_SLEEP_S = 0.001
"""Gaps shorter than this (in real time) are carried over and slept together with the next ones: a
batch's calls are queued microseconds apart, and one event-loop sleep per event would cost more than
the gap itself."""


class ReplayController:
    """Live controls for one replay; every setter takes effect at once, even mid-gap.

    ``speed`` is a multiplier of recorded time (2.0 = twice as fast) or None for instant. ``pause()``
    holds back the next event until ``resume()``; while paused, ``step_batch()`` releases events without
    waiting up to and including the next ``batch_finished`` (or to the end), then holds again.
    """

    def __init__(
        self,
        speed: float | None = 1.0,
        *,
        paused: bool = False,
        max_gap_s: float = DEFAULT_MAX_GAP_S,
    ) -> None:
        self._speed = _check_speed(speed)
        if max_gap_s <= 0:
            raise ValueError("max_gap_s must be > 0")
        self.max_gap_s = max_gap_s
        """Recorded idle time longer than this is cut to this (before dividing by the speed)."""
        self._paused = paused
        self._stepping = False
        self._released_gate = asyncio.Event()  # set while events may flow (not paused, or stepping)
        if not paused:
            self._released_gate.set()
        self._wake = asyncio.Event()  # set by any control change, to cut a sleep short
        self.released = 0
        """How many events have been released so far."""
        self.position_t: float | None = None
        """``t`` of the last released event."""

    @property
    def speed(self) -> float | None:
        return self._speed

    @speed.setter
    def speed(self, value: float | None) -> None:
        self._speed = _check_speed(value)
        self._wake.set()

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def stepping(self) -> bool:
        """Whether a ``step_batch()`` is still releasing events."""
        return self._stepping

    def pause(self) -> None:
        self._paused = True
        if not self._stepping:
            self._released_gate.clear()
        self._wake.set()

    def resume(self) -> None:
        self._paused = False
        self._stepping = False
        self._released_gate.set()
        self._wake.set()

    def step_batch(self) -> None:
        """While paused, release events through the next ``batch_finished``. Does nothing when playing."""
        if not self._paused:
            return
        self._stepping = True
        self._released_gate.set()
        self._wake.set()

    # The replay generator's side ----------------------------------------------------------------

    async def _wait_for_release(self, owed: float, sleep: Sleep, clock: Clock) -> float:
        """Wait until the next event may go; ``owed`` is recorded time still to wait. Returns the
        recorded time carried over (gaps too short to sleep for on their own)."""
        while True:
            if self._stepping:
                return 0.0
            if self._paused:
                await self._released_gate.wait()
                continue
            speed = self._speed
            if speed is None:
                return 0.0
            delay = owed / speed
            if delay < MIN_SLEEP_S:
                return owed
            started = clock()
            if not await self._sleep_unless_woken(delay, sleep):
                return 0.0
            # A control changed mid-gap: what is left of the gap is waited under the new settings.
            owed = max(0.0, owed - (clock() - started) * speed)

    async def _sleep_unless_woken(self, delay: float, sleep: Sleep) -> bool:
        """Sleep ``delay`` seconds; True if a control change cut it short."""
        self._wake.clear()
        sleeper = asyncio.ensure_future(sleep(delay))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            done, _ = await asyncio.wait((sleeper, waker), return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            waker.cancel()
        if sleeper in done:
            sleeper.result()  # surface an error from an injected sleep
            return False
        return True

    def _release(self, event: Event) -> None:
        self.released += 1
        self.position_t = event.t
        if self._stepping and isinstance(event, BatchFinished):
            self._stepping = False
            if self._paused:
                self._released_gate.clear()


async def replay_events(
    events: Sequence[Event],
    controller: ReplayController | None = None,
    *,
    sleep: Sleep = asyncio.sleep,
    clock: Clock = time.monotonic,
) -> AsyncGenerator[Event, None]:
    """Yield ``events`` unchanged, paced by their ``t`` and by ``controller``.

    ``sleep`` and ``clock`` are injectable so tests can assert the requested delays without waiting;
    ``clock`` is only read to measure how much of a gap had passed when a control changed mid-gap.
    """
    ctl = controller or ReplayController()
    owed = 0.0
    prev_t: float | None = None
    # What follows the last turn (a setting changed after it, a notice) comes at once: waited
    # through, its idle gaps kept a finished replay showing as playing for seconds.
    last_turn_end = max(
        (i for i, e in enumerate(events) if e.type == "turn_finished"), default=len(events)
    )
    for index, event in enumerate(events):
        if prev_t is not None and index <= last_turn_end:
            owed += min(max(event.t - prev_t, 0.0), ctl.max_gap_s)
        prev_t = event.t
        owed = await ctl._wait_for_release(owed, sleep, clock)
        ctl._release(event)
        yield event


def _check_speed(value: float | None) -> float | None:
    if value is not None and not value > 0:
        raise ValueError(f"replay speed must be > 0 (or None for instant), not {value!r}")
    return value
