"""Running one prompt under several variants: each its own runtime, provider and recorded session.

Variants run at the same time by default; each one's figures come from its own clock and its own
events, so running together does not blur them. A variant that fails (a provider's 401, a tool source
that cannot start) ends alone with a one-line reason; the others finish. :meth:`CompareRunner.cancel`
cancels every running turn the way Esc does, so every call still gets its result, and variants that
had not started yet end as cancelled without running.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from workbench.compare.figures import FiguresFold
from workbench.compare.variants import Variant
from workbench.core.events import Event, TurnFinished
from workbench.core.provider import Provider, ProviderError
from workbench.core.settings import RunSettings
from workbench.core.tools import ToolRegistry
from workbench.preload import preload

if TYPE_CHECKING:
    from workbench.config.profile import Profile
    from workbench.runtime import Runtime

VariantStatus = Literal["pending", "running", "completed", "failed", "cancelled"]
Setup = Callable[["Profile"], Awaitable[tuple[Provider | None, ToolRegistry | None]]]
"""Builds one variant's provider and tools (None: what the profile gives); the demo simulates
latency here. Called once per variant, so no two variants share a provider instance."""


@dataclass
class VariantRun:
    """One variant's state, live: what the summary strip and the report read."""

    index: int
    variant: Variant
    status: VariantStatus = "pending"
    error: str | None = None
    """Why it failed, in one line (None unless failed)."""
    fold: FiguresFold = field(default_factory=FiguresFold)
    session: Path | None = None
    settings: RunSettings | None = None
    """The settings it ran under, once applied."""
    provider: str | None = None
    notes: list[str] = field(default_factory=list)
    """Where the provider lacks a knob the variant turns, what it does instead (never pretended)."""

    @property
    def name(self) -> str:
        return self.variant.name

    @property
    def done(self) -> bool:
        return self.status in ("completed", "failed", "cancelled")

    def settings_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"knobs": self.variant.knobs}
        if self.settings is not None:
            em, ex = self.settings.emission, self.settings.execution
            out |= {
                "parallel": em.parallel,
                "function_calling_mode": em.function_calling_mode,
                "concurrent": ex.concurrent,
                "max_concurrent": ex.max_concurrent,
                "timeout_s": ex.timeout_s,
                "retries": ex.retries,
                "faults": {name: f.model_dump(mode="json") for name, f in ex.faults.items()},
            }
        out["notes"] = list(self.notes)
        return out


EventHook = Callable[[VariantRun, Event], None]
StatusHook = Callable[[VariantRun], None]


def default_session_dir(now: datetime | None = None) -> Path:
    from workbench.paths import sessions_dir

    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S-%f")
    return sessions_dir() / f"compare-{stamp}"


