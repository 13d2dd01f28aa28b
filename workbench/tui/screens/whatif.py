"""``w`` on a batch: the batch drawn again under another cap, beside its recorded bars.

Everything shown is either recorded (the left bars, the recorded wall) or simulated from the recorded
call durations by :func:`workbench.analysis.simulate` (the right bars, the simulated wall, the chart),
and says which. ``+``/``-`` change the cap, ``s`` sequential, ``u`` unbounded, ``r`` as recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import Static

from workbench.analysis import Batch, Schedule, Workload, from_events, simulate
from workbench.core.events import Event
from workbench.render import bars
from workbench.render.bars import Kind
from workbench.tui.format import args as format_args
from workbench.tui.format import duration

_LEVELS = "▁▂▃▄▅▆▇█"
_OUTCOME: dict[str, Kind] = {"error": "error", "timeout": "timeout", "cancelled": "cancelled"}
"""A recorded call's status as the kind its bar is drawn in (anything else ran to an end: ok)."""
MAX_ROWS = 100
"""Calls drawn; a bigger batch says how many more there are."""
_CHART_MAX = 48
"""Caps drawn in the wall-against-cap chart; a bigger batch is sampled."""


def chart_caps(calls: int) -> list[int]:
    """Caps 1 to ``calls``, sampled to at most ``_CHART_MAX`` when there are more."""
    if calls <= _CHART_MAX:
        return list(range(1, calls + 1))
    step = (calls - 1) / (_CHART_MAX - 1)
    return sorted({1 + round(i * step) for i in range(_CHART_MAX)})


StyleFor = Callable[[Kind], Style]
"""The style a kind of cell is drawn in (:data:`PLAIN`, or the screen's theme colours)."""


def PLAIN(kind: Kind) -> Style:
    """Readable without a theme (the text form tests compare)."""
    return Style.null()


def _bar(cells: list[bars.Cell], style: StyleFor) -> Text:
    """Cells of :mod:`workbench.render.bars` in the styles their kinds take."""
    text = Text()
    for glyph, kind in cells:
        text.append(glyph, style=style(kind))
    return text


