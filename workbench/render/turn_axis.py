"""A whole turn on one time axis: where its wall time went, a view of the session fold.

Every model round trip (request to response, split at its first streamed token or call into time to
first token and streaming) and every batch (``batch_started`` to ``batch_finished``) is a span on the
turn's axis (``turn_started`` to ``turn_finished``), as :class:`workbench.core.fold.SessionFold` has
them. The turn's wall time splits into

    model + tools − overlap + idle = wall

where model and tools are the time covered by at least one span of their kind, overlap the time
covered by both (eager calls running while the model still streams) and idle the time covered by
neither (between a response and its batch, preparing the next request, ...). A round trip that never
finished ends where the fold ends it (docs/session-format.md, "What the figures mean"). Works on a
live stream too: :class:`TurnAxisBuilder` takes events one by one, and a running turn is measured up
to ``now``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from workbench.core.durations import duration
from workbench.core.events import Event, TurnFinished
from workbench.core.facts import Turn
from workbench.core.fold import SessionFold
from workbench.render.format import Style, paint

SpanKind = Literal["model", "tools"]


@dataclass(frozen=True, slots=True)
class Span:
    """One model round trip or one batch, on the session clock."""

    kind: SpanKind
    label: str
    """``round trip 3`` or the batch id."""
    start: float
    end: float
    first_token: float | None = None
    """A round trip's first streamed text or call (None: nothing streamed)."""
    finished: bool = True
    """False for a round trip or batch cut short (cancelled, failed, still running)."""

    @property
    def ttft_end(self) -> float:
        return (
            self.end
            if self.first_token is None
            else min(max(self.first_token, self.start), self.end)
        )


@dataclass(frozen=True, slots=True)
class TurnAxis:
    """One turn's spans and the split of its wall time."""

    turn: int
    prompt: str
    status: str | None
    """``completed``, ``cancelled``, ``error``, ``max_turns``, ``interrupted`` (the recording ends
    before the turn did); None while the turn runs."""
    start: float
    end: float
    spans: tuple[Span, ...]
    model_s: float
    ttft_s: float
    streaming_s: float
    tools_s: float
    overlap_s: float
    idle_s: float
    idle: tuple[tuple[float, float], ...]
    """The gaps covered by neither kind, for drawing."""

    @property
    def wall_s(self) -> float:
        return self.end - self.start

    @property
    def round_trips(self) -> int:
        return sum(1 for s in self.spans if s.kind == "model")

    @property
    def batches(self) -> int:
        return sum(1 for s in self.spans if s.kind == "tools")

    def share(self, seconds: float) -> float:
        """``seconds`` as a fraction of the wall time (0 for an empty turn)."""
        return seconds / self.wall_s if self.wall_s > 0 else 0.0


class TurnAxisBuilder:
    """Folds events, live or recorded, into :class:`TurnAxis` values (through its own session fold,
    or ``fold`` when the caller applies the events to one already)."""

    def __init__(self, fold: SessionFold | None = None) -> None:
        self.finished: list[TurnAxis] = []
        self.fold = SessionFold() if fold is None else fold
        self._feeds = fold is None

    def apply(self, event: Event) -> TurnAxis | None:
        """Take one event; returns the turn's axis when the event ends a turn."""
        if self._feeds:
            self.fold.apply(event)
        if isinstance(event, TurnFinished):
            turn = self.fold.turn(event.turn)
            if turn is not None:
                axis = turn_axis(turn, event.t)
                self.finished.append(axis)
                return axis
        return None

    def current(self, now: float | None = None) -> TurnAxis | None:
        """The running (or, at the end of a recording, interrupted) turn measured up to ``now``
        (default: the last event's ``t``)."""
        turn = self.fold.open_turn
        if turn is None:
            return None
        return turn_axis(turn, self.fold.last_t if now is None else now)

    def axes(self, now: float | None = None) -> list[TurnAxis]:
        running = self.current(now)
        return [*self.finished, *([running] if running is not None else [])]


