"""Times for people, one way everywhere: the terminal printer, the app and the texts the model reads.

Two kinds of number, two functions: :func:`duration` for a measured time (rounded to what a reader
can use: ``251 ms``, ``1.4 s``) and :func:`setting_seconds` for a configured value, written exactly
(``timeout 0.05 s``: the number the user or the profile gave).
"""

from __future__ import annotations

import math


def duration(seconds: float | None) -> str:
    """A measured time: ``0 ms``, ``<1 ms``, ``251 ms``, ``1.4 s``, ``12.5 s``, ``2m 05s``,
    ``1h 05m``; ``–`` when unknown."""
    if seconds is None or math.isnan(seconds):
        return "–"
    s = max(0.0, seconds)
    if s < 1.0:
        ms = s * 1000.0
        if ms == 0.0:
            return "0 ms"
        if ms < 0.5:
            return "<1 ms"
        if round(ms) < 1000:
            return f"{round(ms)} ms"
    if s < 10.0:
        return f"{_trim(f'{s:.2f}')} s"
    if s < 59.95:
        return f"{_trim(f'{s:.1f}')} s"
    minutes, secs = divmod(round(s), 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def setting_seconds(value: float) -> str:
    """A configured number of seconds, exactly: ``30`` → ``30 s``, ``0.05`` → ``0.05 s``."""
    return f"{value:g} s"


def _trim(number: str) -> str:
    return number.rstrip("0").rstrip(".") if "." in number else number
