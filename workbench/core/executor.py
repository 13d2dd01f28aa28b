"""Executing batches of tool calls, without a UI.

A batch is the calls of one model response. Calls are pulled from a queue by at most ``cap`` worker
tasks (``max_concurrent_tools``, or 1 when execution is sequential): cheaper than a task per call
waiting on a semaphore, and the queue order is the call order. Every call gets exactly one result
(ok / error / timeout / cancelled); a failure never cancels its siblings; results come back in call
order while events are emitted in completion order. Sync tools run in threads (``threadpool``), never
on the event loop.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from workbench.core.bugs import log_bug
from workbench.core.clock import Clock
from workbench.core.events import (
    BatchFinished,
    BatchStarted,
    BatchStats,
    CallFinished,
    CallQueued,
    CallRetrying,
    CallStarted,
    Event,
)
from workbench.core.messages import CallStatus, ToolCall, ToolResult
from workbench.core.results import (
    MAX_RESULT_CHARS,
    JunkResultError,
    bad_arguments_text,
    cancelled_text,
    raised_text,
    result_text,
    timeout_text,
    unknown_tool_text,
    unparsable_arguments_text,
)
from workbench.core.settings import ExecutionSettings, Fault
from workbench.core.threadpool import ToolThreads
from workbench.core.tools import Tool, ToolArgumentsError, ToolRegistry
from workbench.core.trusted import new_model, set_fields, trusted

EventSink = Callable[[Event], None]

_log = logging.getLogger(__name__)

START_BURST = 50
"""Workers a batch starts per loop turn. Starting a call (its worker's first step, the tool up to its
first await) takes ~10 us; a thousand in one turn, or four batches' thousands, would hold the loop
(and the screen) 10-40 ms. The rest start in the turns that follow, a burst per turn."""


class InjectedFault(RuntimeError):
    """The failure a profile's fault injection asked for."""


class _Refused(Exception):
    """A call that must not run (unknown tool, bad arguments): its error text is final."""


class _Record:
    """Mutable bookkeeping for one call; becomes a ToolResult and a CallFinished event."""

    __slots__ = (
        "args",
        "attempts",
        "call",
        "expired",
        "live",
        "queued_t",
        "result",
        "started_t",
        "status",
        "waits",
    )

    def __init__(self, call: ToolCall, queued_t: float, waits: bool) -> None:
        self.call = call
        self.args = call.arguments
        self.queued_t = queued_t
        self.waits = waits
        """Every slot was taken when it was queued: its time until it starts is slot waiting
        (otherwise that time is only a worker starting, and not counted as waiting)."""
        self.started_t: float | None = None
        self.status: CallStatus | None = None
        self.result = ""
        self.attempts = 0
        self.live = 0  # the attempt now under a deadline (0: none)
        self.expired = 0  # the attempt whose deadline passed


class ToolExecutor:
    """Runs batches against a registry; shared by every batch of a session."""

    def __init__(
        self, registry: ToolRegistry, *, emit: EventSink, clock: Clock | None = None
    ) -> None:
        self.registry = registry
        self.emit = emit
        self.clock = clock or Clock()
        self.threads = ToolThreads()
        """Where sync tools run (daemon threads: a tool that never returns cannot hold the exit)."""
        self._rng = random.Random()
        self._seed: int | None = None

    def batch(
        self, batch_id: str, settings: ExecutionSettings, *, turn: int = 0, eager: bool = False
    ) -> Batch:
        """Open a batch; submit calls to it, then ``await finish()`` (or ``cancel()``)."""
        if settings.seed is not None and settings.seed != self._seed:
            self._seed = settings.seed
            self._rng.seed(settings.seed)
        return Batch(self, batch_id, settings, turn=turn, eager=eager)

    async def run(
        self,
        batch_id: str,
        calls: Iterable[ToolCall],
        settings: ExecutionSettings,
        *,
        turn: int = 0,
    ) -> list[ToolResult]:
        """Execute a whole batch and return its results in call order."""
        batch = self.batch(batch_id, settings, turn=turn)
        for call in calls:
            batch.submit(call)
        try:
            return await batch.finish()
        except asyncio.CancelledError:
            await batch.cancel()
            raise

    def prepare(self, settings: ExecutionSettings) -> None:
        """A turn is beginning under ``settings``: if the registry has sync tools, start the
        threads its batches will run them in now, off the event loop, while the model answers."""
        if any(not tool.is_async for tool in self.registry):
            self.threads.warm(settings.cap)

    def close(self) -> None:
        self.threads.shutdown()


