"""The session clock: seconds since the session started, on the monotonic clock."""

from __future__ import annotations

import time


class Clock:
    """Every event's ``t`` comes from one of these, so a session has a single time axis.

    ``now()`` is ``time.monotonic() - t0``, and the executor computes exactly that inline on its hot
    path (three timestamps per tool call): change one, change the other.
    """

    __slots__ = ("t0",)

    def __init__(self, t0: float | None = None) -> None:
        self.t0 = time.monotonic() if t0 is None else t0

    def now(self) -> float:
        return time.monotonic() - self.t0
