"""A runtime stand-in for Pilot tests: scripted turns on a fixed clock, live settings, cancellation.

It keeps the real runtime's contract: settings apply from the next batch, a hanging call holds its
batch until ``cancel_turn()``, and a cancelled turn still yields every call's result and a
``turn_finished(cancelled)``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import EllipsisType
from typing import Any

from tests.tui.synthetic import CallSpec, Round, Script
from workbench.core.events import (
    BatchFinished,
    CallFinished,
    Event,
    SettingsChanged,
    TurnFinished,
)
from workbench.core.knobs import OFF, KnobChange
from workbench.core.provider import ProviderCapabilities
from workbench.core.settings import (
    FaultPreset,
    FunctionCallingMode,
    RunSettings,
)
from workbench.tui.ports import ProfileChoice, RuntimeLike

TOOLS = ["get_weather", "search", "fetch"]


@dataclass(frozen=True)
class FakeProfile:
    name: str = "fake"
    type: str = "scripted"
    model: str = "demo"


def weather_round(settings: RunSettings) -> Round:
    return Round(
        text="Checking both cities.",
        calls=(
            CallSpec("get_weather", {"city": "Paris"}, 0.0, 0.3),
            CallSpec("get_weather", {"city": "Rome"}, 0.0, 0.4),
            CallSpec("search", {"q": "climate"}, 0.3, 0.6),
        ),
        execution=settings.execution,
        emission=settings.emission,
    )


@dataclass
class FakeEntry:
    name: str
    error: Exception | None = None


@dataclass
class FakeRuntime:
    profile: FakeProfile = field(default_factory=FakeProfile)
    capabilities: ProviderCapabilities = field(
        default_factory=lambda: ProviderCapabilities(
            parallel_knob="parallel_tool_calls", supports_function_calling_mode=True
        )
    )
    tool_names: list[str] = field(default_factory=lambda: list(TOOLS))
    settings: RunSettings = field(default_factory=RunSettings)
    session_path: Path | None = Path("fake-session.jsonl")
    supports_cancel: bool = True
    rounds: Callable[[RunSettings], list[Round]] = field(
        default_factory=lambda: lambda s: [weather_round(s), Round(text="Rome is **warmer**.")]
    )
    script: Script = field(default_factory=Script)
    prompts: list[str] = field(default_factory=list)
    closed: bool = False
    hanging: asyncio.Event = field(default_factory=asyncio.Event)
    """Set while a batch waits on a hanging call: the moment a test presses Esc."""
    _cancel: asyncio.Event = field(default_factory=asyncio.Event)
    _busy: bool = False

    @property
    def busy(self) -> bool:
        return self._busy

    async def run_turn(self, prompt: str) -> AsyncGenerator[Event, None]:
        self.prompts.append(prompt)
        self._cancel.clear()
        self._busy = True
        hang = {n for n, f in self.settings.execution.faults.items() if f.hang}
        events = self.script.add_turn(prompt, self.rounds(self.settings))
        held: list[CallFinished] = []
        try:
            for event in events:
                if isinstance(event, CallFinished) and event.tool in hang:
                    held.append(event)
                    continue
                if isinstance(event, BatchFinished) and held:
                    self.hanging.set()
                    await self._cancel.wait()
                    for finished in held:
                        yield finished.model_copy(
                            update={"status": "cancelled", "result": "cancelled"}
                        )
                    yield event.model_copy(
                        update={"stats": event.stats.model_copy(update={"cancelled": len(held)})}
                    )
                    last = events[-1]
                    assert isinstance(last, TurnFinished)
                    yield last.model_copy(update={"status": "cancelled", "text": ""})
                    return
                yield event
                await asyncio.sleep(0)
        finally:
            self._busy = False
            self.hanging.clear()

    def cancel_turn(self) -> bool:
        if not self.supports_cancel or not self._busy:
            return False
        self._cancel.set()
        return True

    def update_settings(
        self,
        *,
        parallel: bool | None = None,
        function_calling_mode: FunctionCallingMode | None = None,
        concurrent: bool | None = None,
        max_concurrent: int | None = None,
        timeout_s: float | EllipsisType | None = ...,
        fault: tuple[str, FaultPreset] | None = None,
    ) -> SettingsChanged:
        timeout: float | str | None = None
        if not isinstance(timeout_s, EllipsisType):
            timeout = OFF if timeout_s is None else timeout_s
        change = KnobChange(
            parallel=parallel,
            function_calling_mode=function_calling_mode,
            concurrent=concurrent,
            max_concurrent=max_concurrent,
            timeout_s=timeout,  # type: ignore[arg-type]
            faults=(fault,) if fault is not None else (),
        )
        self.settings, changes = self.settings.apply(change, tools=self.tool_names)
        return SettingsChanged(t=self.script.t, changes=changes, settings=self.settings)

    async def aclose(self) -> None:
        self.closed = True


class FakeFactory:
    """Hands out FakeRuntimes by profile name and remembers them; unknown names fail like config."""

    def __init__(self, **runtime_kwargs: Any) -> None:
        self.runtime_kwargs = runtime_kwargs
        self.started: list[FakeRuntime] = []
        self.broken: dict[str, str] = {}

    async def __call__(self, name: str | None) -> RuntimeLike:
        if name in self.broken:
            raise ValueError(self.broken[name])
        runtime = FakeRuntime(profile=FakeProfile(name=name or "fake"), **self.runtime_kwargs)
        self.started.append(runtime)
        return runtime

    @property
    def runtime(self) -> FakeRuntime:
        return self.started[-1]


def fake_profiles() -> list[ProfileChoice]:
    return [
        FakeEntry("fake"),
        FakeEntry("other"),
        FakeEntry("broken", ValueError("broken.yaml, line 3: unknown key 'modle'")),
    ]
