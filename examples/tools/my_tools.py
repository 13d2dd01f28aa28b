"""Example user tools: list this file among a profile's tool modules to give the model two more.

Paths are resolved against the profile's directory; a dotted module name on ``sys.path`` works too.
Any module-level function decorated with ``@tool`` is picked up. The type hints become the JSON
schema the model sees, the first paragraph of the docstring becomes its description, and the
arguments are validated before the function runs. A sync tool runs in the executor's thread pool
(fine for blocking work); an async tool runs on the event loop (it must not block).
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from pydantic import Field

from workbench.tools import tool


@tool
def word_count(text: Annotated[str, Field(description="The text to count.")]) -> dict[str, int]:
    """Count the words, lines and characters of a piece of text."""
    return {"words": len(text.split()), "lines": len(text.splitlines()), "chars": len(text)}


@tool(name="convert_currency")
async def convert(
    amount: Annotated[float, Field(ge=0, description="How much money to convert.")],
    to: Annotated[str, Field(description="Target currency: EUR, GBP or JPY.")] = "EUR",
) -> dict[str, float | str]:
    """Convert an amount of US dollars to another currency at fixed demo rates."""
    rates = {"EUR": 0.92, "GBP": 0.79, "JPY": 151.0}
    code = to.upper()
    if code not in rates:
        raise ValueError(f"unknown currency '{to}': use one of {', '.join(rates)}")
    await asyncio.sleep(0.05)  # stands in for a rates API
    return {"amount": round(amount * rates[code], 2), "currency": code}
