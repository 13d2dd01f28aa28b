"""The agent loop: prompt in, an async iterator of typed events out, provider-neutral.

One user turn is a sequence of model round trips. Each model response that carries tool calls forms a
batch (one batch id per response), executed by :class:`ToolExecutor`; the results go back to the model,
and the loop goes on until the model answers without tool calls or ``max_turns`` round trips are used.

The work runs in a driver task that pushes events to a queue the iterator drains. ``cancel()`` stops the
driver and the iterator still delivers the cleanup (cancelled calls, ``turn_finished``); leaving the
iterator early cancels the same way, with the cleanup events going to the sinks only. Either way every
call that entered the conversation gets its result, so the next prompt starts from a valid history.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, Iterable
from typing import Any, Literal

from workbench.core.bugs import log_bug
from workbench.core.clock import Clock
from workbench.core.events import (
    ErrorEvent,
    Event,
    ModelRequestStarted,
    ModelResponseFinished,
    Notice,
    SettingsChanged,
    TextDelta,
    ToolCallEmitted,
    TurnFinished,
    TurnStarted,
    TurnStats,
    TurnStatus,
)
from workbench.core.executor import Batch, EventSink, ToolExecutor
from workbench.core.messages import (
    AssistantMessage,
    Message,
    ToolCall,
    ToolResult,
    ToolResultsMessage,
    Usage,
    UserMessage,
)
from workbench.core.provider import (
    CallReady,
    ModelRequest,
    Provider,
    ProviderError,
    ResponseComplete,
    SupportsPreflight,
    TextChunk,
)
from workbench.core.results import cancelled_text
from workbench.core.settings import RunSettings
from workbench.core.tools import ToolRegistry
from workbench.core.trusted import trusted

_log = logging.getLogger(__name__)

_BURST = 64
"""Events handed to a consumer in a row before the loop gets a turn."""


class TurnInProgressError(RuntimeError):
    """A second prompt was sent while a turn is still running."""


class _TurnState:
    """What one turn has done so far, for its ``turn_finished`` line."""

    __slots__ = ("batches", "calls", "model_s", "round_trips", "started", "text", "tool_s", "usage")

    def __init__(self, started: float) -> None:
        self.started = started
        self.round_trips = 0
        self.model_s = 0.0
        self.tool_s = 0.0
        self.batches = 0
        self.calls = 0
        self.usage = Usage()
        self.text = ""

    def add_batch(self, batch: Batch) -> None:
        """Count a concluded batch (finished or cancelled) in the turn's totals."""
        if batch.stats is not None:
            self.tool_s += batch.stats.wall_s
            self.batches += 1
            self.calls += batch.stats.calls