class Batch:
    """The calls of one model response, executing under one settings snapshot."""

    def __init__(
        self,
        executor: ToolExecutor,
        batch_id: str,
        settings: ExecutionSettings,
        *,
        turn: int,
        eager: bool,
    ) -> None:
        self._ex = executor
        self._emit = executor.emit
        self._now = executor.clock.now
        # The hot path reads the session clock inline (Clock.now is monotonic() - t0): a method call
        # per timestamp is three per tool call.
        self._mono = time.monotonic
        self._t0 = executor.clock.t0
        self.batch_id = batch_id
        self.settings = settings
        self.turn = turn
        self._cap = settings.cap
        self._timeout = settings.timeout_s
        self._faults = settings.faults
        self._records: list[_Record] = []
        self._queue: deque[_Record] = deque()
        self._workers: set[asyncio.Task[None]] = set()
        self._active = 0
        self._running = 0
        self._peak = 0
        self._done = 0
        self._closed = False
        self._cancelling = False
        self.stats: BatchStats | None = None
        self._run_sum = 0.0
        self._wait_sum = 0.0
        self._last_finished = 0.0
        self._counts: dict[CallStatus, int] = {"ok": 0, "error": 0, "timeout": 0, "cancelled": 0}
        """Set when the batch concludes."""
        self._all_done: asyncio.Future[None] | None = None
        self._deadlines: deque[tuple[float, asyncio.Task[None], _Record, int]] = deque()
        self._watchdog: asyncio.TimerHandle | None = None
        self._budget = START_BURST
        """Workers this batch may still start before the loop takes a turn."""
        self._more: asyncio.Handle | None = None
        self._emit(
            trusted(
                BatchStarted,
                {
                    "t": self._now(),
                    "type": "batch_started",
                    "turn": turn,
                    "batch_id": batch_id,
                    "settings": settings,
                    "eager": eager,
                },
            )
        )

    def __len__(self) -> int:
        return len(self._records)

    @property
    def call_ids(self) -> list[str]:
        return [r.call.id for r in self._records]

    def submit(self, call: ToolCall) -> None:
        """Queue a call; it starts as soon as a slot is free."""
        if self._closed:
            raise RuntimeError(f"batch {self.batch_id} is closed")
        records = self._records
        index = len(records)
        # Calls queued and not yet taken, plus calls running, each hold a slot already.
        record = _Record(
            call, self._mono() - self._t0, len(self._queue) + self._running >= self._cap
        )
        records.append(record)
        # trusted() in two steps, here and below: one Python call less per event.
        event = new_model(CallQueued)
        set_fields(
            event,
            {
                "t": record.queued_t,
                "type": "call_queued",
                "batch_id": self.batch_id,
                "call_id": call.id,
                "tool": call.name,
                "args": record.args,
                "index": index,
            },
        )
        self._emit(event)
        self._queue.append(record)
        if self._active < self._cap:
            # At once, not in a later loop turn, up to a burst: the calls of a batch start
            # together. (Tried: starting every extra worker a turn later, for calls still waiting
            # then, saves the idle workers of a batch of instant calls but made the loop's longest
            # stall in a 1000-call batch 4 -> 7 ms.)
            if self._budget:
                self._budget -= 1
                self._active += 1
                self._workers.add(asyncio.get_running_loop().create_task(self._worker()))
            elif self._more is None:
                self._more = asyncio.get_running_loop().call_soon(self._start_more)

    def _start_more(self) -> None:
        """The next loop turn: start another burst of workers for the calls still waiting."""
        self._more = None
        if self._cancelling:
            return
        loop = asyncio.get_running_loop()
        # The workers started last turn have each taken a call by now.
        start = min(len(self._queue), self._cap - self._active, START_BURST)
        self._budget = START_BURST - start
        self._active += start
        for _ in range(start):
            self._workers.add(loop.create_task(self._worker()))
        if start == START_BURST and len(self._queue) > start and self._active < self._cap:
            self._more = loop.call_soon(self._start_more)

    async def finish(self) -> list[ToolResult]:
        """Close the batch, wait for every call, and return the results in call order."""
        self._closed = True
        if self._done < len(self._records):
            self._all_done = asyncio.get_running_loop().create_future()
            await self._all_done
        return self._conclude()

    async def cancel(self) -> list[ToolResult]:
        """Cancel queued and running calls, wait for them to drain, and return every result."""
        self._closed = True
        self._cancelling = True
        while self._queue:
            record = self._queue.popleft()
            text = cancelled_text(record.call.name, started=False)
            self._complete(record, "cancelled", text, "cancelled before it started")
        workers = list(self._workers)
        for task in workers:
            task.cancel()
        if workers:
            await asyncio.gather(*workers, return_exceptions=True)
        return self._conclude()

    # -- workers -------------------------------------------------------------------------------

    async def _worker(self) -> None:
        # The hot path of every call, kept flat on purpose: at thousands of calls per batch each extra
        # coroutine or method call shows in the overhead (benchmarks/bench_executor.py). The common
        # case (an async tool without injected faults that returns) runs inline; a failure, a retry,
        # a sync tool or a fault goes through _attempts.
        queue = self._queue
        task = asyncio.current_task()
        assert task is not None
        if not queue:
            # Its calls were taken by a sibling whose tools returned at once: leave cheaply.
            self._active -= 1
            self._workers.discard(task)
            return
        loop = asyncio.get_running_loop()
        loop_time = loop.time
        # asyncio's own loops keep time with time.monotonic(), the session clock's source: a call's
        # deadline then comes from its start time, without asking the loop again.
        same_clock = type(loop).time is asyncio.BaseEventLoop.time
        mono = time.monotonic
        t0 = self._t0
        emit = self._emit
        complete = self._complete
        batch_id = self.batch_id
        timeout = self._timeout
        deadlines = self._deadlines
        faults = self._faults
        try:
            while queue:
                record = queue.popleft()
                call = record.call
                name = call.name
                record.started_t = started = mono() - t0
                record.attempts = 1
                self._running += 1
                if self._running > self._peak:
                    self._peak = self._running
                event = new_model(CallStarted)
                set_fields(
                    event,
                    {
                        "t": started,
                        "type": "call_started",
                        "batch_id": batch_id,
                        "call_id": call.id,
                        "tool": name,
                        "args": record.args,
                        "attempt": 1,
                    },
                )
                emit(event)
                try:
                    try:
                        tool, kwargs = self._prepare(call)
                    except _Refused as refused:
                        text = str(refused)
                        complete(record, "error", text, text.removeprefix("Error: "))
                        continue
                    if not tool.is_async or (faults and name in faults):
                        await self._attempts(record, tool, kwargs, task, loop, first=1)
                        continue
                    if timeout is not None:
                        # One watchdog timer per batch, not a timer per call: every call of a
                        # batch has the same timeout, so deadlines arrive in start order.
                        deadline = (started + t0 if same_clock else loop_time()) + timeout
                        record.live = 1
                        deadlines.append((deadline, task, record, 1))
                        if self._watchdog is None:
                            self._watchdog = loop.call_at(deadline, self._expire)
                    try:
                        value = await tool.invoke(**kwargs)
                    except BaseException as exc:
                        record.live = 0
                        if await self._failed(record, exc, 1, task):
                            await self._attempts(record, tool, kwargs, task, loop, first=2)
                        continue
                    record.live = 0
                    if value is None:
                        complete(record, "ok", "null", None)
                    else:
                        self._returned(record, value)
                except asyncio.CancelledError:
                    if record.status is None:
                        text = cancelled_text(name, started=True)
                        self._complete(record, "cancelled", text, "cancelled")
                    raise
                except Exception as exc:
                    # A bug in workbench, not in the tool: the call still gets its one result (else
                    # the batch would wait for it forever), and the worker goes on.
                    log_bug(_log, "running a call failed", exc, batch=batch_id, call=call.id)
                    if record.status is None:
                        text = f"Error: workbench failed running tool '{name}': {type(exc).__name__}: {exc}"
                        self._complete(record, "error", text, text.removeprefix("Error: "))
        finally:
            self._active -= 1
            self._workers.discard(task)

    async def _attempts(
        self,
        record: _Record,
        tool: Tool,
        kwargs: dict[str, Any],
        task: asyncio.Task[None],
        loop: asyncio.AbstractEventLoop,
        *,
        first: int,
    ) -> None:
        """Run attempts ``first``, ``first + 1``, ... of a call until one concludes it."""
        timeout = self._timeout
        fault = self._faults.get(tool.name) if self._faults else None
        attempt = first
        while True:
            if timeout is not None:
                deadline = loop.time() + timeout
                record.live = attempt
                self._deadlines.append((deadline, task, record, attempt))
                if self._watchdog is None:
                    self._watchdog = loop.call_at(deadline, self._expire)
            try:
                value = await self._invoke(tool, kwargs, fault)
            except BaseException as exc:
                record.live = 0
                if await self._failed(record, exc, attempt, task):
                    attempt += 1
                    continue
                return
            record.live = 0
            self._returned(record, value)
            return

    def _returned(self, record: _Record, value: Any) -> None:
        name = record.call.name
        if value is None:
            text = "null"
        elif type(value) is str:
            text = value if len(value) <= MAX_RESULT_CHARS else result_text(value)
        else:
            try:
                text = result_text(value)
            except JunkResultError as exc:
                self._complete(record, "error", f"Error: tool '{name}' {exc}", str(exc))
                return
        self._complete(record, "ok", text, None)

    async def _failed(
        self, record: _Record, exc: BaseException, attempt: int, task: asyncio.Task[None]
    ) -> bool:
        """Conclude a failed attempt; True when the call is to be tried again (after the backoff).

        Re-raises a cancellation that is not our own deadline, and anything that is not a tool's
        failure (KeyboardInterrupt, SystemExit).
        """
        name = record.call.name
        if isinstance(exc, asyncio.CancelledError):
            if record.expired != attempt or self._cancelling:
                raise exc
            task.uncancel()
            text = timeout_text(name, self._timeout or 0.0)
            if not (self.settings.retry_on_timeout and self._may_retry(record)):
                self._complete(record, "timeout", text, text.removeprefix("Error: "))
                return False
        elif isinstance(exc, Exception):  # a tool's failure is data for the model
            text = raised_text(name, exc)
            if not self._may_retry(record):
                self._complete(record, "error", text, text.removeprefix("Error: "))
                return False
        else:
            raise exc
        await self._retry(record, text)
        return True

    def _expire(self) -> None:
        self._watchdog = None
        loop = asyncio.get_running_loop()
        now = loop.time()
        deadlines = self._deadlines
        while deadlines:
            deadline, task, record, attempt = deadlines[0]
            if record.live != attempt:  # finished (or moved on to another attempt) in time
                deadlines.popleft()
            elif deadline > now:
                self._watchdog = loop.call_at(deadline, self._expire)
                return
            else:
                deadlines.popleft()
                record.expired = attempt
                task.cancel()

    def _started(self, record: _Record, t: float) -> None:
        call = record.call
        self._emit(
            trusted(
                CallStarted,
                {
                    "t": t,
                    "type": "call_started",
                    "batch_id": self.batch_id,
                    "call_id": call.id,
                    "tool": call.name,
                    "args": record.args,
                    "attempt": record.attempts,
                },
            )
        )

    def _prepare(self, call: ToolCall) -> tuple[Tool, dict[str, Any]]:
        tool = self._ex.registry.get(call.name)
        if tool is None:
            registry = self._ex.registry
            why = registry.why_missing(call.name)
            raise _Refused(unknown_tool_text(call.name, registry.names, why))
        if call.parse_error is not None:
            raise _Refused(
                unparsable_arguments_text(call.name, call.parse_error, call.raw_arguments)
            )
        try:
            return tool, tool.validate(call.arguments)
        except ToolArgumentsError as exc:
            raise _Refused(bad_arguments_text(str(exc))) from None

    async def _invoke(self, tool: Tool, kwargs: dict[str, Any], fault: Fault | None) -> Any:
        if fault is not None:
            await self._inject(tool.name, fault)
        if tool.is_async:
            return await tool.invoke(**kwargs)
        loop = asyncio.get_running_loop()
        threads = self._ex.threads
        future = threads.submit(functools.partial(tool.invoke, **kwargs))
        threads.warm(self._cap)
        try:
            return await asyncio.wrap_future(future, loop=loop)
        except asyncio.CancelledError:
            # A timeout or a cancel: the call ends now, whether or not its thread ever returns.
            if not future.cancel():
                threads.abandon(future)
            raise

    async def _inject(self, name: str, fault: Fault) -> None:
        rng = self._ex._rng
        if fault.latency_ms is not None:
            low, high = (
                fault.latency_ms if isinstance(fault.latency_ms, tuple) else (fault.latency_ms,) * 2
            )
            await asyncio.sleep(rng.uniform(low, high) / 1000.0)
        if fault.hang:
            await asyncio.Event().wait()
        if fault.failure_rate and rng.random() < fault.failure_rate:
            raise InjectedFault(
                f"injected failure (failure_rate={fault.failure_rate:g} for '{name}')"
            )

    def _may_retry(self, record: _Record) -> bool:
        return record.attempts <= self.settings.retries and not self._cancelling

    async def _retry(self, record: _Record, error: str) -> None:
        delay = self.settings.retry_backoff_s * (2 ** (record.attempts - 1))
        call = record.call
        self._emit(
            CallRetrying(
                t=self._now(),
                batch_id=self.batch_id,
                call_id=call.id,
                tool=call.name,
                args=record.args,
                attempt=record.attempts,
                error=error.removeprefix("Error: "),
                delay_s=delay,
            )
        )
        if delay:
            await asyncio.sleep(delay)
        record.attempts += 1
        self._started(record, self._now())

    # -- completion ----------------------------------------------------------------------------

    def _complete(
        self, record: _Record, status: CallStatus, result: str, error: str | None
    ) -> None:
        record.status = status
        record.result = result
        finished = self._mono() - self._t0
        started = record.started_t
        if started is not None:
            self._running -= 1
            self._run_sum += finished - started
            if record.waits:
                self._wait_sum += started - record.queued_t
        elif record.waits:
            self._wait_sum += finished - record.queued_t
        self._last_finished = finished
        self._counts[status] += 1
        call = record.call
        event = new_model(CallFinished)
        set_fields(
            event,
            {
                "t": finished,
                "type": "call_finished",
                "batch_id": self.batch_id,
                "call_id": call.id,
                "tool": call.name,
                "args": record.args,
                "status": status,
                "result": result,
                "error": error,
                "attempts": record.attempts,
                "queued_t": record.queued_t,
                "started_t": record.started_t,
                "finished_t": finished,
            },
        )
        # Counted before the event goes out: a sink that raises must not leave the batch waiting.
        # (The waiter wakes in a later loop turn, after this event anyway.)
        self._done += 1
        all_done = self._all_done
        if all_done is not None and self._done == len(self._records) and not all_done.done():
            all_done.set_result(None)
        self._emit(event)

    def _conclude(self) -> list[ToolResult]:
        records = self._records
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        self._deadlines.clear()
        if self.stats is None:
            self.stats = self._stats()
            self._emit(
                trusted(
                    BatchFinished,
                    {
                        "t": self._now(),
                        "type": "batch_finished",
                        "turn": self.turn,
                        "batch_id": self.batch_id,
                        "stats": self.stats,
                    },
                )
            )
        results = []
        for r in records:
            result = new_model(ToolResult)
            call = r.call
            set_fields(
                result,
                {
                    "call_id": call.id,
                    "name": call.name,
                    "status": r.status or "cancelled",
                    "content": r.result,
                },
            )
            results.append(result)
        return results

    def _stats(self) -> BatchStats:
        # Accumulated in _complete, so concluding a batch of thousands of calls costs nothing extra.
        records = self._records
        wall = (self._last_finished - records[0].queued_t) if records else 0.0
        counts = self._counts
        return trusted(
            BatchStats,
            {
                "calls": len(records),
                "wall_s": wall,
                "sum_s": self._run_sum,
                "speedup": (self._run_sum / wall) if wall > 0 else 1.0,
                "peak_concurrency": self._peak,
                "wait_s": self._wait_sum,
                "ok": counts["ok"],
                "errors": counts["error"],
                "timeouts": counts["timeout"],
                "cancelled": counts["cancelled"],
            },
        )
