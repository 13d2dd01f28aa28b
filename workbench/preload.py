"""Modules needed later, imported now in a thread so the event loop keeps turning (and drawing).

An import is CPU under the GIL, but from a thread the interpreter hands the loop back every switch
interval (5 ms); on the loop itself a package such as ``workbench.analysis`` (~25 ms) is one stall.
"""

from __future__ import annotations

import asyncio
import importlib
import sys

ANALYSIS = ("workbench.analysis", "workbench.analysis.advisor")
"""The round-trip advisor's notes, which the timeline writes after a turn of two responses."""


def import_all(modules: tuple[str, ...]) -> None:
    for module in modules:
        importlib.import_module(module)


async def preload(*modules: str) -> None:
    """Import ``modules`` (those not imported yet) in a worker thread."""
    missing = tuple(module for module in modules if module not in sys.modules)
    if missing:
        await asyncio.to_thread(import_all, missing)
