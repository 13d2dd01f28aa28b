"""Session time for drawing what is still open: the latest event time, moved on by the real clock.

Events carry session time; between two events a running bar must still grow. The clock extrapolates
from the last event at ``rate`` (1 live, the speed in replay, 0 when paused or instant).
"""

from __future__ import annotations

import time
from collections.abc import Callable


class SessionClock:
    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._t = 0.0
        self._at = monotonic()
        self._rate = 1.0

    @property
    def rate(self) -> float:
        return self._rate

    @rate.setter
    def rate(self, value: float) -> None:
        self._t = self.now()
        self._at = self._monotonic()
        self._rate = value

    def observe(self, t: float) -> None:
        """An event happened at session time ``t``."""
        if t >= self._t:
            self._t = t
            self._at = self._monotonic()

    def now(self) -> float:
        return self._t + (self._monotonic() - self._at) * self._rate

    def reset(self) -> None:
        self._t = 0.0
        self._at = self._monotonic()
