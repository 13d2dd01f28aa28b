"""The ``emulator`` fixture: a started loopback server speaking all four APIs, stopped after the test.

Tests point a real SDK at ``emulator.base_urls[provider]``, steer it with ``emulator.script(...)`` and
``emulator.misbehave(...)``, and read what the SDK sent from ``emulator.requests``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from workbench.emulator.server import EmulatorServer


@pytest.fixture
async def emulator() -> AsyncIterator[EmulatorServer]:
    server = EmulatorServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
