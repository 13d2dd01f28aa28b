"""The terminal timeline printed by ``workbench run`` and ``workbench replay --headless``.

It streams the assistant's text as it arrives and prints each batch as a block when the batch has
finished, so the output reads top to bottom: text, a batch block, more text, a totals line. It reads
only event fields (through :class:`TimelineModel`), never the clock: a replay prints exactly what the
live run printed. Exit codes and the choice of stream belong to the CLI.
"""

from __future__ import annotations

import os
import shutil
from typing import TextIO

from workbench.core.durations import duration
from workbench.core.events import (
    BatchFinished,
    ErrorEvent,
    Event,
    ModelResponseFinished,
    Notice,
    SettingsChanged,
    TextDelta,
    TurnFinished,
    TurnStarted,
)
from workbench.core.messages import Usage
from workbench.core.timeline import TimelineModel
from workbench.render.batch import render_batch, render_legend
from workbench.render.format import (
    Style,
    describe_changes,
    paint,
    plural,
    strict_label,
    wrap_pieces,
)
from workbench.render.safe import safe_event

MIN_WIDTH, MAX_WIDTH = 60, 160
STATUS_WORDS = {"cancelled": "cancelled", "error": "ended by an error", "max_turns": "max turns"}


def color_default(out: TextIO) -> bool:
    """Colour when writing to a terminal, unless ``NO_COLOR`` is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(out, "isatty", None)
    return bool(isatty and isatty())


def width_default() -> int:
    return max(MIN_WIDTH, min(MAX_WIDTH, shutil.get_terminal_size((100, 24)).columns))


class TerminalPrinter:
    """Feed it every event of a session with :meth:`handle`; it writes the timeline to ``out``."""

    def __init__(
        self,
        out: TextIO,
        *,
        color: bool | None = None,
        width: int | None = None,
        echo_prompt: bool = True,
    ) -> None:
        self.out = out
        self.color = color_default(out) if color is None else color
        self.width = width_default() if width is None else max(40, min(MAX_WIDTH, width))
        self.echo_prompt = echo_prompt
        """Print each turn's prompt as ``› prompt`` (a replay reads poorly without it)."""
        self.model = TimelineModel()
        self._at_line_start = True
        self._blank = True  # the last thing written was a blank line (or nothing yet)
        self._gap = False  # the next output starts after a blank line (set after a block)
        self._legend_shown = False
        self._text_seen: set[int] = set()

    def handle(self, event: Event) -> None:
        event = safe_event(event)  # text from tools and models never drives the terminal
        self.model.apply(event)
        match event:
            case TurnStarted() if self.echo_prompt:
                self._lines([paint(f"› {event.prompt}", "bold", self.color)], gap=True)
            case TextDelta():
                self._text(event)
            case ModelResponseFinished():
                self._model_line(event)
            case BatchFinished():
                self._batch_block(event.batch_id)
            case TurnFinished():
                self._turn_line(event)
            case SettingsChanged():
                self._lines([paint(_describe_change(event), "dim", self.color)])
            case Notice():
                style: Style = "yellow" if event.level == "warning" else "dim"
                self._lines([paint(f"{event.level}: {event.message}", style, self.color)])
            case ErrorEvent():
                self._lines([paint(f"error: {event.message}", "red", self.color)])
            case _:
                pass  # the rest only feeds the model; the batch block shows it all at the end
        self.out.flush()

    def end(self) -> None:
        """The events are over (a recording replayed to its end): a batch still running is
        printed with its calls unfinished, and the cut is said in one line."""
        interruption = self.model.end()
        if interruption is None:
            return
        for batch in interruption.batches:
            self._batch_block(batch.batch_id)
        self._lines([paint(interruption.sentence(), "red", self.color)], gap=True)
        self.out.flush()

    # -- writing -----------------------------------------------------------------------------------

    def _write(self, text: str) -> None:
        if not text:
            return
        self.out.write(text)
        self._blank = text.endswith("\n\n") or (self._at_line_start and text == "\n")
        self._at_line_start = text.endswith("\n")

    def _lines(self, lines: list[str], *, gap: bool = False) -> None:
        """Whole lines, starting on a fresh line (after a blank one when ``gap`` or after a block)."""
        if not self._at_line_start:
            self._write("\n")
        if (gap or self._gap) and not self._blank:
            self._write("\n")
        self._gap = False
        self._write("".join(line + "\n" for line in lines))

    def _text(self, event: TextDelta) -> None:
        if self._gap and event.text:
            self._lines([])  # a blank line between a batch block and the text after it
            self._gap = False
        self._text_seen.add(event.turn)
        self._write(event.text)

    # -- what each event prints --------------------------------------------------------------------

    def _model_line(self, event: ModelResponseFinished) -> None:
        parts = [f"↳ model {duration(event.duration_s)}"]
        parts.append(plural(event.calls, "call") if event.calls else "no calls")
        span = self.model.span(event.round_trip)
        if span is not None and span.emission is not None:
            if not span.emission.parallel:
                parts.append("parallel calls off")
            strict = strict_label(span.emission)
            if strict:
                parts.append(strict)
        self._lines([paint(" · ".join(parts), "dim", self.color)])

    def _batch_block(self, batch_id: str) -> None:
        batch = self.model.batch(batch_id)
        if batch is None:  # pragma: no cover - apply() always creates it
            return
        lines = [] if self._legend_shown else render_legend(self.width, self.color)
        self._legend_shown = True
        lines += render_batch(batch, self.width, self.color)
        self._lines(lines, gap=True)
        self._gap = True

    def _turn_line(self, event: TurnFinished) -> None:
        if event.turn not in self._text_seen and event.text:
            self._text(TextDelta(t=event.t, turn=event.turn, text=event.text))
        stats = event.stats
        pieces: list[tuple[str, Style | None]] = [
            (plural(stats.round_trips, "round trip"), None),
            (f"model {duration(stats.model_time_s)}", None),
            (f"tools {duration(stats.tool_time_s)}", None),
            (f"wall {duration(stats.wall_s)}", None),
            (_tokens(stats.usage), None),
        ]
        if event.status != "completed":
            style: Style = "yellow" if event.status in ("cancelled", "max_turns") else "red"
            pieces.append((STATUS_WORDS[event.status], style))
        self._lines(wrap_pieces(pieces, self.width, self.color), gap=True)
        self._gap = True


def _tokens(usage: Usage) -> str:
    if not usage.reported:
        return "tokens n/a"  # the provider sent no usage: not a made-up 0
    return f"tokens {usage.input_tokens} in / {usage.output_tokens} out"


def _describe_change(event: SettingsChanged) -> str:
    source = "" if event.source == "user" else f" ({event.source})"
    said = describe_changes(event.changes) if event.changes or not event.note else ""
    return f"⚙ settings{source}: " + "; ".join(part for part in (said, event.note) if part)
