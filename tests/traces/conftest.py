"""Trace-import fixtures: Workbench's own varied sessions (made once), for the export round trip."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.export.sessions import varied
from tests.providers.conftest import emulator as emulator
from workbench.tools.latency import set_latency_scale


@pytest.fixture(scope="session")
def own_sessions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    previous = set_latency_scale(0.0)
    try:
        return asyncio.run(varied(tmp_path_factory.mktemp("own")))
    finally:
        set_latency_scale(previous)
