"""One turn at a time: the exclusive worker that iterates the runtime into a pane, and Esc.

The worker only iterates the runtime's events and hands them to ``feed``; its one broad catch is the
worker boundary. Cancelling asks the runtime first, whose cleanup events still arrive through the
iterator; a second Esc, or a runtime that cannot cancel, cancels the worker, which closes the
iterator: the loop then cleans up (cancelled calls, ``turn_finished``) into its sinks only, and
:class:`TurnTap`, one of those sinks, hands over what the iterator did not. The UI never makes up a
core event.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass

from textual.worker import Worker, WorkerState

from workbench import gcpolicy
from workbench.core.events import Event, TurnFinished, TurnStatus
from workbench.tui.ports import Notify, RuntimeLike, RunWorker

GROUP = "turn"


class TurnTap:
    """A runtime sink that holds the events of the running turn until the turn's iterator yields
    them; what is left when the turn ends (a closed iterator's cleanup) is :meth:`end`'s."""

    def __init__(self) -> None:
        self._pending: deque[Event] = deque()
        self.active = False
        """Whether a turn is being tapped: its events will reach the pane through the turn."""

    def __call__(self, event: Event) -> None:
        if self.active:
            self._pending.append(event)

    def begin(self) -> None:
        self._pending.clear()
        self.active = True

    def seen(self, event: Event) -> None:
        """The iterator yielded ``event``: it, and anything before it, is handled."""
        pending = self._pending
        while pending:
            if pending.popleft() is event:
                return

    def end(self) -> list[Event]:
        """Stop tapping; the events the iterator never yielded, in order."""
        self.active = False
        left = list(self._pending)
        self._pending.clear()
        return left


@dataclass(frozen=True)
class TurnPorts:
    """What a turn needs from the screen that runs it."""

    feed: Callable[[Event], Awaitable[None]]
    """Draw one event (the pane, and whatever the screen follows)."""
    note: Callable[[str], Awaitable[None]]
    """Add an error line to the transcript."""
    notify: Notify
    run_worker: RunWorker
    started: Callable[[], None]
    finished: Callable[[TurnStatus], None]
    """The turn ended, however it ended (after its last event was fed)."""


class TurnRunner:
    def __init__(self, ports: TurnPorts) -> None:
        self.ports = ports
        self.tap = TurnTap()
        self._worker: Worker[None] | None = None
        self._cancel_requested = False

    @property
    def running(self) -> bool:
        worker = self._worker
        return worker is not None and worker.state in (WorkerState.PENDING, WorkerState.RUNNING)

    def watch(self, runtime: RuntimeLike) -> None:
        """Tap a newly started runtime (once per runtime)."""
        runtime.add_sink(self.tap)

    def start(self, runtime: RuntimeLike, prompt: str) -> None:
        self._cancel_requested = False
        self.ports.started()
        self.tap.begin()
        self._worker = self.ports.run_worker(self._run(runtime, prompt), GROUP)

    async def _run(self, runtime: RuntimeLike, prompt: str) -> None:
        feed = self.ports.feed
        status: TurnStatus = "error"
        try:
            async with aclosing(runtime.run_turn(prompt)) as events:
                async for event in events:
                    self.tap.seen(event)
                    await feed(event)
                    if isinstance(event, TurnFinished):
                        status = event.status
        except asyncio.CancelledError:
            status = "cancelled"
            raise
        except (
            Exception
        ) as exc:  # the worker boundary: any failure is shown and the session goes on
            await self.ports.note(f"Turn failed: {exc}")
            self.ports.notify(str(exc), title="Turn failed", severity="error")
        finally:
            # The iterator is closed by now, so the loop's cleanup is in the tap.
            for event in self.tap.end():
                await feed(event)
                if isinstance(event, TurnFinished):
                    status = event.status
            self.ports.finished(status)
            gcpolicy.settle()  # now, while the user reads, rather than in the next batch

    def cancel(self, runtime: RuntimeLike | None) -> None:
        """Esc: ask the runtime to cancel (its cleanup events still arrive); a second Esc, or a
        runtime that cannot, cancels the worker."""
        if not self.running:
            return
        if not self._cancel_requested and runtime is not None and runtime.cancel_turn():
            self._cancel_requested = True
            self.ports.notify("Cancelling the turn…", severity="warning", timeout=3)
            return
        if self._worker is not None:
            self._worker.cancel()
        self.ports.notify("Turn cancelled.", severity="warning", timeout=3)
