"""The narrow ports between the TUI's parts, as structural types, so tests can hand in fakes.

What the TUI needs from the runtime (:class:`RuntimeLike`, :data:`RuntimeFactory`), from the profile
files (:data:`ProfileLister`), and what screens and their parts need from Textual (:class:`Notify`,
:data:`RunWorker`) and give back to whoever waits on them (:class:`Signals`). The real
:class:`workbench.runtime.Runtime` satisfies :class:`RuntimeLike`; the TUI never imports the runtime
module except in :func:`default_runtime_factory`, lazily, so vendor SDKs stay off the start path.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from workbench import gcpolicy

if TYPE_CHECKING:
    # Names for the annotations only: the app's first frame is drawn before any of them (pydantic
    # models, ~80 ms of imports) is loaded.
    from textual.notifications import SeverityLevel
    from textual.worker import Worker

    from workbench.config import Profile
    from workbench.core.events import Event, Notice, SettingsChanged
    from workbench.core.knobs import KnobChange
    from workbench.core.provider import ProviderCapabilities
    from workbench.core.settings import RunSettings
    from workbench.export.live import LiveExport
    from workbench.runtime import Runtime


class ProfileLike(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def type(self) -> str: ...

    @property
    def model(self) -> str: ...


class RuntimeLike(Protocol):
    """A live session: one provider, one conversation, one recording."""

    @property
    def profile(self) -> ProfileLike: ...

    @property
    def settings(self) -> RunSettings: ...

    @property
    def capabilities(self) -> ProviderCapabilities: ...

    @property
    def tool_names(self) -> list[str]: ...

    @property
    def session_path(self) -> Path | None: ...

    @property
    def busy(self) -> bool: ...

    def run_turn(self, prompt: str) -> AsyncGenerator[Event, None]:
        """Events of one turn; closing the iterator cancels the turn."""
        ...

    def cancel_turn(self) -> bool:
        """Cancel the running turn; its iterator then yields the cleanup events and ends."""
        ...

    def add_sink(self, sink: Callable[[Event], None]) -> None:
        """Also hand every later event to ``sink``, as it happens: the cleanup of a turn whose
        iterator was closed early reaches the sinks only."""
        ...

    def apply(self, change: KnobChange) -> SettingsChanged:
        """Turn live knobs (from the next model request or batch); raises ``ValueError`` and changes
        nothing when a value is refused."""
        ...

    @property
    def start_notices(self) -> Sequence[Notice]:
        """What went wrong while starting (a tool source that did not start), already recorded."""
        ...

    async def aclose(self) -> None: ...


RuntimeFactory = Callable[[str | None], Awaitable[RuntimeLike]]
"""Starts a runtime for a profile name or path (None: the default profile)."""


class Notify(Protocol):
    """A toast: ``Screen.notify`` and ``App.notify`` fit."""

    def __call__(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
    ) -> None: ...


RunWorker = Callable[[Coroutine[Any, Any, None], str], "Worker[None]"]
"""Runs a coroutine as the one worker of a group (the ``str``), replacing the group's running one;
a screen hands its parts one bound to itself, so their workers end with the screen."""


@dataclass(frozen=True)
class Signals:
    """What tests (and anything embedding the app) wait on instead of sleeping."""

    runtime_ready: asyncio.Event = field(default_factory=asyncio.Event)
    """Set once a runtime has started (live)."""
    turn_completed: asyncio.Event = field(default_factory=asyncio.Event)
    """Cleared when a turn starts, set when it ends however it ends."""
    replay_finished: asyncio.Event = field(default_factory=asyncio.Event)
    """Set when a replay has fed its last event (or failed to load)."""
    replay_held: asyncio.Event = field(default_factory=asyncio.Event)
    """Set while a paused replay holds its next event (after a step, say)."""
    live_took_over: asyncio.Event = field(default_factory=asyncio.Event)
    """Set once the live screen has taken the start screen's place and handled what was typed
    meanwhile (a live start that drew the start screen first)."""


class ProfileChoice(Protocol):
    """One entry of the profile picker (``workbench.config.ProfileEntry`` fits)."""

    @property
    def name(self) -> str: ...

    @property
    def error(self) -> Exception | None:
        """Why the profile cannot be used (its ``str`` is shown), or None."""
        ...


ProfileLister = Callable[[], list[ProfileChoice]]


def default_runtime_factory(
    record: Path | None = None,
    *,
    on_problem: Callable[[str], None] | None = None,
    overwrite: bool = False,
) -> RuntimeFactory:
    """The real runtime; ``record`` names the file of the first session only. With a profile's
    ``telemetry:`` block or the OTEL_EXPORTER_OTLP_* variables, its spans are exported live, and
    ``on_problem`` is told (on the event loop) if the collector is down or refuses."""
    pending_record = [record]

    async def start(name: str | None) -> RuntimeLike:
        # Importing the runtime and reading profile files is ~100 ms of CPU: off the event loop,
        # so the screen keeps drawing meanwhile.
        runtime_class, profile = await asyncio.to_thread(_load_runtime, name)
        path, pending_record[0] = pending_record[0], None
        live = _live_export(profile, on_problem)
        runtime = await runtime_class.start(
            profile,
            record=path,
            extra_sinks=[live] if live is not None else None,
            overwrite=overwrite,
        )
        if live is not None:
            live.attach(runtime)
        # An auto-named session in which no turn ran is not kept (see Runtime.discard_unused).
        runtime.discard_unused = path is None
        gcpolicy.freeze_startup()
        return runtime

    return start


def _live_export(profile: Profile, on_problem: Callable[[str], None] | None) -> LiveExport | None:
    from workbench.export.live import sink_from_env

    loop = asyncio.get_running_loop()

    def problem(message: str) -> None:  # called from the exporter's thread
        if on_problem is not None:
            with contextlib.suppress(RuntimeError):  # the app has already closed its loop
                loop.call_soon_threadsafe(on_problem, message)

    return sink_from_env(profile, on_problem=problem)


def _load_runtime(name: str | None) -> tuple[type[Runtime], Profile]:
    from workbench.config import DEFAULT_PROFILE, resolve_profile
    from workbench.preload import ANALYSIS, import_all
    from workbench.runtime import Runtime

    import_all(ANALYSIS)  # for the first turn's end, while we are in a thread anyway

    return Runtime, resolve_profile(name or DEFAULT_PROFILE)


def default_profile_lister() -> list[ProfileChoice]:
    from workbench.config import discover_profiles

    entries: list[ProfileChoice] = []
    entries.extend(discover_profiles())
    return entries
