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
from typing import Any, TypeVar

from tests.fabricate import CallSpec, Round, Script
from workbench.core.events import (
    BatchFinished,
    CallFinished,
    Event,
    Notice,
    SettingsChanged,
    TurnFinished,
)
from workbench.core.knobs import KnobChange, apply_change
from workbench.core.provider import ProviderCapabilities
from workbench.core.settings import (
    RunSettings,
)
from workbench.tui.ports import ProfileChoice, RuntimeLike

TOOLS = ["get_weather", "search", "fetch"]
E = TypeVar("E", bound=Event)


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
    sinks: list[Callable[[Event], None]] = field(default_factory=list)
    start_notices: list[Notice] = field(default_factory=list)
    _cancel: asyncio.Event = field(default_factory=asyncio.Event)
    _busy: bool = False
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _mid_turn: list[Event] = field(default_factory=list)
    """Settings changed during a turn: the real loop yields them in the turn's stream too."""

    @property
    def busy(self) -> bool:
        return self._busy

    def add_sink(self, sink: Callable[[Event], None]) -> None:
        self.sinks.append(sink)

    def _emit(self, event: E) -> E:
        for sink in self.sinks:
            sink(event)
        return event

    async def run_turn(self, prompt: str) -> AsyncGenerator[Event, None]:
        """Like the loop: every event goes to the sinks first; closed early, the cleanup of the
        hanging batch goes to the sinks only."""
        self.prompts.append(prompt)
        self._cancel.clear()
        self._busy = True
        hang = {n for n, f in self.settings.execution.faults.items() if f.hang}
        events = self.script.add_turn(prompt, self.rounds(self.settings))
        held: list[CallFinished] = []

        def cleanup(batch: BatchFinished) -> list[Event]:
            last = events[-1]
            assert isinstance(last, TurnFinished)
            return [
                *(
                    f.model_copy(update={"status": "cancelled", "result": "cancelled"})
                    for f in held
                ),
                batch.model_copy(
                    update={"stats": batch.stats.model_copy(update={"cancelled": len(held)})}
                ),
                last.model_copy(update={"status": "cancelled", "text": ""}),
            ]

        try:
            for event in events:
                if isinstance(event, CallFinished) and event.tool in hang:
                    held.append(event)
                    continue
                if isinstance(event, BatchFinished) and held:
                    self.hanging.set()
                    try:
                        while not self._cancel.is_set():
                            await self._wait_or_mid_turn()
                            while self._mid_turn:
                                yield self._mid_turn.pop(0)
                    except (asyncio.CancelledError, GeneratorExit):
                        for late in cleanup(event):
                            self._emit(late)
                        raise
                    for late in cleanup(event):
                        yield self._emit(late)
                    return
                while self._mid_turn:
                    yield self._mid_turn.pop(0)
                yield self._emit(event)
                await asyncio.sleep(0)
        finally:
            self._busy = False
            self.hanging.clear()

    async def _wait_or_mid_turn(self) -> None:
        """Until Esc, or a settings change to hand over."""
        await self._wake.wait()
        self._wake.clear()

    def cancel_turn(self) -> bool:
        if not self.supports_cancel or not self._busy:
            return False
        self._cancel.set()
        self._wake.set()
        return True

    def apply(self, change: KnobChange) -> SettingsChanged:
        self.settings, changes = apply_change(self.settings, change, tools=self.tool_names)
        changed = self._emit(
            SettingsChanged(t=self.script.t, changes=changes, settings=self.settings)
        )
        if self._busy:
            self._mid_turn.append(changed)
            self._wake.set()
        return changed

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
