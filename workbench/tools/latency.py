"""Simulated latency for the built-in demo tools, scalable to zero for tests.

Each tool's latency is drawn from a hash of a key (the city, the zone, the file), so a given call
always takes the same time and recorded demos look the same on every run. The global scale
multiplies every simulated delay; tests set it to 0.0.
"""

from __future__ import annotations

import asyncio
import hashlib
import time

_scale = 1.0


def set_latency_scale(scale: float) -> float:
    """Multiply simulated delays by ``scale`` (1.0 real time, 0.0 none); returns the old scale."""
    global _scale
    if scale < 0:
        raise ValueError(f"latency scale must be >= 0, got {scale}")
    previous, _scale = _scale, float(scale)
    return previous


def latency_scale() -> float:
    return _scale


def stable_fraction(key: str) -> float:
    """A number in [0, 1) that depends only on ``key`` (``hash()`` is salted per process)."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def latency_for(key: str, low_ms: float, high_ms: float) -> float:
    """Seconds of simulated latency for ``key``, in [low_ms, high_ms], before scaling."""
    return (low_ms + (high_ms - low_ms) * stable_fraction(key)) / 1000.0


async def simulate(seconds: float) -> None:
    """Wait ``seconds`` times the scale without blocking the event loop."""
    await asyncio.sleep(seconds * _scale)


def simulate_blocking(seconds: float) -> None:
    """Block the calling thread for ``seconds`` times the scale (for sync tools run in the pool)."""
    delay = seconds * _scale
    if delay > 0:
        time.sleep(delay)
