"""The timeline's index of *sections*, without a UI: a turn divider, a model round trip, a batch with
its calls, a note; each with its first line and height, so the widget finds the section of any line
by bisection and draws only the lines in view.

Pure bookkeeping over :class:`~workbench.core.timeline.TimelineModel` (its public API only): which
sections exist, where each starts, which changed since the last layout (``dirty_from``) and which
may still change (``open``), and walking the calls for the cursor. The widget
(:mod:`workbench.tui.widgets.timeline`) turns lines into segments.
"""

from __future__ import annotations

import bisect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from workbench.core.events import (
    ModelRequestStarted,
    ModelResponseFinished,
    TurnFinished,
    TurnStarted,
)
from workbench.core.timeline import BatchGroup, CallRow, Change, ModelSpan, TimelineModel

SectionKind = Literal["turn", "model", "batch", "note"]
NOTE_PREFIX = " advice: "
"""What a note's first line starts with; its later lines are indented as far."""


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
    lines: list[str] = field(default_factory=list)
    """A note's text wrapped to the width of the last layout."""
    label_cells: int = 0
    """The longest call label of a batch, over its first ``labelled`` calls."""
    labelled: int = 0

    @property
    def head(self) -> int:
        """Lines before the first call row of a batch section."""
        return (1 if self.span is not None else 0) + 2

    def measure(self, width: int) -> int:
        if self.kind == "note":
            room = max(20, width - len(NOTE_PREFIX))
            self.lines = textwrap.wrap(self.text, room) or [""]
            return len(self.lines)
        if self.batch is None:
            return 1
        return self.head + len(self.batch.calls) + 1

    @property
    def open(self) -> bool:
        if self.batch is not None:
            return not self.batch.done
        return self.span is not None and self.span.end_t is None


Labeller = Callable[[CallRow], str]
"""A call's label as drawn (uncut)."""
Position = tuple[int, int]
"""(section index, call row) of a call in the index."""


class SectionIndex:
    """Every section of a session's timeline, in line order."""

    def __init__(self, model: TimelineModel) -> None:
        self.model = model
        self.sections: list[Section] = []
        self._starts: list[int] = []
        self._by_turn: dict[int, Section] = {}
        self._by_round_trip: dict[int, Section] = {}
        self._by_batch: dict[str, Section] = {}
        self.dirty_from: int | None = None
        """The first section whose lines may have moved or grown since the last layout."""
        self.open: set[int] = set()
        """Sections whose lines may still change (running), or changed since the last paint."""

    def reset(self, model: TimelineModel) -> None:
        self.__init__(model)  # type: ignore[misc]
        self.dirty_from = 0

    @property
    def height(self) -> int:
        last = self.sections[-1] if self.sections else None
        return last.start + last.height if last is not None else 0

    def batch_section(self, batch_id: str) -> Section | None:
        return self._by_batch.get(batch_id)

    # -- what an event changed --------------------------------------------------------------------

    def note(self, change: Change) -> None:
        """Record what an applied event changed; nothing is measured until :meth:`relayout`."""
        event = change.event
        if isinstance(event, TurnStarted) and event.turn not in self._by_turn:
            self._by_turn[event.turn] = self._append(Section("turn", event.turn))
        elif isinstance(event, TurnFinished):
            divider = self._by_turn.get(event.turn)
            if divider is not None:  # its status is drawn on it
                self.open.add(self.index_of(divider))
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
        for call_id in change.closed:
            row = self.model.call(call_id)
            if row is not None and row.batch_id in self._by_batch:
                self._dirty(self._by_batch[row.batch_id])

    def add_note(self, turn: int, text: str) -> None:
        """A note under everything so far (the round-trip advisor's, after its turn)."""
        self._append(Section("note", turn, text=text))

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
        # Until the next layout, a new section takes no lines, just past the end: the starts stay
        # sorted, so a paint in between finds every older line where it was.
        section.start = self.height
        section.height = 0
        self.sections.append(section)
        self._starts.append(section.start)
        self._dirty(section, index=len(self.sections) - 1)
        return section

    def _dirty(self, section: Section, index: int | None = None) -> None:
        if index is None:
            index = self.index_of(section)
        if self.dirty_from is None or index < self.dirty_from:
            self.dirty_from = index
        self.open.add(index)

    def mark_all(self) -> None:
        """Every section is to be measured again (the width changed: notes wrap anew)."""
        if self.sections:
            self.dirty_from = 0

    # -- layout -----------------------------------------------------------------------------------

    def relayout(self, width: int) -> int | None:
        """Measure the sections from ``dirty_from`` on; the index of the first one whose lines
        moved or grew (every line from its start down may differ), or None if none did."""
        first, self.dirty_from = self.dirty_from, None
        if first is None:
            return None
        line = 0
        moved: int | None = None
        if first > 0:
            previous = self.sections[first - 1]
            line = previous.start + previous.height
        for i in range(first, len(self.sections)):
            section = self.sections[i]
            height = section.measure(width)
            if moved is None and (section.start != line or section.height != height):
                moved = i
            section.start = line
            self._starts[i] = line
            section.height = height
            line += height
        return moved

    def settle(self) -> None:
        """After a paint: keep only the sections that may still change."""
        count = len(self.sections)
        self.open = {i for i in self.open if i < count and self.sections[i].open}

    def index_of(self, section: Section) -> int:
        # Sections are appended in line order, so their starts are sorted; the newest is the usual case.
        if self.sections and self.sections[-1] is section:
            return len(self.sections) - 1
        i = bisect.bisect_right(self._starts, section.start) - 1
        while i >= 0 and self.sections[i] is not section:
            i -= 1
        return i if i >= 0 else self.sections.index(section)

    def locate(self, line: int) -> tuple[Section, int] | None:
        """The section a line belongs to, and the line's offset in it."""
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

    def label_cells(self, section: Section, label: Labeller) -> int:
        """The longest call label in a batch section (kept up to date as calls join it)."""
        batch = section.batch
        if batch is None:
            return 0
        for row in batch.calls[section.labelled :]:
            section.label_cells = max(section.label_cells, len(label(row)))
        section.labelled = len(batch.calls)
        return section.label_cells

    # -- the cursor -------------------------------------------------------------------------------

    def find_call(self, call_id: str, hint: Position | None) -> Position | None:
        """Where a call is; ``hint`` (where it was) is checked first."""
        if hint is not None:
            index, row = hint
            if index < len(self.sections):
                batch = self.sections[index].batch
                if (
                    batch is not None
                    and row < len(batch.calls)
                    and batch.calls[row].call_id == call_id
                ):
                    return hint
        call = self.model.call(call_id)
        if call is None or call.batch_id not in self._by_batch:
            return None
        section = self._by_batch[call.batch_id]
        assert section.batch is not None
        for row, candidate in enumerate(section.batch.calls):
            if candidate is call:
                return self.index_of(section), row
        return None

    def edge(self, last: bool) -> Position | None:
        """The first (or last) call of the session."""
        indices = range(len(self.sections) - 1, -1, -1) if last else range(len(self.sections))
        for index in indices:
            batch = self.sections[index].batch
            if batch is not None and batch.calls:
                return index, len(batch.calls) - 1 if last else 0
        return None

    def step(self, pos: Position, delta: int) -> Position | None:
        """``delta`` calls on from ``pos``, across batches; as far as there are calls."""
        index, row = pos
        step = 1 if delta > 0 else -1
        remaining = abs(delta)
        last_valid: Position | None = None
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
