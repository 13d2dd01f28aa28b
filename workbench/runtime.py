"""One live session, headless: a profile's provider and tools, the live knobs, the loop and the recorder.

The CLI and the TUI both drive a :class:`Runtime`; neither builds a provider, an executor or a recorder
itself. Every event of the session goes to the recorder and the log before any consumer sees it, so a
session file holds what happened even when the consumer stops reading.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from dataclasses import asdict
from pathlib import Path
from types import EllipsisType
from typing import Any

from workbench.config.profile import Profile
from workbench.core.events import Event, SettingsChanged
from workbench.core.loop import AgentLoop
from workbench.core.provider import Provider, ProviderCapabilities
from workbench.core.settings import FaultPreset, FunctionCallingMode, RunSettings
from workbench.logs import EventLogger, configure_logging
from workbench.session.recorder import SessionRecorder
from workbench.tools.base import ToolRegistry
from workbench.tools.loading import build_registry

_FLUSH_ON = frozenset(
    {"batch_finished", "turn_finished", "error", "settings_changed", "turn_started"}
)


def build_tools(profile: Profile, *, cwd: Path | None = None) -> ToolRegistry:
    """The registry a profile enables: built-ins plus its tool modules, confined to its workspace."""
    cwd = cwd or Path.cwd()
    base_dir = Path(profile.source_path).parent if profile.source_path else cwd
    workspace = (cwd / profile.workspace).resolve()
    return build_registry(profile.tools, profile.tool_modules, base_dir, workspace)


def provider_summary(provider: Provider) -> dict[str, Any]:
    """What a session header says about its provider, so a replay labels the knobs as live did."""
    return {"name": provider.name, "model": provider.model, **asdict(provider.capabilities)}


class Runtime:
    """A live session. Create with :meth:`start`; close with :meth:`aclose`."""

    def __init__(
        self,
        profile: Profile,
        provider: Provider,
        registry: ToolRegistry,
        *,
        recorder: SessionRecorder | None,
        extra_sinks: list[Callable[[Event], None]] | None = None,
    ) -> None:
        self.profile = profile
        self.provider = provider
        self.registry = registry
        self.recorder = recorder
        sinks: list[Callable[[Event], None]] = []
        if recorder is not None:
            sinks.append(self._record)
        sinks.append(EventLogger())
        sinks.extend(extra_sinks or [])
        self.loop = AgentLoop(
            provider,
            registry,
            settings=profile.run_settings(),
            system_prompt=profile.system_prompt,
            max_turns=profile.max_turns,
            max_tokens=profile.max_tokens,
            eager_dispatch=profile.eager_dispatch,
            sinks=sinks,
        )

    @classmethod
    async def start(
        cls,
        profile: Profile,
        *,
        record: Path | None = None,
        recording: bool = True,
        provider: Provider | None = None,
        registry: ToolRegistry | None = None,
        extra_sinks: list[Callable[[Event], None]] | None = None,
    ) -> Runtime:
        """Build the provider (its SDK imported off the event loop), the tools and the recorder."""
        configure_logging()  # idempotent; here so the app pays for it after its first frame
        if provider is None:
            from workbench.providers.factory import build_provider

            provider = await asyncio.to_thread(build_provider, profile)
        if registry is None:
            registry = build_tools(profile)
        recorder = (
            SessionRecorder.create(
                record, profile=profile.public_dict(), provider=provider_summary(provider)
            )
            if recording
            else None
        )
        return cls(profile, provider, registry, recorder=recorder, extra_sinks=extra_sinks)

    # -- what the UI shows -----------------------------------------------------------------------

    @property
    def settings(self) -> RunSettings:
        return self.loop.settings

    @property
    def capabilities(self) -> ProviderCapabilities:
        return self.provider.capabilities

    @property
    def tool_names(self) -> list[str]:
        return self.registry.names

    @property
    def session_path(self) -> Path | None:
        return self.recorder.path if self.recorder is not None else None

    @property
    def busy(self) -> bool:
        return self.loop.busy

    # -- what the UI does ------------------------------------------------------------------------

    def run_turn(self, prompt: str) -> AsyncGenerator[Event, None]:
        """Run one user turn; see :meth:`AgentLoop.run`."""
        return self.loop.run(prompt)

    def cancel_turn(self) -> bool:
        """Cancel the running turn; the turn's iterator then delivers the cleanup events."""
        return self.loop.cancel()

    def update_settings(
        self,
        *,
        parallel: bool | None = None,
        function_calling_mode: FunctionCallingMode | None = None,
        concurrent: bool | None = None,
        max_concurrent: int | None = None,
        timeout_s: float | EllipsisType | None = ...,
        fault: tuple[str, FaultPreset] | None = None,
        source: str = "user",
    ) -> SettingsChanged:
        """Change live knobs; recorded, and applied from the next model request or batch.

        Raises ``ValueError`` (a pydantic ``ValidationError`` for out-of-range values) and changes
        nothing when a value is refused.
        """
        new, changes = self.loop.settings.with_knobs(
            tools=self.registry.names,
            parallel=parallel,
            function_calling_mode=function_calling_mode,
            concurrent=concurrent,
            max_concurrent=max_concurrent,
            timeout_s=timeout_s,
            fault=fault,
        )
        return self.loop.update_settings(new, changes, source=source)

    async def aclose(self) -> None:
        await self.loop.aclose()
        await self.provider.aclose()
        if self.recorder is not None:
            self.recorder.close()

    # -- internals -------------------------------------------------------------------------------

    def _record(self, event: Event) -> None:
        assert self.recorder is not None
        self.recorder.record(event)
        if event.type in _FLUSH_ON:
            # Behind the loop's ready work: once the next model request is on its way, not before.
            self.recorder.flush_soon()
