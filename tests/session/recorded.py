"""Sessions recorded with the real runtime on the scripted model: eager and not, retries, a failing
tool, a turn cancelled while a call runs and one cancelled while the model streams."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from workbench.config import Profile
from workbench.core.events import CallStarted, Event, TextDelta
from workbench.runtime import Runtime

PACED: dict[str, Any] = {"ttft_ms": 30, "tokens_per_s": 3000}


def profile(name: str, **fields: Any) -> Profile:
    return Profile.model_validate({"name": name, "type": "scripted", "scripted": PACED, **fields})


async def record(
    path: Path,
    prof: Profile,
    prompts: list[str],
    *,
    cancel_on: list[type[Event] | None] | None = None,
) -> list[Event]:
    """Run ``prompts`` one turn each; ``cancel_on[i]`` cancels turn i at its first event of that type."""
    runtime = await Runtime.start(prof, record=path)
    events: list[Event] = []
    try:
        for i, prompt in enumerate(prompts):
            trigger = cancel_on[i] if cancel_on is not None else None
            async for event in runtime.run_turn(prompt):
                events.append(event)
                if trigger is not None and isinstance(event, trigger):
                    trigger = None
                    await asyncio.sleep(0.02)  # let it run a little first
                    runtime.cancel_turn()
    finally:
        await runtime.aclose()
    return events


async def varied_sessions(directory: Path) -> dict[str, Path]:
    """Five sessions, named for what they exercise (``directory`` must exist)."""
    paths = {
        name: directory / f"{name}.jsonl"
        for name in ("eager", "batched", "retries", "cancelled", "mixed")
    }
    await record(
        paths["eager"],
        profile("eager"),
        ["sleep(ms=60), sleep(ms=30) then get_date()", "weather in Tokyo and Paris"],
    )
    await record(
        paths["batched"],
        profile("batched", eager_dispatch=False),
        ["sleep(ms=60), sleep(ms=30) then get_date()", "weather in Tokyo and Paris"],
    )
    await record(
        paths["retries"],
        profile(
            "retries",
            tool_retries=2,
            tool_retry_backoff_s=0.01,
            seed=3,
            faults={"get_weather": {"failure_rate": 0.5}},
        ),
        ["weather in Tokyo, Paris, Lima and Oslo", 'fail(message="boom"), get_date()'],
    )
    await record(
        paths["cancelled"],
        # Slower streaming, so the cancel 20 ms after the first token lands well inside the reply.
        profile("cancelled", scripted={"ttft_ms": 30, "tokens_per_s": 1000}),
        ["sleep(ms=20), hang()", "tell me about parallel tool calls", "get_date()"],
        cancel_on=[CallStarted, TextDelta, None],
    )
    await record(
        paths["mixed"],
        profile("mixed", max_concurrent_tools=1),
        ["sleep(ms=20), sleep(ms=20), sleep(ms=20)", "what's the date?"],
    )
    return paths
