"""The ``emulator`` fixture: a started loopback server speaking all four APIs, stopped after the test.

Tests point a real SDK at ``emulator.base_urls[provider]``, steer it with ``emulator.script(...)`` and
``emulator.misbehave(...)``, and read what the SDK sent from ``emulator.requests``. ``tools`` is the
built-in tools' specs, which the OpenAI tests send.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.providers.openai_support import specs
from workbench.core.messages import ToolSpec
from workbench.emulator.server import EmulatorServer


@pytest.fixture
async def emulator() -> AsyncIterator[EmulatorServer]:
    server = EmulatorServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
def tools(tmp_path: Path) -> list[ToolSpec]:
    return specs(tmp_path)