def turn_axis(turn: Turn, end: float) -> TurnAxis:
    """One turn of the fold on its axis, with anything still open measured up to ``end``."""
    if turn.finished_t is not None:
        end = turn.finished_t
    spans = [
        Span(
            "model",
            f"round trip {rt.round_trip}",
            rt.start_t,
            rt.end_t if rt.end_t is not None else end,
            rt.first_token_t,
            finished=rt.answered,
        )
        for rt in turn.round_trips
    ]
    spans.extend(
        Span(
            "tools",
            b.batch_id,
            b.started_t,
            b.finished_t if b.finished_t is not None else end,
            finished=b.stats is not None,
        )
        for b in turn.batches.values()
        if b.has_started
    )
    status = (
        turn.status if turn.status is not None else ("interrupted" if turn.interrupted else None)
    )
    return measure(turn.turn, turn.prompt, status, turn.started_t, end, spans)


def measure(
    turn: int, prompt: str, status: str | None, start: float, end: float, spans: list[Span]
) -> TurnAxis:
    """Split ``[start, end]`` by ``spans`` (clipped to it)."""
    end = max(start, end)
    spans = sorted(spans, key=lambda s: (s.start, s.kind))
    model = _union([(s.start, s.end) for s in spans if s.kind == "model"], start, end)
    ttft = _union([(s.start, s.ttft_end) for s in spans if s.kind == "model"], start, end)
    tools = _union([(s.start, s.end) for s in spans if s.kind == "tools"], start, end)
    both = _intersect(model, tools)
    busy = _union([*model, *tools], start, end)
    model_s, tools_s, overlap_s = _length(model), _length(tools), _length(both)
    ttft_s = min(_length(ttft), model_s)
    idle = _gaps(busy, start, end)
    return TurnAxis(
        turn=turn,
        prompt=prompt,
        status=status,
        start=start,
        end=end,
        spans=tuple(spans),
        model_s=model_s,
        ttft_s=ttft_s,
        streaming_s=model_s - ttft_s,
        tools_s=tools_s,
        overlap_s=overlap_s,
        # By definition of the union; computed so the four figures add up to the wall time exactly.
        idle_s=max(0.0, (end - start) - (model_s + tools_s - overlap_s)),
        idle=tuple(idle),
    )


def turn_axes(
    events: Iterable[Event], *, now: float | None = None, ended: bool = False
) -> list[TurnAxis]:
    """Every turn of a session (a running last turn measured up to ``now``); ``ended``: the events
    are all there will be (a recording), so a turn still open was interrupted."""
    builder = TurnAxisBuilder()
    for event in events:
        builder.apply(event)
    if ended:
        builder.fold.end()
    return builder.axes(now)


Interval = tuple[float, float]


def _union(intervals: list[Interval], lo: float, hi: float) -> list[Interval]:
    clipped = sorted((max(a, lo), min(b, hi)) for a, b in intervals)
    out: list[Interval] = []
    for a, b in clipped:
        if b <= a:
            continue
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _intersect(xs: list[Interval], ys: list[Interval]) -> list[Interval]:
    out: list[Interval] = []
    i = j = 0
    while i < len(xs) and j < len(ys):
        a, b = max(xs[i][0], ys[j][0]), min(xs[i][1], ys[j][1])
        if a < b:
            out.append((a, b))
        if xs[i][1] < ys[j][1]:
            i += 1
        else:
            j += 1
    return out


def _gaps(busy: list[Interval], lo: float, hi: float) -> list[Interval]:
    out: list[Interval] = []
    cursor = lo
    for a, b in busy:
        if a > cursor:
            out.append((cursor, a))
        cursor = max(cursor, b)
    if hi > cursor:
        out.append((cursor, hi))
    return out


def _length(intervals: list[Interval]) -> float:
    return sum(b - a for a, b in intervals)


# -- text ------------------------------------------------------------------------------------------

