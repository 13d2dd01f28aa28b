"""Drawing a session: each core event applied to the timeline model and to every pane that shows it.

Live turns and replays both come through :meth:`SessionView.feed`, so a replay draws what the live
run drew. Events that touch the timeline, the selected call or the totals only mark them dirty;
:meth:`SessionView.redraw`, on the screen's timer, draws them at most ``REFRESH_HZ`` times a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from textual.notifications import SeverityLevel
from textual.widgets import Static

from workbench.core.events import (
    BatchStarted,
    CallFinished,
    CallQueued,
    CallRetrying,
    CallStarted,
    ErrorEvent,
    Event,
    ModelRequestStarted,
    Notice,
    SettingsChanged,
    TextDelta,
    ToolCallEmitted,
    TurnFinished,
    TurnStarted,
)
from workbench.core.timeline import TimelineModel
from workbench.render.format import describe_changes
from workbench.tui import format as fmt
from workbench.tui.clock import SessionClock
from workbench.tui.widgets.chat import ChatView
from workbench.tui.widgets.details import CallDetails
from workbench.tui.widgets.knobs import Knobs
from workbench.tui.widgets.timeline import Timeline

REFRESH_HZ = 20
"""How often the timeline, details and totals redraw at most; events only mark them dirty."""


class Notify(Protocol):
    def __call__(
        self, message: str, *, title: str = "", severity: SeverityLevel = "information"
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class Panes:
    """The widgets a session draws into."""

    knobs: Knobs
    chat: ChatView
    timeline: Timeline
    details: CallDetails
    totals: Static


class SessionView:
    """The model of one session and the panes that show it; replaced wholesale by :meth:`reset`."""

    def __init__(self, *, replay: bool, notify: Notify) -> None:
        self.replay = replay
        """A replay shows each batch's recorded settings on the (read-only) knobs."""
        self.model = TimelineModel()
        self.clock = SessionClock()
        self._notify = notify
        self._panes: Panes | None = None
        self._details_dirty = False
        self._totals_dirty = True

    def attach(self, panes: Panes) -> None:
        """Called once the screen is composed."""
        self._panes = panes

    @property
    def panes(self) -> Panes:
        assert self._panes is not None, "attach() the panes first"
        return self._panes

    async def feed(self, event: Event) -> None:
        """Apply one core event to the model and to every widget that shows it."""
        panes = self.panes
        self.clock.observe(event.t)
        change = self.model.apply(event)
        panes.timeline.note(change)
        selected = panes.details.call_id
        if selected is not None and (change.call_id == selected or selected in change.closed):
            self._details_dirty = True
        if change.session:
            self._totals_dirty = True
        chat = panes.chat
        match event:
            case TurnStarted():
                await chat.add_user(event.prompt)
            case ModelRequestStarted():
                await chat.new_response()
                if self.replay:
                    panes.knobs.show_emission(event.emission)
            case TextDelta():
                await chat.append_text(event.text)
            case ToolCallEmitted() | CallQueued():
                await chat.add_call(event.call_id, event.tool, event.args)
            case CallStarted() | CallRetrying() | CallFinished():
                row = self.model.call(event.call_id)
                if row is not None:
                    ran = row.done and row.started_t is not None
                    chat.set_call_state(row.call_id, row.state, row.run_s if ran else None)
            case BatchStarted() if self.replay:
                panes.knobs.show_execution(event.settings)
            case TurnFinished():
                for call_id in change.closed:
                    chat.set_call_state(call_id, "cancelled")
                await chat.end_turn()
                if event.status != "completed":
                    await chat.add_note(f"Turn {event.turn} {event.status}.", kind="warning")
            case SettingsChanged():
                panes.knobs.show(event.settings)
                changes = describe_changes(event.changes)
                await chat.add_note(f"⚙ {changes} (from the next request or batch)")
            case Notice():
                await chat.add_note(event.message, kind=event.level)
            case ErrorEvent():
                await chat.add_note(f"{event.kind}: {event.message}", kind="error")
                self._notify(event.message, title=event.kind, severity="error")
            case _:
                pass

    async def reset(self) -> None:
        """A new session (another profile): empty model, timeline, transcript and details."""
        panes = self.panes
        self.model = TimelineModel()
        self.clock.reset()
        panes.timeline.reset(self.model)
        await panes.chat.clear()
        panes.details.show(None, None, 0.0)
        self._totals_dirty = True

    def mark_totals(self) -> None:
        self._totals_dirty = True

    def redraw(self, *, busy: bool) -> None:
        """Draw what changed since the last call; while ``busy`` the totals follow the clock."""
        self.panes.timeline.flush()
        if self._details_dirty:
            self._details_dirty = False
            self.show_selected()
        if self._totals_dirty or busy:
            self._totals_dirty = False
            self._show_totals()

    def show_selected(self) -> None:
        """Show the call under the timeline's cursor in the details pane."""
        panes = self.panes
        row = panes.timeline.selected_call()
        batch = self.model.batch(row.batch_id) if row is not None else None
        panes.details.show(row, batch, self.clock.now())

    def _show_totals(self) -> None:
        totals = self.model.totals
        failures = f" · [red]{totals.failures} failed[/]" if totals.failures else ""
        # Most telling first: a narrow terminal cuts the end of the line. The line's size is fixed
        # (main.tcss), so no layout pass: this runs 20 times a second during a turn.
        self.panes.totals.update(
            f"round trips {totals.round_trips} · {totals.calls} calls in {totals.batches} batches"
            f"{failures} · model {fmt.seconds(totals.model_time_s)}"
            f" · tools {fmt.seconds(totals.tool_time_s)} · {fmt.tokens(totals.usage)}",
            layout=False,
        )
