"""The timeline: one group per batch on its own time axis, the model's round trips between them; or,
after ``t``, each whole turn on one axis (model round trips and batches together, the idle gaps
visible) with its wall time split into model, tools, overlap and idle (workbench/render/turn_axis.py).

A Line API widget (``ScrollView`` + ``render_line``): it keeps a light index of *sections* (a turn
divider, a model round trip, a batch with its calls) with their first line, and draws only the lines in
view, so a refresh costs the same at ten calls or ten thousand. The screen calls :meth:`note` for every
model change (cheap: it only marks what moved) and :meth:`flush` from a throttled timer.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, Literal

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import var
from textual.scroll_view import ScrollView
from textual.strip import Strip

from workbench.core.events import (
    ModelRequestStarted,
    ModelResponseFinished,
    TurnFinished,
    TurnStarted,
)
from workbench.core.timeline import BatchGroup, CallRow, Change, ModelSpan, TimelineModel
from workbench.core.timeline_parts import MIN_AXIS_S
from workbench.render import bars
from workbench.render import turn_axis as ta
from workbench.tui.widgets import timeline_rows as rows

SectionKind = Literal["turn", "model", "batch", "note"]
LEGEND = "  ".join(f"{glyph} {word}" for glyph, word, _ in bars.LEGEND)
"""Shown on the border: the glyphs a first-time reader has to guess otherwise (the terminal
printer's key, word for word)."""
AXIS_LEGEND = "t: batch axes  ▒ to first token  ▓ streaming  █ batch  · idle"
AXIS_LINES = 6
"""Lines per turn on the turn axis: title, model row, tools row, split, detail, blank."""
_AXIS_STYLE = {
    ta.TTFT: "wait",
    ta.STREAM: "model",
    ta.TOOLS: "running",
    ta.IDLE: "axis",
    " ": "text",
}


@dataclass(slots=True, eq=False)
class Section:
    """A run of lines about one thing. Batch sections: [model row] header, axis, calls, blank."""

    kind: SectionKind
    turn: int
    span: ModelSpan | None = None
    batch: BatchGroup | None = None
    text: str = ""
    """A note's words (the round-trip advisor's, after its turn)."""
    start: int = 0
    height: int = 1

    @property
    def head(self) -> int:
        """Lines before the first call row of a batch section."""
        return (1 if self.span is not None else 0) + 2

    def measure(self) -> int:
        if self.batch is None:
            return 1
        return self.head + len(self.batch.calls) + 1

    @property
    def open(self) -> bool:
        if self.batch is not None:
            return not self.batch.done
        return self.span is not None and self.span.end_t is None


class Timeline(ScrollView, can_focus=True):
    """Every batch of the session, newest followed unless the user scrolled back."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "timeline--text",
        "timeline--dim",
        "timeline--header",
        "timeline--model",
        "timeline--turn",
        "timeline--axis",
        "timeline--wait",
        "timeline--running",
        "timeline--ok",
        "timeline--error",
        "timeline--timeout",
        "timeline--cancelled",
        "timeline--retry",
        "timeline--cursor",
    }

    DEFAULT_CSS = """
    Timeline {
        background: $surface;
        overflow-x: hidden;
        & > .timeline--text { color: $text; }
        & > .timeline--dim { color: $text-muted; }
        & > .timeline--header { color: $text; text-style: bold; }
        & > .timeline--model { color: $text-secondary; }
        & > .timeline--turn { color: $text-muted; }
        & > .timeline--axis { color: $text-muted; }
        & > .timeline--wait { color: $text-disabled; }
        & > .timeline--running { color: $primary; }
        & > .timeline--ok { color: $success; }
        & > .timeline--error { color: $error; }
        & > .timeline--timeout { color: $warning; }
        & > .timeline--cancelled { color: $text-disabled; }
        & > .timeline--retry { color: $warning; text-style: bold; }
        & > .timeline--cursor { background: $primary 25%; }
        &:focus > .timeline--cursor { background: $primary 45%; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Previous call", show=False),
        Binding("down", "cursor(1)", "Next call", show=False),
        Binding("pageup", "cursor(-10)", "Up 10 calls", show=False),
        Binding("pagedown", "cursor(10)", "Down 10 calls", show=False),
        Binding("home", "cursor_edge(False)", "First call", show=False),
        Binding("end", "cursor_edge(True)", "Last call (follow)", show=False),
        Binding("t", "toggle_turn_axis", "Turn axis", show=False),
    ]

    follow: var[bool] = var(True)
    """Keep the newest lines in view; off once the user scrolls back, on again at the bottom."""
    cursor: var[str | None] = var(None, init=False)
    """Id of the selected call."""
    turn_axis: var[bool] = var(False, init=False)
    """Each turn on one time axis with its split, instead of one axis per batch."""

    class CallSelected(Message):
        """The cursor moved to a call (keys, mouse, or :meth:`select_call`)."""

        def __init__(self, timeline: Timeline, call_id: str) -> None:
            super().__init__()
            self.timeline = timeline
            self.call_id = call_id

        @property
        def control(self) -> Timeline:
            return self.timeline

    def __init__(
        self,
        model: TimelineModel,
        clock: Callable[[], float],
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.model = model
        self.clock = clock
        self.sections: list[Section] = []
        self._starts: list[int] = []
        self._by_turn: dict[int, Section] = {}
        self._by_round_trip: dict[int, Section] = {}
        self._by_batch: dict[str, Section] = {}
        self._dirty_from: int | None = None
        self._open: set[int] = set()
        self._styles: dict[str, Style] = {}
        self._cursor_pos: tuple[int, int] | None = None
        self._axes = ta.TurnAxisBuilder(model)  # a view of the same fold: fed by the model
        self._axes_dirty = False
        self._axis_view: list[ta.TurnAxis] = []
        self._axis_rows: dict[tuple[int, int], tuple[str, str]] = {}
        self._paint: tuple[int, float, int] | None = None
        """What the lines of the paint in progress share (width, session time, spinner frame)."""
        self.border_subtitle = LEGEND

    # -- feeding ----------------------------------------------------------------------------------

    def reset(self, model: TimelineModel) -> None:
        self.model = model
        self.sections.clear()
        self._starts.clear()
        self._by_turn.clear()
        self._by_round_trip.clear()
        self._by_batch.clear()
        self._open.clear()
        self._cursor_pos = None
        self.cursor = None
        self._dirty_from = 0
        self._axes = ta.TurnAxisBuilder(model)  # a view of the same fold: fed by the model
        self._axes_dirty = True
        self.refresh()  # every line: flushes repaint only what changed since the last paint

    def note(self, change: Change) -> None:
        """Record what an applied event changed; drawing waits for :meth:`flush`."""
        event = change.event
        self._axes.apply(event)
        self._axes_dirty = True
        if isinstance(event, TurnStarted) and event.turn not in self._by_turn:
            self._by_turn[event.turn] = self._append(Section("turn", event.turn))
        elif isinstance(event, TurnFinished):
            divider = self._by_turn.get(event.turn)
            if divider is not None:  # its status is drawn on it
                self._open.add(self._index_of(divider))
            for text in self._advice(event.turn):
                self._append(Section("note", event.turn, text=text))
        if change.round_trip is not None and change.round_trip not in self._by_round_trip:
            span = self.model.span(change.round_trip)
            if span is not None and isinstance(event, ModelRequestStarted | ModelResponseFinished):
                batch_section = self._by_batch.get(span.batch_id or "")
                if batch_section is not None and batch_section.span is None:
                    batch_section.span = span  # the batch was seen before its round trip
                    self._by_round_trip[change.round_trip] = batch_section
                    self._dirty(batch_section)
                else:
                    self._by_round_trip[change.round_trip] = self._append(
                        Section("model", span.turn, span=span)
                    )
        if change.batch_id is not None:
            section = self._by_batch.get(change.batch_id)
            if section is None:
                batch = self.model.batch(change.batch_id)
                if batch is None:
                    return
                section = self._adopt(batch)
            self._dirty(section)
        elif change.round_trip is not None:
            section = self._by_round_trip.get(change.round_trip)
            if section is not None:
                self._dirty(section)
        if change.closed:
            for call_id in change.closed:
                row = self.model.call(call_id)
                if row is not None and row.batch_id in self._by_batch:
                    self._dirty(self._by_batch[row.batch_id])

    def _advice(self, number: int) -> list[str]:
        """The round-trip advisor's notes on a finished turn (two responses with calls at least)."""
        info = self.model.turn(number)
        if info is None or len(info.batch_ids) < 2:
            return []
        # Loaded with the first finished turn: the analysis package (and the session reader it
        # reads recordings with) is ~15 ms of imports the first frame does not need.
        from workbench.analysis import turn_from_model
        from workbench.analysis.advisor import advise_turn

        turn = turn_from_model(self.model, number)
        return [advice.sentence() for advice in advise_turn(turn)] if turn is not None else []

    def _adopt(self, batch: BatchGroup) -> Section:
        """A new batch joins the section of its round trip, or gets one of its own."""
        span = batch.model_span
        if span is not None:
            owner = self._by_round_trip.get(span.round_trip)
            if owner is not None and owner.batch is None:
                owner.kind = "batch"
                owner.batch = batch
                self._by_batch[batch.batch_id] = owner
                return owner
        section = self._append(Section("batch", batch.turn, span=None, batch=batch))
        self._by_batch[batch.batch_id] = section
        return section

    def _append(self, section: Section) -> Section:
        # Until the next flush lays it out, a new section takes no lines, just past the end: the
        # starts stay sorted, so a paint in between (Textual may paint at any time) finds every
        # older line where it was, and the flush repaints from here down.
        last = self.sections[-1] if self.sections else None
        section.start = last.start + last.height if last is not None else 0
        section.height = 0
        self.sections.append(section)
        self._starts.append(section.start)
        self._dirty(section, index=len(self.sections) - 1)
        return section

    def _dirty(self, section: Section, index: int | None = None) -> None:
        if index is None:
            index = self._index_of(section)
        if self._dirty_from is None or index < self._dirty_from:
            self._dirty_from = index
        self._open.add(index)

    def _index_of(self, section: Section) -> int:
        # Sections are appended in line order, so their starts are sorted; the newest is the usual case.
        if self.sections and self.sections[-1] is section:
            return len(self.sections) - 1
        i = bisect.bisect_right(self._starts, section.start) - 1
        while i >= 0 and self.sections[i] is not section:
            i -= 1
        return i if i >= 0 else self.sections.index(section)

    # -- drawing ----------------------------------------------------------------------------------

    def flush(self) -> None:
        """Re-measure what changed and redraw; called at most ~20 times a second."""
        if self.turn_axis:
            if self._dirty_from is not None:  # kept measured, for switching back
                self._relayout(self._dirty_from)
                self._dirty_from = None
            self._flush_axes()
            return
        moved = None
        if self._dirty_from is not None:
            moved = self._relayout(self._dirty_from)
            self._dirty_from = None
            total = self.sections[-1].start + self.sections[-1].height if self.sections else 0
            self._set_virtual_height(total)
            if self.follow:  # a scroll repaints the whole view by itself
                self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)
        self._refresh_changed(moved)
        self._open = {i for i in self._open if i < len(self.sections) and self.sections[i].open}

    def _refresh_changed(self, moved: int | None) -> None:
        """Repaint only the lines that can differ from the last paint: every line from the first
        section that moved or grew, and the sections that changed or are still running. Finished
        batches above them keep their cached lines (a finished batch's lines never change)."""
        if not self.sections or not (self._open or moved is not None):
            return
        top = self.scroll_offset.y
        bottom = top + self.scrollable_content_region.height
        if moved is not None and moved < len(self.sections):
            start = max(top, self.sections[moved].start)
            if start < bottom:
                self.refresh_lines(start, bottom - start)
        for index in self._open:
            if index >= len(self.sections) or (moved is not None and index >= moved):
                continue
            section = self.sections[index]
            start, end = max(top, section.start), min(bottom, section.start + section.height)
            if start < end:
                self.refresh_lines(start, end - start)

    def _set_virtual_height(self, height: int) -> None:
        """The scrollable height, without a layout of the whole screen unless the scrollbar comes or
        goes (never with ``overflow-y: scroll``): Textual's ``virtual_size`` asks for one on every
        change, and on a screen of four panes a layout re-arranged every widget on it and repainted
        what it touched (10-25 ms)."""
        size = Size(0, height)  # lines are cut to the width, never scrolled sideways
        if size == self.virtual_size:
            return
        view = self.container_size.height
        crosses = (self.virtual_size.height > view) != (height > view)
        if not view or (crosses and self.styles.overflow_y == "auto"):
            self.virtual_size = size
            return
        self.set_reactive(Timeline.virtual_size, size)
        self._scroll_update(size)  # the scrollbar's window and the scroll limits, as a layout does

    def _flush_axes(self) -> None:
        running = self._axes.current() is not None
        if not (self._axes_dirty or running):
            return
        self._axes_dirty = False
        now = max(self.clock(), self.model.last_t)
        self._axis_view = self._axes.axes(now=now if running else None)
        self._axis_rows.clear()
        self.virtual_size = Size(0, len(self._axis_view) * AXIS_LINES)
        if self.follow:
            self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)
        self.refresh()

    def watch_turn_axis(self, on: bool) -> None:
        self.border_subtitle = AXIS_LEGEND if on else LEGEND
        self.follow = True
        if on:
            self._axes_dirty = True
        else:
            self._dirty_from = 0
            self.refresh()  # every line was the turn axis's
        self.flush()

    def action_toggle_turn_axis(self) -> None:
        self.turn_axis = not self.turn_axis

    def _axis_line(self, line: int, width: int, style: rows.StyleFor) -> list[Segment]:
        index, offset = divmod(line, AXIS_LINES)
        if not 0 <= index < len(self._axis_view):
            return []
        axis = self._axis_view[index]
        if offset == 0:
            status = axis.status or "running"
            prompt = " ".join(axis.prompt.split())
            if len(prompt) > 40:
                prompt = prompt[:39] + "…"
            text = f"── turn {axis.turn} · {prompt} · {status} "
            return [Segment(text + "─" * max(0, width - len(text)), style("turn"))]
        if offset in (1, 2):
            cells = max(10, width - 8)
            key = (index, cells)
            strips = self._axis_rows.get(key)
            if strips is None:
                strips = self._axis_rows[key] = ta.strips(axis, cells)
            strip = strips[offset - 1]
            label = " model " if offset == 1 else " tools "
            return [
                Segment(label, style("dim")),
                *rows.styled_cells(strip, _AXIS_STYLE, style),
            ]
        if offset == 3:
            split = ta.split_line(axis)
            if len(split) >= width:
                split = ta.split_line(axis, compact=True)
            return [Segment(" " + split, style("header"))]
        if offset == 4:
            return [Segment(" " + ta.detail_line(axis), style("dim"))]
        return []

    def axis_text(self) -> list[str]:
        """The turn axis as plain text, every line of it (tests read it; drawing uses render_line)."""
        width = max(40, self.scrollable_content_region.width)
        return [
            "".join(seg.text for seg in self._axis_line(line, width, self._style))
            for line in range(len(self._axis_view) * AXIS_LINES)
        ]

    def _relayout(self, first: int) -> int | None:
        """Measure the sections from ``first`` on; the index of the first one whose lines moved
        or grew (every line from its start down may differ), or None if none did."""
        line = 0
        moved: int | None = None
        if first > 0:
            previous = self.sections[first - 1]
            line = previous.start + previous.height
        for i in range(first, len(self.sections)):
            section = self.sections[i]
            height = section.measure()
            if moved is None and (section.start != line or section.height != height):
                moved = i
            section.start = line
            self._starts[i] = line
            section.height = height
            line += height
        return moved

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            # The full style blends translucent colours ($text-muted …) over the background; a
            # partial one would draw them opaque white. Its background is dropped, so the cursor's
            # band shows through every segment of its line.
            full = self.get_component_rich_style(f"timeline--{name}")
            if name == "cursor":
                style = Style(bgcolor=full.bgcolor)
            else:
                style = Style(color=full.color) + full.without_color
            self._styles[name] = style
        return style

    def _base_style(self) -> Style:
        # ``rich_style`` walks every ancestor for the background it sits on: once per style update,
        # not once per line (four compare panes drew hundreds of lines a frame).
        base = self._styles.get("")
        if base is None:
            base = self._styles[""] = self.rich_style
        return base

    def _final_style(self, name: str) -> Style:
        """A component style already on the base, as ``Strip.apply_style(base)`` would leave it."""
        style = self._styles.get("+" + name)
        if style is None:
            style = self._styles["+" + name] = self._base_style() + self._style(name)
        return style

    def _cursor_style(self, name: str) -> Style:
        """The same on the cursor's band: ``base + (band + style)``."""
        style = self._styles.get("▶" + name)
        if style is None:
            band = self._style("cursor")
            style = self._styles["▶" + name] = self._base_style() + (band + self._style(name))
        return style

    def render_lines(self, crop: Region) -> list[Strip]:
        # What every line of one paint shares is looked up once for all of them: the width (a
        # region computed from styles), the session time and the spinner's frame.
        self._paint = self._paint_context()
        try:
            return super().render_lines(crop)
        finally:
            self._paint = None

    def _paint_context(self) -> tuple[int, float, int]:
        return (
            self.scrollable_content_region.width,
            max(self.clock(), self.model.last_t),
            int(time.monotonic() * 10),
        )

    def render_line(self, y: int) -> Strip:
        paint = self._paint or self._paint_context()
        width = paint[0]
        line = self.scroll_offset.y + y
        if self.turn_axis:
            return self._fit(self._axis_line(line, width, self._final_style), width, "")
        located = self._locate(line)
        if located is None:
            return Strip.blank(width, self._base_style())
        section, offset = located
        cursor = self._is_cursor_line(section, offset)
        style = self._cursor_style if cursor else self._final_style
        segments = self._section_line(section, offset, width, paint, style, cursor=cursor)
        return self._fit(segments, width, "▶" if cursor else "")

    def _fit(self, segments: list[Segment], width: int, band: str) -> Strip:
        """One strip of exactly ``width`` cells from segments already in their final styles: the
        same as ``crop_extend`` + ``apply_style`` gave, without the three strips in between."""
        cells = sum(cell_len(segment.text) for segment in segments)
        if cells > width:  # a long header in a narrow pane
            return Strip(segments, cells).crop(0, width)
        if cells < width:
            base = self._base_style()
            pad = (
                base
                if not band
                else base + (self._style("cursor") + (base + self._style("cursor")))
            )
            segments.append(Segment(" " * (width - cells), pad))
        return Strip(segments, width)

    def _locate(self, line: int) -> tuple[Section, int] | None:
        if not self.sections or line < 0:
            return None
        i = bisect.bisect_right(self._starts, line) - 1
        if i < 0:
            return None
        section = self.sections[i]
        offset = line - section.start
        if offset >= section.height:
            return None
        return section, offset

    def _section_line(
        self,
        section: Section,
        offset: int,
        width: int,
        paint: tuple[int, float, int],
        style: rows.StyleFor,
        *,
        cursor: bool = False,
    ) -> list[Segment]:
        _, now, frame = paint
        if section.kind == "turn":
            turn = self.model.turn(section.turn)
            return rows.turn_line(turn, width, style) if turn is not None else []
        if section.kind == "note":
            return [Segment(f" advice: {section.text}", style("model"))]
        if section.span is not None:
            if offset == 0:
                return rows.span_line(section.span, now, frame, style)
            offset -= 1
        batch = section.batch
        if batch is None:
            return []
        if offset == 0:
            return rows.batch_header(batch, now, style)
        label_w, bar_w = self._columns(width)
        axis = self._axis(batch, now, bar_w)
        if offset == 1:
            settings = rows.settings_label(batch, label_w)
            return [
                Segment(" " + settings.ljust(label_w) + " ", style("dim")),
                *rows.axis_line(axis, style),
            ]
        index = offset - 2
        if index >= len(batch.calls):
            return []
        row = batch.calls[index]
        status, status_style = rows.call_status(row, now, frame)
        label = rows.call_label(row, label_w)
        # A mark as well as the band: the band's colour alone can be lost next to a bar's.
        return [
            Segment(("▶" if cursor else " ") + label.ljust(label_w) + " ", style("text")),
            *rows.call_bar(row, axis, now, style),
            Segment(" " + status, style(status_style)),
        ]

    def _columns(self, width: int) -> tuple[int, int]:
        label_w = max(14, min(40, width * 35 // 100))
        bar_w = max(8, width - label_w - 3 - rows.STATUS_WIDTH)
        return label_w, bar_w

    @staticmethod
    def _axis(batch: BatchGroup, now: float, width: int) -> bars.Axis:
        start, end = batch.axis()
        if not batch.done:
            end = max(end, now)
        return bars.Axis(start, max(end, start + MIN_AXIS_S), width)

    # -- the cursor ---------------------------------------------------------------------------------

    def _is_cursor_line(self, section: Section, offset: int) -> bool:
        pos = self._cursor_position()
        if pos is None:
            return False
        index, row = pos
        return self.sections[index] is section and offset == section.head + row

    def _cursor_position(self) -> tuple[int, int] | None:
        """(section index, row index) of the cursor call, re-found if rows moved."""
        if self.cursor is None:
            return None
        pos = self._cursor_pos
        if pos is not None:
            index, row = pos
            if index < len(self.sections):
                batch = self.sections[index].batch
                if (
                    batch is not None
                    and row < len(batch.calls)
                    and batch.calls[row].call_id == self.cursor
                ):
                    return pos
        call = self.model.call(self.cursor)
        if call is None or call.batch_id not in self._by_batch:
            return None
        section = self._by_batch[call.batch_id]
        assert section.batch is not None
        for row, candidate in enumerate(section.batch.calls):
            if candidate is call:
                self._cursor_pos = (self._index_of(section), row)
                return self._cursor_pos
        return None

    def select_call(self, call_id: str, *, scroll: bool = True) -> bool:
        """Put the cursor on a call (a chip was clicked, say). False if the call is unknown."""
        if self.model.call(call_id) is None:
            return False
        if self._dirty_from is not None:
            self.flush()
        self.cursor = call_id
        self._cursor_pos = None
        if scroll:
            self._scroll_to_cursor()
        return True

    def watch_cursor(self, old: str | None, new: str | None) -> None:
        self.refresh()
        if new is not None:
            self.post_message(self.CallSelected(self, new))

    def _scroll_to_cursor(self) -> None:
        pos = self._cursor_position()
        if pos is None:
            return
        section = self.sections[pos[0]]
        line = section.start + section.head + pos[1]
        self.scroll_to_region(
            Region(0, line, 1, 1), animate=False, immediate=True, force=True, spacing=None
        )

    def action_cursor(self, delta: int) -> None:
        if self.turn_axis:  # no calls on the turn axis: the keys scroll
            self.scroll_relative(y=delta, animate=False)
            return
        pos = self._cursor_position()
        if pos is None:
            self.action_cursor_edge(last=delta < 0)
            return
        target = self._step(pos, delta)
        if target is not None:
            self._move_to(target)

    def action_cursor_edge(self, last: bool) -> None:
        if self.turn_axis:
            if last:
                self.scroll_end(animate=False)
            else:
                self.scroll_home(animate=False)
            return
        indices = range(len(self.sections) - 1, -1, -1) if last else range(len(self.sections))
        for index in indices:
            batch = self.sections[index].batch
            if batch is not None and batch.calls:
                self._move_to((index, len(batch.calls) - 1 if last else 0))
                if last:  # End also means "follow the newest again"
                    self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)
                return

    def _step(self, pos: tuple[int, int], delta: int) -> tuple[int, int] | None:
        index, row = pos
        step = 1 if delta > 0 else -1
        remaining = abs(delta)
        last_valid: tuple[int, int] | None = None
        while remaining:
            batch = self.sections[index].batch
            assert batch is not None
            if 0 <= row + step < len(batch.calls):
                row += step
                remaining -= 1
                last_valid = (index, row)
                continue
            index += step
            while 0 <= index < len(self.sections):
                candidate = self.sections[index].batch
                if candidate is not None and candidate.calls:
                    break
                index += step
            else:
                return last_valid
            batch = self.sections[index].batch
            assert batch is not None
            row = 0 if step > 0 else len(batch.calls) - 1
            remaining -= 1
            last_valid = (index, row)
        return last_valid

    def _move_to(self, pos: tuple[int, int]) -> None:
        batch = self.sections[pos[0]].batch
        assert batch is not None
        self._cursor_pos = pos
        self.cursor = batch.calls[pos[1]].call_id
        self._scroll_to_cursor()

    async def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or self.turn_axis:
            return
        located = self._locate(self.scroll_offset.y + offset.y)
        if located is None:
            return
        section, line = located
        if section.batch is not None:
            row = line - section.head
            if 0 <= row < len(section.batch.calls):
                self._move_to((self._index_of(section), row))

    def on_resize(self) -> None:
        if self.follow:
            self.call_after_refresh(self.scroll_end, animate=False, x_axis=False, force=True)

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self.follow = new >= self.max_scroll_y - 1

    def selected_call(self) -> CallRow | None:
        return self.model.call(self.cursor) if self.cursor is not None else None
