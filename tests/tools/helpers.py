"""Calling a tool the way the executor does: validate, then await it or run it in a thread."""

from __future__ import annotations

import asyncio
from typing import Any

from workbench.core.tools import Tool


async def call(t: Tool, args: dict[str, Any] | None = None) -> Any:
    kwargs = t.validate(args)
    if t.is_async:
        return await t.invoke(**kwargs)
    return await asyncio.to_thread(t.invoke, **kwargs)
