"""The session clock: seconds since the session started, on the monotonic clock."""

from __future__ import annotations

import time


class Clock:
    """Every event's ``t`` comes from one of these, so a session has a single time axis.

    ``now()`` is ``time.monotonic() - t0``, and the executor computes exactly that inline on its hot
    path (three timestamps per tool call): change one, change the other.
    """

    __slots__ = ("t0", "t0_unix_ns")

    def __init__(self, t0: float | None = None) -> None:
        # Both readings back to back: t = 0 on the monotonic clock, and the same instant on the wall
        # clock, which is what a session header records so events can be placed in real time.
        self.t0_unix_ns = time.time_ns()
        self.t0 = time.monotonic() if t0 is None else t0
        if t0 is not None:
            self.t0_unix_ns -= round((time.monotonic() - t0) * 1e9)

    def now(self) -> float:
        return time.monotonic() - self.t0