def render(
    batch: Batch,
    cap: int | None,
    *,
    width: int = 100,
    walls: list[float] | None = None,
    style: StyleFor = PLAIN,
) -> Text:
    """The what-if view as text: the header, the bars side by side, the simulated wall, the chart.

    ``walls``: the chart's simulated walls (:func:`chart_walls`), when already known; ``style``:
    the colours of the bars' kinds (the screen's theme)."""
    calls = batch.in_queue_order()
    work = Workload.of_batch(batch)
    n = len(calls)
    sequential = simulate(work, 1)
    sim = simulate(work, cap)
    recorded_cap = batch.settings.cap
    out = Text()
    ran = "sequential" if not batch.settings.concurrent else f"concurrent ≤{recorded_cap}"
    wall = duration(batch.wall_s) if batch.wall_s is not None else "unknown"
    out.append(f"batch {batch.batch_id}", style="bold")
    out.append(f" · {n} call{'s' if n != 1 else ''} · ran {ran} · recorded wall {wall}\n")
    out.append(
        "right: simulated from the recorded call durations, by the executor's policy\n\n",
        style="dim",
    )
    label_w = min(28, max((len(_label(c.tool, c.args)) for c in calls), default=4))
    bar_w = max(10, (width - label_w - 6) // 2)
    first = calls[0].queued_t if calls else 0.0
    axis = bars.Axis(0.0, max(batch.wall_s or 0.0, sim.wall_s, 1e-9), bar_w)
    out.append(" " * (label_w + 1))
    out.append("recorded".ljust(bar_w + 2), style="bold")
    heading = f"{_setting(cap, n)} (simulated)"  # over its bars: never wider (it wrapped)
    out.append(f"{heading if len(heading) <= bar_w else _setting(cap, n)[:bar_w]}\n", style="bold")
    for i, call in enumerate(calls[:MAX_ROWS]):
        label = _label(call.tool, call.args)[:label_w].ljust(label_w)
        out.append(label + " ")
        started = call.started_t if call.started_t is not None else call.end_t
        kind: Kind = _OUTCOME.get(call.status, "ok")
        out.append_text(
            _bar(
                bars.span_cells(
                    call.queued_t - first, started - first, call.end_t - first, axis, kind
                ),
                style,
            )
        )
        out.append("  ")
        out.append_text(
            _bar(bars.span_cells(work.available[i], sim.start[i], sim.end[i], axis), style)
        )
        out.append("\n")
    if n > MAX_ROWS:
        out.append(f"… {n - MAX_ROWS:,} more calls (the walls and the chart count them all)\n")
    mark = "≥ " if sim.lower_bound else ""
    speedup = sequential.wall_s / sim.wall_s if sim.wall_s > 0 else 1.0
    out.append("\nsimulated wall ", style="bold")
    out.append(f"{mark}{duration(sim.wall_s)}", style="bold")
    out.append(f" ({_setting(cap, n)}) · {speedup:.2f}× against sequential")
    if sim.lower_bound:
        out.append(
            "\n≥: a call it waits on timed out or was cancelled; how long that tool needed is"
            " unknown",
            style=style("timeout"),
        )
    out.append("\n\n")
    out.append_text(wall_chart(work, cap, walls, style=style))
    return out


def chart_walls(work: Workload) -> list[float]:
    """The simulated wall at each of :func:`chart_caps` (up to 48 simulations: done once)."""
    return [simulate(work, k).wall_s for k in chart_caps(len(work))]


def wall_chart(
    work: Workload, cap: int | None, walls: list[float] | None = None, *, style: StyleFor = PLAIN
) -> Text:
    """Simulated wall against cap, from 1 to the batch's size, one column per cap."""
    n = len(work)
    caps = chart_caps(n)
    walls = chart_walls(work) if walls is None else walls
    top = max(walls, default=0.0) or 1.0
    current = n if cap is None else min(cap, n)
    text = Text("wall against cap (simulated)  ", style="bold")
    text.append(f"cap 1 {duration(walls[0])} ")
    for k, wall in zip(caps, walls, strict=True):
        level = _LEVELS[min(len(_LEVELS) - 1, int(wall / top * (len(_LEVELS) - 1) + 0.5))]
        shade = style("ok")
        text.append(level, style=shade + Style(reverse=True) if k == current else shade)
    text.append(f" cap {caps[-1]} {duration(walls[-1])}")
    return text


def _setting(cap: int | None, calls: int) -> str:
    if cap is None or cap >= calls:
        return "unbounded" if cap is None else f"cap {cap} (= unbounded)"
    return "cap 1 (sequential)" if cap == 1 else f"cap {cap}"


def _label(tool: str, arguments: object) -> str:
    shown = format_args(arguments) if isinstance(arguments, dict) else ""
    return f"{tool} {shown}".strip()


class WhatIfScreen(ModalScreen[None]):
    """A batch under another cap: opened from the timeline with ``w``, on a live or replayed batch."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "whatif--wait",
        "whatif--ok",
        "whatif--error",
        "whatif--timeout",
        "whatif--cancelled",
    }
    """The bars' colours, from the theme (as the timeline's: ``timeline--…``)."""

    DEFAULT_CSS = """
    WhatIfScreen {
        & > .whatif--wait { color: $text-disabled; }
        & > .whatif--ok { color: $success; }
        & > .whatif--error { color: $error; }
        & > .whatif--timeout { color: $warning; }
        & > .whatif--cancelled { color: $text-disabled; }
        align: center middle;
        & > VerticalScroll {
            width: 95%; height: auto; max-height: 95%;
            border: round $accent; background: $panel; padding: 0 1;
        }
        & #whatif-keys { color: $text-muted; margin: 1 0 0 0; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("plus,equals_sign", "cap(1)", "Cap +1"),
        Binding("minus", "cap(-1)", "Cap −1"),
        Binding("s", "sequential", "Sequential"),
        Binding("u", "unbounded", "Unbounded"),
        Binding("r", "recorded", "As recorded"),
        Binding("escape,w,q", "dismiss", "Close"),
    ]

    cap: reactive[int | None] = reactive(None, init=False)
    """The cap simulated; None is unbounded."""

    def __init__(self, batch: Batch) -> None:
        """``batch``: a finished batch (:meth:`of_events`, or ``analysis.from_group`` for the one
        the timeline shows)."""
        super().__init__()
        self.recorded = batch
        self._walls = chart_walls(Workload.of_batch(batch))
        self.set_reactive(WhatIfScreen.cap, batch.settings.cap)

    @classmethod
    def of_events(cls, events: Sequence[Event], batch_id: str | None = None) -> WhatIfScreen:
        """From the events of a turn or session holding the batch (its own events suffice);
        ``batch_id``: which batch (default: the last one). Raises ``ValueError`` for none."""
        batches = from_events(events).batches
        if not batches:
            raise ValueError("no batch in these events")
        return cls(batches[batch_id] if batch_id is not None else list(batches.values())[-1])

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = "What if"
            yield Static(id="whatif-body")
            yield Static(
                "+/- cap · s sequential · u unbounded · r as recorded · esc close",
                id="whatif-keys",
            )

    def on_mount(self) -> None:
        self._draw()

    def watch_cap(self) -> None:
        self._draw()

    def on_resize(self) -> None:
        self._draw()  # drawn for the old width, every bar row would wrap

    def _draw(self) -> None:
        width = max(40, self.app.size.width - 10)
        body = render(self.recorded, self.cap, width=width, walls=self._walls, style=self._style)
        self.query_one("#whatif-body", Static).update(body)

    def _style(self, kind: Kind) -> Style:
        name = {"wait": "wait", "error": "error", "timeout": "timeout", "cancelled": "cancelled"}
        return Style(color=self.get_component_rich_style(f"whatif--{name.get(kind, 'ok')}").color)

    @property
    def schedule(self) -> Schedule:
        """The schedule shown on the right."""
        return simulate(Workload.of_batch(self.recorded), self.cap)

    def action_cap(self, delta: int) -> None:
        n = len(self.recorded.calls)
        current = n if self.cap is None else self.cap
        wanted = max(1, current + delta)
        self.cap = None if wanted >= n and delta > 0 else min(wanted, n)

    def action_sequential(self) -> None:
        self.cap = 1

    def action_unbounded(self) -> None:
        self.cap = None

    def action_recorded(self) -> None:
        self.cap = self.recorded.settings.cap
