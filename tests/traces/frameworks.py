"""Real agent frameworks, unmodified, with their own OpenTelemetry instrumentation, against the
emulator: pydantic-ai (``Agent.instrument_all()``) and the OpenAI Agents SDK with
``opentelemetry-instrumentation-openai-agents``.

Both instrumentations bind a tracer provider once per process, so one provider serves every test and
hands each span to whatever processor the running test installed (:class:`Switch`). The tool both
agents get is ``get_weather(city)``: 40 ms, and it fails (pydantic-ai: asks for a retry; the Agents
SDK: raises) for Lima the first time. The emulator answers with scripted replies, so each test knows
which calls every response emits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider

from workbench.emulator.convert import Reply, ReplyCall
from workbench.emulator.server import EmulatorServer

TOOL_S = 0.04


class Switch(SpanProcessor):
    """Forwards spans to the processors the current test set (none: dropped)."""

    def __init__(self) -> None:
        self.targets: list[SpanProcessor] = []

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        for target in self.targets:
            target.on_start(span, parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        for target in self.targets:
            target.on_end(span)

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return all(target.force_flush(timeout_millis) for target in self.targets)


class Collect(SpanProcessor):
    def __init__(self) -> None:
        self.spans: list[ReadableSpan] = []

    def on_end(self, span: ReadableSpan) -> None:
        self.spans.append(span)


@dataclass
class Instrumented:
    provider: TracerProvider
    switch: Switch
    agents_ready: bool = False
    pydantic_ready: bool = False


_STATE: dict[str, Instrumented] = {}


def instrumented() -> Instrumented:
    """The process-wide provider, both frameworks instrumented to it (once)."""
    state = _STATE.get("state")
    if state is None:
        switch = Switch()
        provider = TracerProvider(shutdown_on_exit=False)
        provider.add_span_processor(switch)
        state = _STATE["state"] = Instrumented(provider, switch)
    if not state.pydantic_ready:
        from pydantic_ai import Agent
        from pydantic_ai.models.instrumented import InstrumentationSettings

        Agent.instrument_all(InstrumentationSettings(tracer_provider=state.provider))
        state.pydantic_ready = True
    if not state.agents_ready:
        from opentelemetry.instrumentation.openai_agents import OpenAIAgentsInstrumentor

        # Replacing the SDK's own processors also removes its exporter to OpenAI's backend.
        OpenAIAgentsInstrumentor(replace_existing_processors=True).instrument(
            tracer_provider=state.provider
        )
        state.agents_ready = True
    return state


@dataclass
class Script:
    """What the emulated model answers, response by response: each a list of cities to ask the
    weather of (one call each), or a final text."""

    responses: Sequence[Sequence[str] | str]
    failing: set[str] = field(default_factory=lambda: {"Lima"})

    def replies(self) -> list[Reply]:
        out = []
        for response in self.responses:
            if isinstance(response, str):
                out.append(Reply.of(response))
            else:
                out.append(Reply.of(*(ReplyCall.of("get_weather", {"city": c}) for c in response)))
        return out


async def run_pydantic_ai(emulator: EmulatorServer, script: Script, *, parallel: bool) -> str:
    from pydantic_ai import Agent, ModelRetry
    from pydantic_ai.models.openai import OpenAIChatModel
    from pydantic_ai.providers.openai import OpenAIProvider
    from pydantic_ai.settings import ModelSettings

    model = OpenAIChatModel(
        "gpt-4o",
        provider=OpenAIProvider(base_url=emulator.base_urls["openai-chat"], api_key="test-key"),
    )
    agent = Agent(model, name="weather", model_settings=ModelSettings(parallel_tool_calls=parallel))
    failed: set[str] = set()

    @agent.tool_plain
    async def get_weather(city: str) -> str:
        """The weather in a city."""
        await asyncio.sleep(TOOL_S)
        if city in script.failing and city not in failed:
            failed.add(city)
            raise ModelRetry(f"no data for {city} yet, ask again")
        return f"sunny in {city}"

    emulator.script(*script.replies())
    result = await agent.run("What's the weather?")
    return str(result.output)


async def run_openai_agents(
    emulator: EmulatorServer, script: Script, *, parallel: bool, api: str = "responses"
) -> str:
    from agents import (
        Agent,
        ModelSettings,
        OpenAIChatCompletionsModel,
        OpenAIResponsesModel,
        Runner,
        function_tool,
    )
    from openai import AsyncOpenAI

    client = AsyncOpenAI(base_url=emulator.base_urls["openai-responses"], api_key="test-key")
    model: Any = (
        OpenAIResponsesModel(model="gpt-4o", openai_client=client)
        if api == "responses"
        else OpenAIChatCompletionsModel(model="gpt-4o", openai_client=client)
    )
    failed: set[str] = set()

    @function_tool
    async def get_weather(city: str) -> str:
        """The weather in a city."""
        await asyncio.sleep(TOOL_S)
        if city in script.failing and city not in failed:
            failed.add(city)
            raise ValueError(f"no data for {city}")
        return f"sunny in {city}"

    agent = Agent(
        name="weather",
        instructions="Answer briefly.",
        tools=[get_weather],
        model=model,
        model_settings=ModelSettings(parallel_tool_calls=parallel),
    )
    emulator.script(*script.replies())
    result = await Runner.run(agent, "What's the weather?")
    return str(result.final_output)


def attributes(span: ReadableSpan) -> dict[str, Any]:
    return dict(span.attributes or {})


def operation(span: ReadableSpan) -> Any:
    return attributes(span).get("gen_ai.operation.name")
