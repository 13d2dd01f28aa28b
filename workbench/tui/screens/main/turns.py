"""One turn at a time: the exclusive worker that iterates the runtime into the view, and Esc.

The worker only iterates the runtime's events and feeds them to the view; its one broad catch is the
worker boundary. Cancelling asks the runtime first, whose cleanup events still arrive; a second Esc,
or a runtime that cannot cancel, cancels the worker and closes the open turn from the model.
"""

from __future__ import annotations

import asyncio
from contextlib import aclosing
from typing import TYPE_CHECKING

from textual.worker import WorkerState

from workbench import gcpolicy
from workbench.core.events import TurnFinished, TurnStats, TurnStatus
from workbench.tui.ports import RuntimeLike
from workbench.tui.screens.main.view import SessionView

if TYPE_CHECKING:
    from workbench.tui.screens.main.screen import MainScreen

GROUP = "turn"


class TurnRunner:
    def __init__(self, host: MainScreen, view: SessionView) -> None:
        self.host = host
        self.view = view
        self._cancel_requested = False

    @property
    def running(self) -> bool:
        return any(
            w.group == GROUP
            and w.node is self.host
            and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
            for w in self.host.workers
        )

    def start(self, runtime: RuntimeLike, prompt: str) -> None:
        self._cancel_requested = False
        self.host.workbench.turn_completed.clear()
        self.view.clock.rate = 1.0
        self.host.run_worker(
            self._run(runtime, prompt),
            group=GROUP,
            exclusive=True,
            exit_on_error=False,
            description="model turn",
        )

    async def _run(self, runtime: RuntimeLike, prompt: str) -> None:
        status: TurnStatus = "error"
        try:
            async with aclosing(runtime.run_turn(prompt)) as events:
                async for event in events:
                    await self.view.feed(event)
                    if isinstance(event, TurnFinished):
                        status = event.status
        except asyncio.CancelledError:
            status = "cancelled"
            await self._close_cancelled_turn()
            raise
        except (
            Exception
        ) as exc:  # the worker boundary: any failure is shown and the session goes on
            await self.view.panes.chat.add_note(f"Turn failed: {exc}", kind="error")
            self.host.notify(str(exc), title="Turn failed", severity="error")
        finally:
            self.view.clock.rate = 0.0
            self.view.mark_totals()
            self.host.post_message(self.host.TurnCompleted(status))
            self.host.workbench.turn_completed.set()
            gcpolicy.settle()  # now, while the user reads, rather than in the next batch

    def cancel(self, runtime: RuntimeLike | None) -> None:
        """Esc: ask the runtime to cancel (its cleanup events still arrive); a second Esc, or a
        runtime that cannot, cancels the worker and closes the turn here."""
        if not self.running:
            return
        if not self._cancel_requested and runtime is not None and runtime.cancel_turn():
            self._cancel_requested = True
            self.host.notify("Cancelling the turn…", severity="warning", timeout=3)
            return
        self.host.workers.cancel_group(self.host, GROUP)
        self.host.notify("Turn cancelled.", severity="warning", timeout=3)

    async def _close_cancelled_turn(self) -> None:
        """The runtime records the cancellation, but a closed iterator yields nothing more: close the
        open turn here the same way, so running calls show as cancelled."""
        model = self.view.model
        turn = next((t for t in reversed(model.turns) if t.status is None), None)
        if turn is None:
            return
        now = max(self.view.clock.now(), model.last_t)
        spans = [s for s in model.model_spans if s.turn == turn.turn]
        batches = [b for b in model.batches if b.turn == turn.turn]
        await self.view.feed(
            TurnFinished(
                t=now,
                turn=turn.turn,
                status="cancelled",
                text="",
                stats=TurnStats(
                    round_trips=len(spans),
                    model_time_s=sum((s.end_t or now) - s.start_t for s in spans),
                    tool_time_s=sum(b.effective_stats().wall_s for b in batches),
                    wall_s=now - turn.started_t,
                    batches=len(batches),
                    calls=sum(len(b.calls) for b in batches),
                    usage=model.totals.usage,
                ),
            )
        )
