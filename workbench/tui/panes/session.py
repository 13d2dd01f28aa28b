"""One session's events drawn: chat, timeline, call details and totals, in one widget.

A :class:`SessionPane` owns its view of one session: the timeline model, a session clock, and the four
panes that show them. It knows nothing of runtimes, files or screens; it is fed core events, one at a
time (:meth:`SessionPane.feed`) or from a stream (:meth:`SessionPane.follow`), so a live turn, a replay
and a compare variant all draw the same way. Several can sit on one screen; each redraws itself at
most :data:`REFRESH_HZ` times a second (a :class:`RedrawRota` takes them in turn, one a frame),
and queries only its own children.

Standalone, from any stream of events (live or replay)::

    pane = SessionPane(replay=True, id="variant-a")
    await container.mount(pane)
    pane.follow(replay_events(loaded.events, ReplayController(speed=None)))

What the pane shows outside itself (knobs, a status line) is the screen's: a screen that wants to
follow the settings calls :meth:`SessionPane.feed` and looks at the same event. Where several panes
share a row, ``classes="-timeline-only"`` hides the chat column; the transcript is kept, and written
when :meth:`SessionPane.show_chat` shows it.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Awaitable, Callable, Iterable, Sequence
from functools import partial
from typing import Any, Protocol

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import Worker

from workbench.core.events import (
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
from workbench.core.timeline import Change, TimelineModel
from workbench.render.format import plural, settings_line
from workbench.render.safe import safe_event
from workbench.tui import format as fmt
from workbench.tui.advice import turn_advice
from workbench.tui.clock import SessionClock
from workbench.tui.widgets.chat import ChatView, ToolChip
from workbench.tui.widgets.details import CallDetails
from workbench.tui.widgets.timeline import Timeline
from workbench.tui.widgets.turn_axis import TurnAxisView

REFRESH_HZ = 20
"""How often the timeline, details and totals redraw at most; events only mark them dirty."""
FRAME_HZ = 60
"""Textual's frame rate (``TEXTUAL_FPS``' default): a rota hands out at most one redraw a frame."""


class Ticking(Protocol):
    def tick(self) -> None: ...


class RedrawRota:
    """Redraws several panes in turn, one per frame, instead of all of them in the same frame.

    Each pane redraws at :data:`REFRESH_HZ`, or at ``FRAME_HZ / len(panes)`` when that is less
    (four panes: 15 a second each), so a frame pays for one pane's changed lines, not four's: on the
    compare screen, four panes on their own timers fired together and made the longest frames.
    The owner starts it with ``set_interval(rota.period, rota.tick)`` once the panes are mounted.
    """

    def __init__(self, panes: Sequence[Ticking]) -> None:
        self.panes = list(panes)
        self._next = 0

    @property
    def period(self) -> float:
        return max(1 / FRAME_HZ, 1 / (REFRESH_HZ * max(1, len(self.panes))))

    def tick(self) -> None:
        if not self.panes:
            return
        pane = self.panes[self._next % len(self.panes)]
        self._next += 1
        pane.tick()


class SessionPane(Horizontal):
    """Chat (and whatever the screen puts under it) on the left; timeline, call, totals on the right."""

    DEFAULT_CSS = """
    SessionPane {
        height: 1fr;
        & > #left { width: 36%; min-width: 40; }
        & > #right { width: 1fr; }
        & #chat, & #timeline, & #turn-axis, & #details {
            border: round $border-blurred;
            border-title-color: $text-muted;
            border-subtitle-color: $text-muted;  /* the timeline's legend, readable unfocused too */
            &:focus-within { border: round $border; }
        }
        & #chat { height: 1fr; }
        & #timeline, & #turn-axis { height: 2fr; }
        & #turn-axis { display: none; }
        &.-turn-axis #turn-axis { display: block; }
        &.-turn-axis #timeline { display: none; }
        & #details { height: 1fr; min-height: 8; }
        & #totals { height: 1; width: 1fr; padding: 0 1; color: $text-muted; }
        &.-timeline-only > #left { display: none; }
    }
    """

    def __init__(
        self,
        *,
        replay: bool = False,
        under_chat: Iterable[Widget] = (),
        own_timer: bool = True,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.replay = replay
        """A recorded session: its events come at the recording's pace (nothing else differs)."""
        self.own_timer = own_timer
        """Redraw on a timer of its own at :data:`REFRESH_HZ`; if not, the screen calls :meth:`tick`
        (a screen of several panes spreads them over frames: see :class:`RedrawRota`)."""
        self.model = TimelineModel()
        self._last_event: Event | None = None
        self.clock = SessionClock()
        """Session time for open bars; whoever feeds the pane sets its rate (0 while idle)."""
        self.clock.rate = 0.0
        self._under_chat = list(under_chat)
        # Built here rather than looked up: feed() touches them for every event.
        self.chat = ChatView(id="chat")
        self.timeline = Timeline(self.model, self.clock.now, id="timeline")
        self.turn_axis = TurnAxisView(self.model, self.clock.now, id="turn-axis")
        """Each turn on one axis; shown instead of the timeline after ``t``."""
        self.details = CallDetails(id="details")
        self.totals = Static("", id="totals")
        self._details_dirty = False
        self._totals_dirty = True
        self._chat_backlog: list[Callable[[], Awaitable[None]]] | None = (
            [] if self.has_class("-timeline-only") else None
        )
        """While the chat is hidden: what is yet to be written to it, in order (see show_chat)."""

    # -- layout -----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="left"):
            yield self.chat
            yield from self._under_chat
        with Vertical(id="right"):
            yield self.timeline
            yield self.turn_axis
            yield self.details
            yield self.totals

    def on_mount(self) -> None:
        self.chat.border_title = "Chat"
        self.timeline.border_title = "Timeline"
        self.turn_axis.border_title = "Timeline · turn axis"
        self.details.border_title = "Call"
        if self.own_timer:
            self.set_interval(1 / REFRESH_HZ, self.tick)

    # -- events -----------------------------------------------------------------------------------

    async def feed(self, event: Event) -> None:
        """Apply one core event to the model and to every widget that shows it."""
        event = safe_event(event)  # text from tools and models is shown, never obeyed
        self.clock.observe(event.t)
        self._last_event = event
        change = self.model.apply(event)
        self.timeline.note(change)
        self.turn_axis.note(event)
        if isinstance(event, TurnFinished):
            for text in turn_advice(self.model, event.turn):
                self.timeline.add_note(event.turn, text)
        selected = self.details.call_id
        if selected is not None and (change.call_id == selected or selected in change.closed):
            self._details_dirty = True
        if change.session:
            self._totals_dirty = True
        if isinstance(event, ErrorEvent):
            self.notify(event.message, title=event.kind, severity="error")
        await self._chat_write(self._write_chat, event, change.closed)

    async def _write_chat(self, event: Event, closed: tuple[str, ...]) -> None:
        chat = self.chat
        match event:
            case TurnStarted():
                await chat.add_user(event.prompt)
            case ModelRequestStarted():
                await chat.new_response()
            case TextDelta():
                await chat.append_text(event.text)
            case ToolCallEmitted() | CallQueued():
                await chat.add_call(event.call_id, event.tool, event.args)
            case CallStarted() | CallRetrying() | CallFinished():
                row = self.model.call(event.call_id)
                if row is not None:
                    ran = row.done and row.started_t is not None
                    chat.set_call_state(row.call_id, row.state, row.run_s if ran else None)
            case TurnFinished():
                for call_id in closed:
                    chat.set_call_state(call_id, "cancelled")
                await chat.end_turn()
                if event.status != "completed":
                    await chat.add_note(f"Turn {event.turn} {event.status}.", kind="warning")
            case SettingsChanged():
                await chat.add_note(settings_line(event))
            case Notice():
                await chat.add_note(event.message, kind=event.level)
            case ErrorEvent():
                await chat.add_note(f"{event.kind}: {event.message}", kind="error")
            case _:
                pass

    @property
    def chat_shown(self) -> bool:
        return self._chat_backlog is None

    async def show_chat(self, shown: bool = True) -> None:
        """Show the chat column (it is written up to now first) or hide it (the ``-timeline-only``
        class). While hidden, the transcript is kept as the events it is written from and no chat
        widget is built: on a screen of four panes, mounting messages and tool chips nobody could
        see cost a layout of the whole screen each time."""
        self.set_class(not shown, "-timeline-only")
        if not shown:
            if self._chat_backlog is None:
                self._chat_backlog = []
            return
        backlog, self._chat_backlog = self._chat_backlog or [], None
        for write in backlog:
            await write()

    async def _chat_write(
        self, write: Callable[..., Awaitable[None]], *args: Any, **kwargs: Any
    ) -> None:
        if self._chat_backlog is None:
            await write(*args, **kwargs)
        else:
            self._chat_backlog.append(partial(write, *args, **kwargs))

    def follow(self, events: AsyncIterable[Event], *, description: str = "session") -> Worker[None]:
        """Feed every event of ``events`` in a worker of this pane; the clock runs meanwhile."""

        async def run() -> None:
            self.clock.rate = 1.0
            try:
                async for event in events:
                    await self.feed(event)
            finally:
                self.clock.rate = 0.0
                self.mark_totals()

        return self.run_worker(
            run(), group="follow", exclusive=True, exit_on_error=False, description=description
        )

    async def reset(self) -> None:
        """A new session (another profile): empty model, timeline, transcript and details."""
        self.model = TimelineModel()
        self._last_event = None
        self.clock.reset()
        self.timeline.reset(self.model)
        self.turn_axis.reset(self.model)
        await self.chat.clear()
        if self._chat_backlog is not None:
            self._chat_backlog.clear()
        self.details.show(None, None, 0.0)
        self._totals_dirty = True

    async def add_note(self, text: str, *, kind: str = "info") -> None:
        """A line in the transcript that is not an event (a welcome, why a file cannot load)."""
        await self._chat_write(self.chat.add_note, text, kind=kind)

    async def end_of_recording(self) -> None:
        """A recording replayed to its end: a turn it cut short (the run was killed or crashed) is
        shown so, the batch that was running with its calls unfinished, and said in the chat."""
        interruption = self.model.end()
        last = self._last_event
        if interruption is None or last is None:
            return
        sentence = interruption.sentence()
        for batch in interruption.batches:
            # Redraw the batch (its calls are unfinished now), on behalf of the last event.
            if not isinstance(last, TurnFinished):
                self.timeline.note(Change(last, batch.turn, None, None, batch.batch_id))
            for row in batch.calls:
                if row.state == "unfinished":
                    self.chat.set_call_state(row.call_id, row.state)
        await self.add_note(sentence, kind="error")
        self.notify(sentence, title="Recording cut short", severity="warning")
        self.mark_totals()

    def mark_totals(self) -> None:
        self._totals_dirty = True

    # -- the turn axis ----------------------------------------------------------------------------

    @property
    def showing_turn_axis(self) -> bool:
        return self.has_class("-turn-axis")

    def show_turn_axis(self, on: bool | None = None) -> None:
        """Each turn on one axis instead of the batch timeline (None: switch); focus follows."""
        on = not self.showing_turn_axis if on is None else on
        had_focus = self.timeline.has_focus or self.turn_axis.has_focus
        self.set_class(on, "-turn-axis")
        if on:
            self.turn_axis.flush(self.model.last_t)
        else:
            self.timeline.flush()
        if had_focus:
            (self.turn_axis if on else self.timeline).focus()

    def on_timeline_turn_axis_requested(self, event: Timeline.TurnAxisRequested) -> None:
        event.stop()
        self.show_turn_axis(True)

    def on_turn_axis_view_toggled(self, event: TurnAxisView.Toggled) -> None:
        event.stop()
        self.show_turn_axis(False)

    # -- the user's selection ---------------------------------------------------------------------

    def on_timeline_call_selected(self) -> None:
        self.show_selected()

    def on_tool_chip_selected(self, event: ToolChip.Selected) -> None:
        event.stop()
        if self.timeline.select_call(event.call_id):
            self.timeline.focus()

    def show_selected(self) -> None:
        """Show the call under the timeline's cursor in the details pane."""
        row = self.timeline.selected_call()
        batch = self.model.batch(row.batch_id) if row is not None else None
        self.details.show(row, batch, self.clock.now())

    # -- drawing ----------------------------------------------------------------------------------

    def tick(self) -> None:
        """A redraw as the timer does it: the totals follow the clock while the session runs."""
        self.redraw(busy=self.clock.rate > 0)

    def redraw(self, *, busy: bool) -> None:
        """Draw what changed since the last call; while ``busy`` the totals follow the clock."""
        self.timeline.flush()
        if self.showing_turn_axis:
            self.turn_axis.flush(self.model.last_t)
        if self._details_dirty:
            self._details_dirty = False
            self.show_selected()
        if self._totals_dirty or busy:
            self._totals_dirty = False
            self._show_totals()

    def _show_totals(self) -> None:
        totals = self.model.totals
        failures = f" · [red]{totals.failures} failed[/]" if totals.failures else ""
        # Most telling first: a narrow terminal cuts the end of the line. The line's size is fixed
        # (DEFAULT_CSS), so no layout pass: this runs 20 times a second during a turn.
        self.totals.update(
            f"round trips {totals.round_trips} · {plural(totals.calls, 'call')} in "
            f"{plural(totals.batches, 'batch')}"
            f"{failures} · model {fmt.duration(totals.model_time_s)}"
            f" · tools {fmt.duration(totals.tool_time_s)} · {fmt.tokens(totals.usage)}",
            layout=False,
        )