class CompareRunner:
    """Run ``prompt`` under every variant of ``variants``; the first one is the baseline."""

    def __init__(
        self,
        profile: Profile,
        prompt: str,
        variants: Sequence[Variant],
        *,
        one_at_a_time: bool = False,
        setup: Setup | None = None,
        session_dir: Path | None = None,
        on_event: EventHook | None = None,
        on_status: StatusHook | None = None,
    ) -> None:
        self.profile = profile
        self.prompt = prompt
        self.runs = [VariantRun(i, v) for i, v in enumerate(variants)]
        self.one_at_a_time = one_at_a_time
        self.session_dir = session_dir or default_session_dir()
        self._setup = setup
        self.on_event = on_event
        """Called with every event of every variant, as it happens."""
        self.on_status = on_status
        """Called when a variant's status changes (running, then completed/failed/cancelled)."""
        self._runtimes: dict[int, Runtime] = {}
        self._cancelled = False
        self._stopped: set[int] = set()

    @property
    def baseline(self) -> VariantRun:
        return self.runs[0]

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    async def run(self) -> list[VariantRun]:
        """Run every variant; returns when all have ended (completed, failed or cancelled)."""
        # The runtime's modules (logging, rich, the tools) take ~100 ms to import the first time:
        # off the event loop, so a live compare screen keeps drawing while they load.
        await preload("workbench.runtime", "workbench.providers.scripted")
        if self.one_at_a_time:
            for run in self.runs:
                await self._run_one(run)
        else:
            await asyncio.gather(*(self._run_one(run) for run in self.runs))
        return self.runs

    def cancel(self) -> None:
        """Cancel every running variant (each call still gets a result); pending ones never start."""
        self._cancelled = True
        for index, runtime in list(self._runtimes.items()):
            self._stop(index, runtime)

    def _stop(self, index: int, runtime: Runtime) -> None:
        # Once only: cancelling a turn again while it drains would interrupt the drain itself.
        if index not in self._stopped and runtime.cancel_turn():
            self._stopped.add(index)

    # -- one variant -------------------------------------------------------------------------------

    def _set(self, run: VariantRun, status: VariantStatus, error: str | None = None) -> None:
        run.status = status
        if error is not None:
            run.error = " ".join(error.split())
        if self.on_status is not None:
            self.on_status(run)

    def _event(self, run: VariantRun, event: Event) -> None:
        run.fold.apply(event)
        if self.on_event is not None:
            self.on_event(run, event)

    async def _run_one(self, run: VariantRun) -> None:
        if self._cancelled:
            self._set(run, "cancelled")
            return
        self._set(run, "running")
        try:
            runtime = await self._start(run)
        except _VariantFailed as exc:
            self._set(run, "failed", str(exc))
            return
        self._runtimes[run.index] = runtime
        try:
            await self._turn(run, runtime)
        finally:
            self._runtimes.pop(run.index, None)
            try:
                await runtime.aclose()
            except Exception as exc:  # the recorder's disk, say: the run itself is over
                if run.status == "completed":
                    self._set(run, "failed", f"the session was not fully recorded: {exc}")

    async def _start(self, run: VariantRun) -> Runtime:
        from workbench.runtime import Runtime
        from workbench.session.format import SessionFileError
        from workbench.tools.loading import ToolLoadError

        provider: Provider | None = None
        registry: ToolRegistry | None = None
        path = self.session_dir / f"{run.index + 1}-{run.name}.jsonl"
        try:
            if self._setup is not None:
                provider, registry = await self._setup(self.profile)
            if registry is None:  # the profile's tools, their schemas built off the event loop
                from workbench.runtime import build_tools

                registry = await asyncio.to_thread(build_tools, self.profile)
            runtime = await Runtime.start(
                self.profile, record=path, provider=provider, registry=registry
            )
        except ProviderError as exc:
            raise _VariantFailed(exc.message) from None
        except (ToolLoadError, SessionFileError, OSError) as exc:
            raise _VariantFailed(str(exc)) from None
        except Exception as exc:  # the one broad catch: a variant's start must not end the others
            raise _VariantFailed(f"{type(exc).__name__}: {exc}") from None
        run.session = runtime.session_path
        run.provider = runtime.provider.name
        for notice in runtime.start_notices:
            self._event(run, notice)
        try:
            changed = runtime.apply(run.variant.change, source="compare")
        except ValueError as exc:
            await runtime.aclose()
            raise _VariantFailed(f"its knobs do not apply: {exc}") from None
        run.settings = runtime.settings
        run.notes = _knob_notes(run.variant, runtime)
        self._event(run, changed)
        return runtime

    async def _turn(self, run: VariantRun, runtime: Runtime) -> None:
        status = "error"
        async for event in runtime.run_turn(self.prompt):
            if self._cancelled:  # cancel() may have come before this turn had begun
                self._stop(run.index, runtime)
            self._event(run, event)
            if isinstance(event, TurnFinished):
                status = event.status
        error = run.fold.error
        if status == "completed" and error is None:
            self._set(run, "completed")
        elif status == "cancelled":
            self._set(run, "cancelled")
        elif status == "max_turns":
            self._set(run, "failed", error or f"stopped after max_turns={runtime.loop.max_turns}")
        else:
            self._set(run, "failed", error or "the turn ended by an error")


class _VariantFailed(Exception):
    pass


def _knob_notes(variant: Variant, runtime: Runtime) -> list[str]:
    caps = runtime.capabilities
    notes: list[str] = []
    if variant.change.parallel is not None and caps.parallel_knob is None:
        notes.append(
            f"{runtime.provider.name} has no parallel-emission switch: {caps.parallel_note}".strip()
        )
    if variant.change.function_calling_mode is not None and not caps.supports_function_calling_mode:
        notes.append(f"{runtime.provider.name} has no function-calling mode; mode is not sent")
    return notes


__all__ = ["CompareRunner", "Setup", "VariantRun", "VariantStatus", "default_session_dir"]
