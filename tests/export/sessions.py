"""Recorded sessions for the export tests, made by the real runtime driving the scripted model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workbench.config import Profile
from workbench.core.events import CallStarted, Event
from workbench.core.knobs import KnobChange
from workbench.runtime import Runtime

SCRIPTED: dict[str, Any] = {"ttft_ms": 0, "tokens_per_s": 1_000_000}


def profile(**fields: Any) -> Profile:
    return Profile.model_validate(
        {"name": "export-test", "type": "scripted", "scripted": SCRIPTED, **fields}
    )


async def record(
    path: Path,
    prompts: list[str],
    *,
    cancel_after_starts: int | None = None,
    faults: list[tuple[str, Any]] | None = None,
    **fields: Any,
) -> list[Event]:
    """Run ``prompts`` as turns and record them to ``path``; returns every event.

    ``cancel_after_starts``: cancel each turn once that many calls have started (Esc in the app).
    """
    runtime = await Runtime.start(profile(**fields), record=path)
    events: list[Event] = []
    try:
        for fault in faults or []:
            runtime.apply(KnobChange(faults=(fault,)))
        for prompt in prompts:
            starts = 0
            async for event in runtime.run_turn(prompt):
                events.append(event)
                if isinstance(event, CallStarted):
                    starts += 1
                    if cancel_after_starts is not None and starts == cancel_after_starts:
                        runtime.cancel_turn()
    finally:
        await runtime.aclose()
    return events


MIXED = 'sleep(ms=40), sleep(ms=20), fail(message="boom"), hang() then get_date()'
"""One batch with an ok call, a failing call (retried), a timeout, then a dependent batch."""


async def varied(tmp: Path) -> dict[str, Path]:
    """Sessions that stress the timeline: retries and timeouts, cancellation, eager and not,
    sequential, capped concurrency, several turns."""
    made: dict[str, Path] = {}

    async def one(name: str, prompts: list[str], **kwargs: Any) -> None:
        path = tmp / f"{name}.jsonl"
        await record(path, prompts, **kwargs)
        made[name] = path

    await one(
        "retries",
        [MIXED],
        tool_timeout_s=0.15,
        tool_retries=2,
        tool_retry_backoff_s=0.01,
        retry_on_timeout=True,
        max_concurrent_tools=2,
    )
    await one(
        "cancelled",
        ["hang(), hang(), sleep(ms=5), hang()"],
        cancel_after_starts=2,
        max_concurrent_tools=2,
    )
    await one("not_eager", [MIXED], eager_dispatch=False, tool_timeout_s=0.1)
    await one(
        "sequential",
        ["sleep(ms=10), sleep(ms=10), get_date()", "get_date(), get_date()"],
        concurrent_tool_execution=False,
    )
    await one(
        "flaky",
        ["sleep(ms=5), sleep(ms=5), sleep(ms=5), sleep(ms=5), sleep(ms=5), sleep(ms=5)"],
        faults=[("sleep", "flaky")],
        tool_retries=3,
        tool_retry_backoff_s=0.0,
        max_concurrent_tools=3,
        seed=7,
    )
    return made
