"""Simulated latency: stable per key, and scalable to nothing."""

from __future__ import annotations

import subprocess
import sys

import pytest

from workbench.tools.latency import latency_for, latency_scale, set_latency_scale, stable_fraction


def test_latency_is_in_range_and_the_same_for_the_same_key() -> None:
    for key in ("a", "weather:paris", "lint:src/app.py"):
        seconds = latency_for(key, 300, 800)
        assert 0.3 <= seconds <= 0.8
        assert latency_for(key, 300, 800) == seconds


def test_a_fresh_process_has_real_time_latency_and_the_same_hash() -> None:
    # Python's hash() is salted per process; recorded demos need the same latency every run.
    code = (
        "from workbench.tools.latency import latency_scale, stable_fraction; "
        "print(latency_scale(), stable_fraction('paris'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    scale, fraction = out.split()
    assert float(scale) == 1.0
    assert float(fraction) == stable_fraction("paris")


def test_the_scale_can_be_changed_and_restored() -> None:
    previous = set_latency_scale(2.5)
    try:
        assert latency_scale() == 2.5
    finally:
        set_latency_scale(previous)
    assert latency_scale() == previous


def test_a_negative_scale_is_refused() -> None:
    with pytest.raises(ValueError, match="latency scale must be >= 0"):
        set_latency_scale(-1)
