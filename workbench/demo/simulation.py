"""The demo's simulated latencies: a model round trip and a tool call, scaled by ``--speed``.

A scenario says what one round trip to the scripted model costs (about 1.5 s for a hosted model) and,
optionally, what every tool call costs (git and the files are real, and their work counts towards the
figure: a call takes its real work, then simulated latency for the rest; 150 ms is the seed guide's). With a real provider the model's own latency is used and only the tools'
is simulated. Everything simulated is said to be, wherever it is shown.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from workbench.compare.runner import Setup
from workbench.compare.variants import Variant
from workbench.config.profile import Profile
from workbench.core.knobs import OFF
from workbench.core.messages import ToolSpec
from workbench.core.provider import Provider
from workbench.core.tools import Tool, ToolKind, ToolRegistry
from workbench.demo.scenario import Scenario
from workbench.tools.latency import latency_scale, set_latency_scale

DEMO_MAX_TURNS = 64


class SimulatedLatencyTool:
    """``inner`` taking at least ``seconds``: its real work, then simulated latency for the rest (same
    name and schema). A cancelled or timed-out call stops at once, as the real one would."""

    def __init__(self, inner: Tool, seconds: float) -> None:
        self.inner = inner
        self.seconds = seconds
        self.invoke: Callable[..., Any] = self._async if inner.is_async else self._sync

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def description(self) -> str:
        return self.inner.description

    @property
    def parameters(self) -> dict[str, Any]:
        return self.inner.parameters

    @property
    def is_async(self) -> bool:
        return self.inner.is_async

    @property
    def kind(self) -> ToolKind:
        return self.inner.kind

    @property
    def source(self) -> str | None:
        return self.inner.source

    @property
    def spec(self) -> ToolSpec:
        return self.inner.spec

    def validate(self, args: dict[str, Any] | None) -> dict[str, Any]:
        return self.inner.validate(args)

    def _sync(self, **kwargs: Any) -> Any:
        # Runs in the executor's thread pool, like the tool it wraps. The real work first, then
        # the rest of the simulated latency: a call takes its figure, real work included.
        started = time.monotonic()
        try:
            return self.inner.invoke(**kwargs)
        finally:
            rest = self.seconds - (time.monotonic() - started)
            if rest > 0:
                time.sleep(rest)

    async def _async(self, **kwargs: Any) -> Any:
        started = time.monotonic()
        try:
            result: Awaitable[Any] = self.inner.invoke(**kwargs)
            return await result
        finally:
            rest = self.seconds - (time.monotonic() - started)
            if rest > 0:
                await asyncio.sleep(rest)


@contextlib.contextmanager
def simulated_tool_latency(scenario: Scenario, speed: float) -> Iterator[None]:
    """While the demo runs: the built-in tools' own simulated latency scaled by 1/speed, or switched
    off where the scenario gives every call a fixed latency instead. Restored afterwards."""
    scale = 0.0 if scenario.simulated.tool_call_ms is not None else latency_scale() / speed
    previous = set_latency_scale(scale)
    try:
        yield
    finally:
        set_latency_scale(previous)


def scale_variant(variant: Variant, speed: float) -> Variant:
    """A variant's timeout scaled with the latencies it bounds, so the story stays the same."""
    timeout = variant.change.timeout_s
    if speed == 1 or timeout is None or timeout == OFF:
        return variant
    assert isinstance(timeout, float)
    return Variant(variant.name, replace(variant.change, timeout_s=timeout / speed))


def demo_profile(
    profile: Profile, scenario: Scenario, speed: float, variants: Sequence[Variant] = ()
) -> Profile:
    """The profile narrowed to the scenario's tools, with its seed, a retry backoff scaled too, and
    room for the round trips the scenario needs with parallel calls off."""
    overrides: dict[str, Any] = {
        "tools": list(scenario.tools),
        # One call per response must be able to finish the scenario: 24 calls are 26 round trips.
        "max_turns": max(profile.max_turns, DEMO_MAX_TURNS),
    }
    retries = profile.tool_retries > 0 or any(v.change.retries for v in variants)
    if speed != 1 and retries:  # a backoff set where nothing retries is a profile warning
        overrides["tool_retry_backoff_s"] = profile.tool_retry_backoff_s / speed
    if scenario.seed is not None:
        overrides["seed"] = scenario.seed
    return profile.with_overrides(**overrides)


def demo_setup(scenario: Scenario, speed: float, workspace: Path) -> Setup:
    """Each variant's provider (the scripted model paced at the simulated round trip, or the profile's
    real one) and tools (the scenario's, in ``workspace``, with the simulated per-call latency)."""
    round_trip_s = scenario.simulated.model_round_trip_ms / 1000.0 / speed
    tool_s = (scenario.simulated.tool_call_ms or 0.0) / 1000.0 / speed

    async def setup(profile: Profile) -> tuple[Provider | None, ToolRegistry | None]:
        from workbench.tools.loading import build_registry

        provider: Provider | None = None
        if profile.type == "scripted":
            from workbench.providers.scripted import ScriptedProvider

            # The whole round trip before the first token, then the response at once: the simulated
            # figure is the round trip, not a guess at streaming speed.
            provider = ScriptedProvider(
                model=profile.model or "scripted", ttft_s=round_trip_s, tokens_per_s=0
            )
        base_dir = Path(profile.source_path).parent if profile.source_path else Path.cwd()
        # Building the tools' schemas takes milliseconds of CPU: off the loop, like the provider's.
        registry = await asyncio.to_thread(
            build_registry, profile.tools, profile.tool_modules, base_dir, workspace
        )
        if tool_s > 0:
            registry = ToolRegistry(SimulatedLatencyTool(t, tool_s) for t in registry)
        return provider, registry

    return setup


__all__ = [
    "SimulatedLatencyTool",
    "demo_profile",
    "demo_setup",
    "scale_variant",
    "simulated_tool_latency",
]