TTFT, STREAM, TOOLS, IDLE = "▒", "▓", "█", "·"


def split_line(axis: TurnAxis, *, compact: bool = False) -> str:
    """``wall 2.41 s = model 1.62 s (67%) + tools 0.91 s (38%) − overlap 0.30 s (12%) + idle …``;
    ``compact`` drops the parentheses and the spaces in the figures, for a narrow pane."""

    def part(name: str, seconds: float) -> str:
        figure, share = duration(seconds), f"{axis.share(seconds):.0%}"
        if compact:
            return f"{name} {figure.replace(' ', '')} {share}"
        return f"{name} {figure} ({share})"

    wall = duration(axis.wall_s)
    return (
        f"wall {wall.replace(' ', '') if compact else wall} = {part('model', axis.model_s)}"
        f" + {part('tools', axis.tools_s)} − {part('overlap', axis.overlap_s)}"
        f" + {part('idle', axis.idle_s)}"
    )


def detail_line(axis: TurnAxis) -> str:
    rts = axis.round_trips
    batches = axis.batches
    return (
        f"model: time to first token {duration(axis.ttft_s)}, streaming"
        f" {duration(axis.streaming_s)} · {rts} round {'trip' if rts == 1 else 'trips'},"
        f" {batches} {'batch' if batches == 1 else 'batches'}"
    )


def strips(axis: TurnAxis, width: int) -> tuple[str, str]:
    """The model and tools rows of the turn's axis, ``width`` cells each; a cell neither row covers
    is idle and dotted in both (gaps shorter than a cell do not show)."""
    model = [" "] * width
    tools = [" "] * width
    if axis.wall_s <= 0 or width <= 0:
        return "".join(model), "".join(tools)
    scale = width / axis.wall_s

    def cols(a: float, b: float) -> range:
        lo = min(width - 1, max(0, int((a - axis.start) * scale)))
        hi = min(width, max(lo + 1, round((b - axis.start) * scale)))
        return range(lo, hi)

    for span in axis.spans:
        if span.kind == "tools":
            for c in cols(span.start, span.end):
                tools[c] = TOOLS
            continue
        for c in cols(span.start, span.end):
            model[c] = STREAM
        if span.ttft_end > span.start:
            for c in cols(span.start, span.ttft_end):
                model[c] = TTFT
    for c in range(width):
        if model[c] == " " and tools[c] == " ":
            model[c] = tools[c] = IDLE
    return "".join(model), "".join(tools)


_STATUS_STYLE: dict[str, Style] = {
    "cancelled": "yellow",
    "error": "red",
    "max_turns": "yellow",
    "interrupted": "red",
}


def render_turn_axis(axis: TurnAxis, *, width: int = 100, color: bool = False) -> list[str]:
    """The turn as text: a title, the model and tools rows on one axis, the split and its detail."""
    status = axis.status or "running"
    prompt = " ".join(axis.prompt.split())
    title = f"turn {axis.turn} · {status}"
    room = max(10, width - len(title) - 4)
    if len(prompt) > room:
        prompt = prompt[: room - 1] + "…"
    model, tools = strips(axis, max(10, width - 8))
    return [
        f"{paint(title, _STATUS_STYLE.get(status, 'bold'), color)}  {paint(prompt, 'dim', color)}",
        f"  model {paint(model, 'cyan', color)}",
        f"  tools {paint(tools, 'green', color)}",
        f"  {split_line(axis)}",
        f"  {paint(detail_line(axis), 'grey', color)}",
    ]


LEGEND = (
    f"{TTFT} time to first token   {STREAM} model streaming   {TOOLS} a batch running   {IDLE} idle"
)


__all__ = [
    "LEGEND",
    "Span",
    "TurnAxis",
    "TurnAxisBuilder",
    "detail_line",
    "measure",
    "render_turn_axis",
    "split_line",
    "strips",
    "turn_axes",
    "turn_axis",
]
