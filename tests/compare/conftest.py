"""Compare tests: a scripted profile that never sleeps, and no simulated tool latency."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.config.discovery import resolve_profile
from workbench.config.profile import Profile
from workbench.tools.latency import set_latency_scale

FAST = """\
name: fast
type: scripted
scripted: {ttft_ms: 0, tokens_per_s: 1000000}
max_concurrent_tools: 4
"""


@pytest.fixture
def fast_profile_path(tmp_path: Path) -> Path:
    path = tmp_path / "fast.yaml"
    path.write_text(FAST)
    return path


@pytest.fixture
def fast_profile(fast_profile_path: Path) -> Profile:
    return resolve_profile(str(fast_profile_path))


@pytest.fixture(autouse=True)
def _no_tool_latency() -> Iterator[None]:
    previous = set_latency_scale(0.0)
    yield
    set_latency_scale(previous)
