"""The turn axis: each whole turn on one time axis (model round trips and batches together, the
idle gaps visible) with its wall time split into model, tools, overlap and idle
(workbench/render/turn_axis.py). ``t`` switches between it and the batch timeline.

A Line API widget of its own: a turn takes :data:`AXIS_LINES` lines, so line ``y`` is turn
``y // AXIS_LINES``; only the lines in view are drawn.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from workbench.core.events import Event
from workbench.core.timeline import TimelineModel
from workbench.render import turn_axis as ta
from workbench.tui.widgets import timeline_rows as rows

AXIS_LEGEND = "t: batch axes  ▒ to first token  ▓ streaming  █ batch  · idle"
AXIS_LINES = 6
"""Lines per turn: title, model row, tools row, split, detail, blank."""
_AXIS_STYLE = {
    ta.TTFT: "wait",
    ta.STREAM: "model",
    ta.TOOLS: "running",
    ta.IDLE: "axis",
    " ": "text",
}


class TurnAxisView(ScrollView, can_focus=True):
    """Every turn of the session on its own axis, the newest followed."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "turn-axis--text",
        "turn-axis--dim",
        "turn-axis--header",
        "turn-axis--model",
        "turn-axis--turn",
        "turn-axis--axis",
        "turn-axis--wait",
        "turn-axis--running",
    }

    DEFAULT_CSS = """
    TurnAxisView {
        background: $surface;
        overflow-x: hidden;
        & > .turn-axis--text { color: $text; }
        & > .turn-axis--dim { color: $text-muted; }
        & > .turn-axis--header { color: $text; text-style: bold; }
        & > .turn-axis--model { color: $text-secondary; }
        & > .turn-axis--turn { color: $text-muted; }
        & > .turn-axis--axis { color: $text-muted; }
        & > .turn-axis--wait { color: $text-disabled; }
        & > .turn-axis--running { color: $primary; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "batch_axes", "Batch axes", show=False),
    ]

    class Toggled(Message):
        """``t``: back to the batch axes (the pane that holds both switches)."""

    def __init__(
        self, model: TimelineModel, clock: Callable[[], float], *, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.clock = clock
        self._axes = ta.TurnAxisBuilder(model)  # a view of the same fold: fed by the model
        self._dirty = False
        self._view: list[ta.TurnAxis] = []
        self._rows: dict[tuple[int, int], tuple[str, str]] = {}
        self._styles: dict[str, Style] = {}
        self.border_subtitle = AXIS_LEGEND

    def reset(self, model: TimelineModel) -> None:
        self._axes = ta.TurnAxisBuilder(model)
        self._dirty = True
        self.refresh()

    def note(self, event: Event) -> None:
        """Every event of the session, in order, after the model applied it (cheap: drawing waits
        for :meth:`flush`)."""
        self._axes.apply(event)
        self._dirty = True

    def flush(self, last_t: float = 0.0) -> None:
        """Rebuild the axes if anything changed, or a turn runs (its bars grow with the clock)."""
        running = self._axes.current() is not None
        if not (self._dirty or running):
            return
        self._dirty = False
        now = max(self.clock(), last_t)
        follow = self.scroll_y >= self.max_scroll_y - 1
        self._view = self._axes.axes(now=now if running else None)
        self._rows.clear()
        self.virtual_size = Size(0, len(self._view) * AXIS_LINES)
        if follow:
            self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)
        self.refresh()

    def action_batch_axes(self) -> None:
        self.post_message(self.Toggled())

    # -- drawing ----------------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            full = self.get_component_rich_style(f"turn-axis--{name}")
            style = self._styles[name] = (
                self.rich_style + Style(color=full.color) + full.without_color
            )
        return style

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        segments = self._line(self.scroll_offset.y + y, width, self._style)
        cells = sum(cell_len(segment.text) for segment in segments)
        if cells > width:
            return Strip(segments, cells).crop(0, width)
        segments.append(Segment(" " * (width - cells), self.rich_style))
        return Strip(segments, width)

    def _line(self, line: int, width: int, style: rows.StyleFor) -> list[Segment]:
        index, offset = divmod(line, AXIS_LINES)
        if not 0 <= index < len(self._view):
            return []
        axis = self._view[index]
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
            strips = self._rows.get(key)
            if strips is None:
                strips = self._rows[key] = ta.strips(axis, cells)
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
            "".join(seg.text for seg in self._line(line, width, lambda _name: Style()))
            for line in range(len(self._view) * AXIS_LINES)
        ]