class AgentLoop:
    """Runs user turns against one provider and tool registry, under live settings."""

    def __init__(
        self,
        provider: Provider,
        registry: ToolRegistry,
        *,
        settings: RunSettings | None = None,
        system_prompt: str = "",
        max_turns: int = 10,
        max_tokens: int = 4096,
        eager_dispatch: bool = True,
        clock: Clock | None = None,
        sinks: Iterable[EventSink] = (),
    ) -> None:
        self.provider = provider
        self.registry = registry
        self.system_prompt = system_prompt
        self.max_turns = max_turns
        self.max_tokens = max_tokens
        self.eager_dispatch = eager_dispatch and provider.capabilities.eager_dispatch
        self.clock = clock or Clock()
        self.history: list[Message] = []
        self._settings = settings or RunSettings()
        self._sinks: list[EventSink] = list(sinks)
        self._queue: asyncio.Queue[Event | None] | None = None
        self._executor = ToolExecutor(registry, emit=self._emit, clock=self.clock)
        self._driver: asyncio.Task[None] | None = None
        self._cancelled_driver: asyncio.Task[None] | None = None
        self._turn = 0
        self._round_trip = 0
        self._batch_seq = 0
        self._warned: set[str] = set()

    # -- settings ------------------------------------------------------------------------------

    @property
    def settings(self) -> RunSettings:
        return self._settings

    def notice(self, message: str, *, level: Literal["info", "warning"] = "warning") -> Notice:
        """Tell every consumer something that is not a failure (a tool source that did not start)."""
        event = Notice(t=self.clock.now(), turn=self._turn or None, level=level, message=message)
        self._emit(event)
        return event

    def warn_once(self, message: str) -> Notice | None:
        """A warning notice, unless the same words were already said this session (a profile's
        caveat at start and the provider's preflight before the first request say it once)."""
        if message in self._warned:
            return None
        self._warned.add(message)
        return self.notice(message)

    def update_settings(
        self,
        settings: RunSettings,
        changes: dict[str, Any],
        *,
        source: str = "user",
        note: str = "",
    ) -> SettingsChanged:
        """Replace the live settings; they apply from the next model request or batch. ``note``
        says why part of the change does nothing here (see :class:`SettingsChanged`)."""
        self._settings = settings
        event = SettingsChanged(
            t=self.clock.now(), changes=changes, settings=settings, source=source, note=note
        )
        self._emit(event)
        return event

    def add_sink(self, sink: EventSink) -> None:
        self._sinks.append(sink)

    @property
    def busy(self) -> bool:
        return self._driver is not None and not self._driver.done()

    # -- running a turn ------------------------------------------------------------------------

    async def run(self, prompt: str) -> AsyncGenerator[Event, None]:
        """Run one user turn, yielding its events as they happen."""
        if self.busy:
            raise TurnInProgressError(
                "a turn is already running; cancel it or wait for it to finish"
            )
        queue: asyncio.Queue[Event | None] = asyncio.Queue()
        self._queue = queue
        driver = asyncio.get_running_loop().create_task(self._drive(prompt))
        self._driver = driver
        driver.add_done_callback(lambda _: queue.put_nowait(None))
        try:
            burst = 0
            while True:
                # A batch's calls can finish in one loop turn and queue thousands of events at
                # once; getting them never suspends, so a consumer that handles each in a few
                # microseconds would hold the loop for tens of milliseconds (the app's drawing,
                # the next calls' timers). Every 64 events in a row, let the loop take a turn.
                if queue.empty():
                    burst = 0
                else:
                    burst += 1
                    if burst == _BURST:
                        burst = 0
                        await asyncio.sleep(0)
                event = await queue.get()
                if event is None:
                    break
                yield event
            await driver  # surfaces a bug in the loop itself instead of hiding it
        finally:
            if not driver.done():
                # Through cancel(), so the driver is cancelled once: the app closing the runtime
                # as its worker is cancelled would otherwise cancel it twice, cutting short the
                # cleanup that gives every call its result and closes the turn.
                self.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await driver
            self._queue = None

    def cancel(self) -> bool:
        """Cancel the running turn; the iterator then yields the cleanup and ``turn_finished``.

        Asking again while the turn is already being cancelled does nothing more: a second
        cancellation would interrupt the cleanup itself, and calls would lose their results."""
        driver = self._driver
        if driver is None or driver.done():
            return False
        if driver is not self._cancelled_driver:
            self._cancelled_driver = driver
            driver.cancel()
        return True

    async def aclose(self) -> None:
        self.cancel()
        if self._driver is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._driver
        self._executor.close()

    # -- internals -----------------------------------------------------------------------------

    def _emit(self, event: Event) -> None:
        for sink in self._sinks:
            try:
                sink(event)
            except Exception as exc:
                # A consumer's bug must not stop a batch half-way (a call would never get its
                # result): the sink is detached and the user told, once.
                self._detach(sink, exc)
        if self._queue is not None:
            self._queue.put_nowait(event)

    def _detach(self, sink: EventSink, exc: Exception) -> None:
        self._sinks = [s for s in self._sinks if s is not sink]  # _emit's loop keeps the old list
        name = getattr(sink, "__qualname__", type(sink).__name__)
        log_bug(_log, "an event consumer failed and was detached", exc, sink=name, turn=self._turn)
        self._emit(
            Notice(
                t=self.clock.now(),
                turn=self._turn or None,
                message=f"an event consumer failed and was detached ({name}: "
                f"{type(exc).__name__}: {exc}); the run goes on without it",
            )
        )

    def _next_batch_id(self) -> str:
        self._batch_seq += 1
        return f"b{self._batch_seq}"

    async def _drive(self, prompt: str) -> None:
        self._turn += 1
        turn = self._turn
        now = self.clock.now
        state = _TurnState(now())
        self._emit(TurnStarted(t=state.started, turn=turn, prompt=prompt))
        self._executor.prepare(self._settings.execution)
        self.history.append(UserMessage(content=prompt))
        status: TurnStatus = "max_turns"
        batch: Batch | None = None
        pending: AssistantMessage | None = None  # in history, results not yet appended
        try:
            for _ in range(self.max_turns):
                batch = None
                pending = None
                batch, response = await self._model_round_trip(turn, state)
                message = response.message
                self.history.append(message)
                pending = message
                if not message.tool_calls:
                    # Calls streamed eagerly but missing from the final message: let them finish,
                    # though the model will not see their results.
                    if batch is not None:
                        await batch.finish()
                    pending = None
                    state.text = message.text
                    status = "completed"
                    break
                assert batch is not None  # opened by the round trip for any response with calls
                dispatched = set(batch.call_ids)
                for index, call in enumerate(message.tool_calls):
                    if call.id not in dispatched:
                        self._announce(turn, batch, call, index)
                        batch.submit(call)
                results = await batch.finish()
                state.add_batch(batch)
                self.history.append(ToolResultsMessage(results=results))
                pending = None
                batch = None
        except asyncio.CancelledError:
            status = "cancelled"
            await self._drain(batch, pending, state)
        except ProviderError as exc:
            status = "error"
            await self._drain(batch, pending, state)
            self._emit(ErrorEvent(t=now(), turn=turn, kind=exc.kind, message=exc.message))
        except Exception as exc:  # the one broad catch: a provider bug must not end the session
            status = "error"
            log_bug(_log, "the turn failed", exc, turn=turn, provider=self.provider.name)
            await self._drain(batch, pending, state)
            message_text = f"{type(exc).__name__}: {exc}"
            self._emit(ErrorEvent(t=now(), turn=turn, kind="internal", message=message_text))
        if status == "max_turns":
            self._emit(
                Notice(
                    t=now(),
                    turn=turn,
                    message=f"stopped after max_turns={self.max_turns} model round trips in one turn",
                )
            )
        self._emit(
            TurnFinished(
                t=now(),
                turn=turn,
                status=status,
                text=state.text,
                stats=TurnStats(
                    round_trips=state.round_trips,
                    model_time_s=state.model_s,
                    tool_time_s=state.tool_s,
                    wall_s=now() - state.started,
                    batches=state.batches,
                    calls=state.calls,
                    usage=state.usage,
                ),
            )
        )

    async def _model_round_trip(
        self, turn: int, state: _TurnState
    ) -> tuple[Batch | None, ResponseComplete]:
        """Stream one model response; with eager dispatch, calls start while it streams."""
        now = self.clock.now
        emission = self._settings.emission
        request = ModelRequest(
            system=self.system_prompt,
            messages=list(self.history),
            tools=self.registry.specs(),
            emission=emission,
            max_tokens=self.max_tokens,
        )
        if isinstance(self.provider, SupportsPreflight):
            for warning in self.provider.preflight(request):
                if warning not in self._warned:
                    self._warned.add(warning)
                    self._emit(Notice(t=now(), turn=turn, message=warning))  # with its turn
        self._round_trip += 1
        round_trip = self._round_trip
        state.round_trips += 1
        started = now()
        self._emit(
            ModelRequestStarted(
                t=started,
                turn=turn,
                round_trip=round_trip,
                provider=self.provider.name,
                model=self.provider.model,
                emission=emission,
            )
        )
        batch: Batch | None = None
        response: ResponseComplete | None = None
        index = 0
        items = 0
        try:
            stream = self.provider.stream(request)
            try:
                async for item in stream:
                    items += 1
                    if items % _BURST == 0:
                        # A response read from a buffer can hand over a thousand calls without
                        # suspending; starting each takes ~20 us, so let the loop take turns.
                        await asyncio.sleep(0)
                    match item:
                        case TextChunk(text=text):
                            self._emit(TextDelta(t=now(), turn=turn, text=text))
                        case CallReady(call=call, eager=eager):
                            if not self.eager_dispatch:
                                continue
                            if batch is None:
                                batch = self._open_batch(turn, eager=eager)
                            self._announce(turn, batch, call, index)
                            index += 1
                            batch.submit(call)
                        case ResponseComplete():
                            response = item
            finally:
                aclose = getattr(stream, "aclose", None)
                if aclose is not None:
                    await aclose()
        except BaseException:
            # The response never completed: its calls never entered the conversation, so they are
            # cancelled and their results dropped with it.
            if batch is not None:
                await batch.cancel()
            raise
        finally:
            state.model_s += now() - started
        if response is None:
            if batch is not None:
                await batch.cancel()
            raise ProviderError("stream", "the model's response ended without completing")
        state.usage = state.usage + response.usage
        calls = response.message.tool_calls
        batch_id = (
            batch.batch_id if batch is not None else (self._next_batch_id() if calls else None)
        )
        self._emit(
            ModelResponseFinished(
                t=now(),
                turn=turn,
                round_trip=round_trip,
                batch_id=batch_id,
                calls=len(calls),
                usage=response.usage,
                duration_s=now() - started,
                stop_reason=response.stop_reason,
                response_id=response.response_id,
                response_model=response.response_model,
            )
        )
        if batch is None and batch_id is not None:
            batch = self._open_batch(turn, eager=False, batch_id=batch_id)
        return batch, response

    def _open_batch(self, turn: int, *, eager: bool, batch_id: str | None = None) -> Batch:
        return self._executor.batch(
            batch_id or self._next_batch_id(), self._settings.execution, turn=turn, eager=eager
        )

    def _announce(self, turn: int, batch: Batch, call: ToolCall, index: int) -> None:
        self._emit(
            trusted(
                ToolCallEmitted,
                {
                    "t": self.clock.now(),
                    "type": "tool_call_emitted",
                    "turn": turn,
                    "batch_id": batch.batch_id,
                    "call_id": call.id,
                    "tool": call.name,
                    "args": call.arguments,
                    "index": index,
                },
            )
        )

    async def _drain(
        self, batch: Batch | None, pending: AssistantMessage | None, state: _TurnState
    ) -> None:
        """After a cancel or failure: stop running calls and answer every call in the history."""
        results = await batch.cancel() if batch is not None else []
        if batch is not None:
            state.add_batch(batch)
        if pending is None:
            return
        by_id = {r.call_id: r for r in results}
        answered = []
        for call in pending.tool_calls:
            result = by_id.get(call.id)
            if result is None:  # never reached the executor
                result = ToolResult(
                    call_id=call.id,
                    name=call.name,
                    status="cancelled",
                    content=cancelled_text(call.name, started=False),
                )
            answered.append(result)
        self.history.append(ToolResultsMessage(results=answered))
