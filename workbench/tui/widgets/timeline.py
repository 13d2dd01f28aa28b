"""The timeline: one group per batch on its own time axis, the model's round trips between them,
and the notes the pane adds (the round-trip advisor's, after a turn). ``t`` asks for the turn axis
instead (:mod:`workbench.tui.widgets.turn_axis`, a widget of its own; the pane switches).

A Line API widget (``ScrollView`` + ``render_line``) over a :class:`~workbench.tui.timeline_index.
SectionIndex`, which keeps each section's first line, so only the lines in view are drawn and a
refresh costs the same at ten calls or ten thousand. The pane calls :meth:`note` for every model
change (cheap: it only marks what moved) and :meth:`flush` from a throttled timer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region
from textual.message import Message
from textual.reactive import var
from textual.scroll_view import ScrollView
from textual.strip import Strip

from workbench.core.timeline import BatchGroup, CallRow, Change, TimelineModel
from workbench.core.timeline_parts import MIN_AXIS_S
from workbench.render import bars
from workbench.tui.textual_adapter import set_scroll_height
from workbench.tui.timeline_index import NOTE_PREFIX, Position, Section, SectionIndex
from workbench.tui.widgets import timeline_rows as rows

LEGEND = "  ".join(f"{glyph} {word}" for glyph, word, _ in bars.LEGEND)
"""Shown on the border: the glyphs a first-time reader has to guess otherwise (the terminal
printer's key, word for word)."""
MIN_LABEL, MAX_LABEL = 8, 60
"""A call label's width: as long as the longest in its batch, within these and the room left."""


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
        Binding("t", "toggle_turn_axis", "Turn axis", show=False),  # ctrl+t is in the footer
    ]

    follow: var[bool] = var(True)
    """Keep the newest lines in view; off once the user scrolls back, on again at the bottom."""
    cursor: var[str | None] = var(None, init=False)
    """Id of the selected call."""

    class CallSelected(Message):
        """The cursor moved to a call (keys, mouse, or :meth:`select_call`)."""

        def __init__(self, timeline: Timeline, call_id: str) -> None:
            super().__init__()
            self.timeline = timeline
            self.call_id = call_id

        @property
        def control(self) -> Timeline:
            return self.timeline

    class TurnAxisRequested(Message):
        """``t``: show the turn axis instead (the pane that holds both switches)."""

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
        self.index = SectionIndex(model)
        self._styles: dict[str, Style] = {}
        self._cursor_pos: Position | None = None
        self._width = 0
        """The width of the last layout (notes wrap to it)."""
        self._paint: tuple[int, float, int] | None = None
        """What the lines of the paint in progress share (width, session time, spinner frame)."""
        self.border_subtitle = LEGEND

    @property
    def sections(self) -> list[Section]:
        return self.index.sections

    # -- feeding ----------------------------------------------------------------------------------

    def reset(self, model: TimelineModel) -> None:
        self.model = model
        self.index.reset(model)
        self._cursor_pos = None
        self.cursor = None
        self.refresh()  # every line: flushes repaint only what changed since the last paint

    def note(self, change: Change) -> None:
        """Record what an applied event changed; drawing waits for :meth:`flush`."""
        self.index.note(change)

    def add_note(self, turn: int, text: str) -> None:
        """A note under what is drawn so far (wrapped to the width)."""
        self.index.add_note(turn, text)

    def action_toggle_turn_axis(self) -> None:
        self.post_message(self.TurnAxisRequested())

    # -- drawing ----------------------------------------------------------------------------------

    def flush(self) -> None:
        """Re-measure what changed and redraw; called at most ~20 times a second."""
        width = self.scrollable_content_region.width
        if width != self._width:
            self._width = width
            self.index.mark_all()  # notes wrap to the new width
        moved = None
        if self.index.dirty_from is not None:
            moved = self.index.relayout(width)
            set_scroll_height(self, self.index.height)
            if self.follow:  # a scroll repaints the whole view by itself
                self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)
        self._refresh_changed(moved)
        self.index.settle()
        # A scroll made before the layout that brought the scrollbar left its thumb at the top
        # (Textual moves the thumb only while the bar is shown): put it where the view is.
        if self.show_vertical_scrollbar and self.vertical_scrollbar.position != self.scroll_y:
            self.vertical_scrollbar.position = self.scroll_y

    def _refresh_changed(self, moved: int | None) -> None:
        """Repaint only the lines that can differ from the last paint: every line from the first
        section that moved or grew, and the sections that changed or are still running. Finished
        batches above them keep their cached lines (a finished batch's lines never change)."""
        sections = self.sections
        if not sections or not (self.index.open or moved is not None):
            return
        top = self.scroll_offset.y
        bottom = top + self.scrollable_content_region.height
        if moved is not None and moved < len(sections):
            start = max(top, sections[moved].start)
            if start < bottom:
                self.refresh_lines(start, bottom - start)
        for index in self.index.open:
            if index >= len(sections) or (moved is not None and index >= moved):
                continue
            section = sections[index]
            start, end = max(top, section.start), min(bottom, section.start + section.height)
            if start < end:
                self.refresh_lines(start, end - start)

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
        located = self.index.locate(self.scroll_offset.y + y)
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
            lines = section.lines or [section.text]
            lead = NOTE_PREFIX if offset == 0 else " " * len(NOTE_PREFIX)
            text = lines[offset] if offset < len(lines) else ""
            return [Segment(lead + text, style("model"))]
        if section.span is not None:
            if offset == 0:
                return rows.span_line(section.span, now, frame, style)
            offset -= 1
        batch = section.batch
        if batch is None:
            return []
        if offset == 0:
            return rows.batch_header(batch, now, style)
        label_w, bar_w, status_w = self._columns(width, section)
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
            Segment(" " + status[:status_w], style(status_style)),
        ]

    def _columns(self, width: int, section: Section) -> tuple[int, int, int]:
        """Label, bar and status widths: the label as long as the batch's longest (the room that is
        there is used, rather than cut at a third), the bar what is left, never under a quarter."""
        status_w = min(rows.STATUS_WIDTH, max(10, width // 5))
        bar_min = max(6, width // 5)
        need = self.index.label_cells(section, _full_label)
        label_w = max(MIN_LABEL, min(need, MAX_LABEL, width - 3 - status_w - bar_min))
        bar_w = max(bar_min, width - label_w - 3 - status_w)
        return label_w, bar_w, status_w

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

    def _cursor_position(self) -> Position | None:
        """(section index, row index) of the cursor call, re-found if rows moved."""
        if self.cursor is None:
            return None
        self._cursor_pos = self.index.find_call(self.cursor, self._cursor_pos)
        return self._cursor_pos

    def select_call(self, call_id: str, *, scroll: bool = True) -> bool:
        """Put the cursor on a call (a chip was clicked, say). False if the call is unknown."""
        if self.model.call(call_id) is None:
            return False
        if self.index.dirty_from is not None:
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
        pos = self._cursor_position()
        if pos is None:
            self.action_cursor_edge(last=delta < 0)
            return
        target = self.index.step(pos, delta)
        if target is not None:
            self._move_to(target)

    def action_cursor_edge(self, last: bool) -> None:
        target = self.index.edge(last)
        if target is None:
            return
        self._move_to(target)
        if last:  # End also means "follow the newest again"
            self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)

    def _move_to(self, pos: Position) -> None:
        batch = self.sections[pos[0]].batch
        assert batch is not None
        self._cursor_pos = pos
        self.cursor = batch.calls[pos[1]].call_id
        self._scroll_to_cursor()

    async def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        located = self.index.locate(self.scroll_offset.y + offset.y)
        if located is None:
            return
        section, line = located
        if section.batch is not None:
            row = line - section.head
            if 0 <= row < len(section.batch.calls):
                self._move_to((self.index.index_of(section), row))

    def on_resize(self) -> None:
        if self.follow:
            self.call_after_refresh(self.scroll_end, animate=False, x_axis=False, force=True)

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self.follow = new >= self.max_scroll_y - 1

    def selected_call(self) -> CallRow | None:
        return self.model.call(self.cursor) if self.cursor is not None else None


def _full_label(row: CallRow) -> str:
    return rows.call_label(row, 10_000)
