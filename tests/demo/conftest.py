"""Demo tests restore the process-wide latency scale the demo changes while it runs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from workbench.tools.latency import latency_scale, set_latency_scale


@pytest.fixture(autouse=True)
def _restore_latency_scale() -> Iterator[None]:
    before = latency_scale()
    yield
    assert latency_scale() == before  # the demo put it back
    set_latency_scale(before)
