"""What one model round trip to the loopback emulator costs, per provider, through the real SDKs.

Run: .venv/bin/python benchmarks/bench_providers.py
The emulator streams without pacing (chunk_delay_s=0), so the figure is SDK + adapter + HTTP on
loopback: the floor under any real network time.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workbench.config import Profile
from workbench.core.messages import UserMessage
from workbench.core.provider import ModelRequest, Provider
from workbench.core.settings import EmissionSettings
from workbench.emulator.server import EmulatorServer
from workbench.providers.factory import build_provider
from workbench.tools.builtin import builtin_tools

PROMPTS = {
    "text": "hello",
    "3 calls": "weather in Tokyo and New York and the time in Paris",
}


async def round_trip(provider: Provider, prompt: str) -> tuple[float, int]:
    specs = [t.spec for t in builtin_tools(Path.cwd())]
    request = ModelRequest(
        system="bench",
        messages=[UserMessage(content=prompt)],
        tools=specs,
        emission=EmissionSettings(),
    )
    t = time.perf_counter()
    events = 0
    async for _ in provider.stream(request):
        events += 1
    return time.perf_counter() - t, events


async def main() -> None:
    server = EmulatorServer(chunk_delay_s=0.0, log_requests=False)
    await server.start()
    urls = server.base_urls
    for var in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY"):
        os.environ[var] = "bench-key"
    print(f"{'provider':<18} {'prompt':<8} {'median ms':>10} {'p90 ms':>8} {'events':>7}")
    for kind in ("openai-chat", "openai-responses", "anthropic", "gemini"):
        profile = Profile(name=kind, type=kind, model="bench-model", base_url=urls[kind])
        provider = build_provider(profile)
        for label, prompt in PROMPTS.items():
            await round_trip(provider, prompt)  # warm: connection, SDK schema building
            samples = [await round_trip(provider, prompt) for _ in range(30)]
            times = sorted(s[0] for s in samples)
            p90 = times[int(len(times) * 0.9)]
            print(f"{kind:<18} {label:<8} {statistics.median(times) * 1e3:>10.2f} {p90 * 1e3:>8.2f} "
                  f"{samples[0][1]:>7}")  # fmt: skip
        await provider.aclose()
    await server.stop()


if __name__ == "__main__":
    asyncio.run(main())
