"""The scripted model driving the real agent loop, executor and built-in tools, end to end."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.core.events import Event, ModelResponseFinished, ToolCallEmitted, TurnFinished
from workbench.core.loop import AgentLoop
from workbench.core.settings import EmissionSettings, ExecutionSettings, RunSettings
from workbench.providers.scripted import ScriptedProvider
from workbench.tools.base import ToolRegistry
from workbench.tools.builtin import builtin_tools
from workbench.tools.latency import set_latency_scale


@pytest.fixture(autouse=True)
def _no_tool_latency() -> Iterator[None]:
    previous = set_latency_scale(0.0)
    yield
    set_latency_scale(previous)


async def run_turn(prompt: str, tmp_path: Path, settings: RunSettings | None = None) -> list[Event]:
    (tmp_path / "a.py").write_text("print('hi')\t\n")
    loop = AgentLoop(
        ScriptedProvider(ttft_s=0, tokens_per_s=0),
        ToolRegistry(builtin_tools(tmp_path)),
        settings=settings,
    )
    try:
        # A safety net, not a timing claim: a broken loop fails here instead of hanging the suite.
        async with asyncio.timeout(10):
            return [event async for event in loop.run(prompt)]
    finally:
        await loop.aclose()


async def test_weather_example_is_one_batch_and_a_summary(tmp_path: Path) -> None:
    events = await run_turn(
        "What's the weather in Tokyo and New York, and the time in Paris?", tmp_path
    )
    emitted = [e for e in events if isinstance(e, ToolCallEmitted)]
    assert [(e.tool, e.args) for e in emitted] == [
        ("get_weather", {"city": "Tokyo"}),
        ("get_weather", {"city": "New York"}),
        ("get_time", {"timezone": "Europe/Paris"}),
    ]
    assert len({e.batch_id for e in emitted}) == 1
    finished = events[-1]
    assert isinstance(finished, TurnFinished)
    assert finished.status == "completed"
    assert finished.text.startswith("All 3 tool calls succeeded")
    assert "Tokyo: " in finished.text
    assert "The time in Paris is " in finished.text


async def test_failures_and_timeouts_reach_the_final_answer(tmp_path: Path) -> None:
    settings = RunSettings(execution=ExecutionSettings(timeout_s=0.05))
    events = await run_turn("fail() and hang() then run_linter(a.py)", tmp_path, settings)
    finished = events[-1]
    assert isinstance(finished, TurnFinished)
    assert "fail: failed — RuntimeError: boom." in finished.text
    assert "hang: timed out after 0.05 s." in finished.text
    assert "a.py: 2 lint issues" in finished.text


async def test_parallel_off_through_the_loop(tmp_path: Path) -> None:
    settings = RunSettings(emission=EmissionSettings(parallel=False))
    events = await run_turn("weather in Oslo and Rome", tmp_path, settings)
    responses = [e for e in events if isinstance(e, ModelResponseFinished)]
    assert [r.calls for r in responses] == [1, 1, 0]
