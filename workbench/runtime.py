"""One live session, headless: a profile's provider and tools, the live knobs, the loop and the recorder.

The CLI and the TUI both drive a :class:`Runtime`; neither builds a provider, an executor or a recorder
itself. Every event of the session goes to the recorder and the log before any consumer sees it, so a
session file holds what happened even when the consumer stops reading.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, Literal

from workbench.config.profile import Profile
from workbench.core.capabilities import ignored_part, refuse_change
from workbench.core.clock import Clock
from workbench.core.events import Event, Notice, SettingsChanged
from workbench.core.knobs import KnobChange, apply_change
from workbench.core.loop import AgentLoop
from workbench.core.provider import Provider, ProviderCapabilities
from workbench.core.settings import RunSettings
from workbench.core.tools import ToolRegistry, ToolSource, ToolSourceError
from workbench.logs import EventLogger, configure_logging
from workbench.session.format import SessionFileError
from workbench.session.recorder import SessionPathTaken, SessionRecorder, valid_unicode
from workbench.tools.loading import build_registry
from workbench.tools.sources import sources_for

RecordErrors = Literal["stop", "continue"]
"""What a failed session write does: stop the run (cancel the turn), or go on without recording."""

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


def tool_infos(registry: ToolRegistry) -> list[dict[str, Any]]:
    """What a session header says of each tool: its name, kind and source."""
    return [{"name": t.name, "kind": t.kind, "source": t.source} for t in registry]


async def start_sources(
    sources: Sequence[ToolSource], registry: ToolRegistry
) -> tuple[list[ToolSource], list[str]]:
    """Start every source at once and register its tools; a source that fails, or offers a name
    already taken, is left out with a one-line reason. Returns the started sources and the reasons."""
    problems: list[str] = []
    outcomes = await asyncio.gather(*(s.start() for s in sources), return_exceptions=True)
    started: list[ToolSource] = []
    for source, outcome in zip(sources, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            if not isinstance(outcome, Exception):  # cancelled, interrupted: not the source's fault
                raise outcome
            # ToolSourceError carries its one-line reason; anything else is named by its type.
            reason = (
                str(outcome)
                if isinstance(outcome, ToolSourceError)
                else (f"{type(outcome).__name__}: {outcome}")
            )
            problems.append(f"tool source '{source.name}' did not start: {reason}")
            prefix = getattr(source, "tool_prefix", None)
            if isinstance(prefix, str):  # a call to one of its tools names the server and why
                registry.withhold(prefix, reason)
            with contextlib.suppress(Exception):
                await source.aclose()
            continue
        started.append(source)
        problems.extend(
            f"MCP server '{source.name}': {note}" for note in getattr(source, "notes", ())
        )
        for tool in source.tools():
            if tool.name in registry:
                problems.append(
                    f"tool '{tool.name}' from '{source.name}' is left out: "
                    "another tool has that name"
                )
                continue
            registry.register(tool)
    return started, problems


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
        sources: Sequence[ToolSource] = (),
        offered_sources: Sequence[ToolSource] | None = None,
        clock: Clock | None = None,
        record_errors: RecordErrors = "stop",
    ) -> None:
        self.profile = profile
        self.provider = provider
        self.registry = registry
        self.recorder = recorder
        self.sources = list(sources)
        self.offered_sources = list(sources if offered_sources is None else offered_sources)
        """Every source the session was offered, those that failed to start too (servers view)."""
        self.start_notices: list[Notice] = []
        """What went wrong while starting (a tool source that did not start), also recorded."""
        self.record_errors: RecordErrors = record_errors
        self.recording_failure: SessionFileError | None = None
        """Why recording stopped mid-run (a full disk), or None; said once as a notice."""
        self.discard_unused = False
        """Delete the session file at close if no turn was started in it: the app's own
        auto-named recordings, so opening and closing the app (or switching profile) leaves no
        empty sessions in the browser. A path the user named is always kept."""
        self.turns_started = 0
        self.on_close: list[Callable[[], Awaitable[None]]] = []
        """Called at the end of :meth:`aclose`, after the recorder has closed (e.g. a live trace
        export sending its last spans)."""
        sinks: list[Callable[[Event], None]] = []
        if recorder is not None:
            sinks.append(self._record)
            recorder.on_failure = self._recording_failed
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
            clock=clock,
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
        sources: Sequence[ToolSource] = (),
        overwrite: bool = False,
        record_errors: RecordErrors = "stop",
    ) -> Runtime:
        """Build the provider (its SDK imported off the event loop), start the tool sources, and
        open the recorder. A tool source that cannot start is a notice; the session goes on.

        ``overwrite`` lets ``record`` replace an existing session. A session file that cannot be
        written raises :class:`SessionFileError` here, or with ``record_errors="continue"`` is a
        notice and the session runs unrecorded; mid-run, ``record_errors`` says whether the turn
        is cancelled or goes on unrecorded."""
        configure_logging()  # idempotent; here so the app pays for it after its first frame
        if provider is None:
            from workbench.providers.factory import build_provider

            provider = await asyncio.to_thread(build_provider, profile)
        if registry is None:
            registry = build_tools(profile)
        wanted = [*await asyncio.to_thread(sources_for, profile), *sources]  # SDK import: ~1 s
        started, problems = await start_sources(wanted, registry)
        clock = Clock()  # t = 0 now, once everything the first turn needs is ready
        start_failure: SessionFileError | None = None
        try:
            recorder = (
                SessionRecorder.create(
                    record,
                    profile=profile.public_dict(),
                    provider=provider_summary(provider),
                    tools=tool_infos(registry),
                    t0_unix_ns=clock.t0_unix_ns,
                    overwrite=overwrite,
                )
                if recording
                else None
            )
        except SessionFileError as exc:
            if record_errors != "continue" or isinstance(exc, SessionPathTaken):
                for source in started:
                    with contextlib.suppress(Exception):
                        await source.aclose()
                raise
            recorder = None
            start_failure = exc
            problems.insert(0, f"{exc}: running without recording")
        except BaseException:
            for source in started:
                with contextlib.suppress(Exception):
                    await source.aclose()
            raise
        runtime = cls(
            profile,
            provider,
            registry,
            recorder=recorder,
            extra_sinks=extra_sinks,
            sources=started,
            offered_sources=wanted,
            clock=clock,
            record_errors=record_errors,
        )
        runtime.recording_failure = start_failure
        runtime.start_notices = [runtime.loop.notice(p) for p in problems]
        # What the profile's knobs do not do here (the capability table), said once at the start.
        for warning in profile.warnings():
            notice = runtime.loop.warn_once(warning)
            if notice is not None:
                runtime.start_notices.append(notice)
        return runtime

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
        """Run one user turn; see :meth:`AgentLoop.run`. Bytes that were not UTF-8 (a prompt
        decoded with ``surrogateescape``, as ``sys.argv`` is) become U+FFFD, as recorded."""
        return self.loop.run(valid_unicode(prompt))

    def cancel_turn(self) -> bool:
        """Cancel the running turn; the turn's iterator then delivers the cleanup events."""
        return self.loop.cancel()

    def apply(self, change: KnobChange, *, source: str = "user") -> SettingsChanged:
        """Turn live knobs; recorded, and applied from the next model request or batch.

        Raises ``ValueError`` (a pydantic ``ValidationError`` for out-of-range values) and changes
        nothing when a value is refused.
        """
        refusal = refuse_change(
            self.profile.provider_row,
            change,
            thinking=self.profile.thinking_budget_tokens is not None,
        )
        if refusal is not None:
            raise ValueError(refusal)
        change, note = ignored_part(self.profile.provider_row, change)
        new, changes = apply_change(self.loop.settings, change, tools=self.registry.names)
        return self.loop.update_settings(new, changes, source=source, note=note)

    def add_sink(self, sink: Callable[[Event], None]) -> None:
        """Also hand every later event to ``sink``: a consumer that closes a turn's iterator early
        (a forced cancel) still gets the loop's cleanup events this way."""
        self.loop.add_sink(sink)

    async def aclose(self) -> None:
        try:
            await self.loop.aclose()
            await self.provider.aclose()
        finally:
            for tool_source in reversed(self.sources):
                with contextlib.suppress(Exception):
                    await tool_source.aclose()
            try:
                if self.recorder is not None:
                    self.recorder.close()
                    if self.discard_unused and self.turns_started == 0:
                        with contextlib.suppress(OSError):
                            self.recorder.path.unlink()
            finally:
                for closer in self.on_close:
                    with contextlib.suppress(Exception):
                        await closer()

    # -- internals -------------------------------------------------------------------------------

    def _recording_failed(self, failure: SessionFileError) -> None:
        """A session write failed (the recorder has cut the file back to its last whole line):
        said once, on the loop's next turn rather than inside the sink that found it."""
        if self.recording_failure is not None:
            return
        self.recording_failure = failure
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # closing: the caller reads recording_failure
        loop.call_soon(self._report_recording_failure, failure)

    def _report_recording_failure(self, failure: SessionFileError) -> None:
        if self.record_errors == "continue":
            self.loop.notice(f"{failure}: recording stopped, the run goes on without it")
            return
        self.loop.notice(f"{failure}: recording stopped, and so does the run")
        self.loop.cancel()

    def _record(self, event: Event) -> None:
        assert self.recorder is not None
        self.recorder.record(event)
        if event.type == "turn_started":
            self.turns_started += 1
        if event.type in _FLUSH_ON:
            # Behind the loop's ready work: once the next model request is on its way, not before.
            self.recorder.flush_soon()
