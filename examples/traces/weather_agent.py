"""A pydantic-ai agent with its own OpenTelemetry instrumentation, nothing of Workbench in it.

The standard OTLP/HTTP exporter reads OTEL_EXPORTER_OTLP_ENDPOINT, so pointing it at
`workbench listen` is one environment variable:

    workbench listen --headless                      # one terminal
    OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 python examples/traces/weather_agent.py

Offline, against the emulator: `workbench emulate --port 8765` and
OPENAI_BASE_URL=http://127.0.0.1:8765/v1 OPENAI_API_KEY=any.
"""

from __future__ import annotations

import asyncio
import sys

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from pydantic_ai import Agent
from pydantic_ai.settings import ModelSettings

provider = TracerProvider()
provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
trace.set_tracer_provider(provider)
Agent.instrument_all()

parallel = "--one-at-a-time" not in sys.argv
agent = Agent(
    "openai:gpt-4o-mini",
    name="weather",
    model_settings=ModelSettings(parallel_tool_calls=parallel),
)


@agent.tool_plain
async def get_weather(city: str) -> str:
    """The weather in a city."""
    await asyncio.sleep(0.3)
    return f"18 °C and clear in {city}"


@agent.tool_plain
async def get_time(timezone: str) -> str:
    """The local time in an IANA timezone."""
    await asyncio.sleep(0.1)
    return f"14:05 in {timezone}"


result = agent.run_sync("What's the weather in Tokyo and New York, and the time in Paris?")
print(result.output)
provider.shutdown()  # sends what is still queued
