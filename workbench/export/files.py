"""Exporting a session file to a file beside it (or elsewhere): the one entry point the CLI and the app
share. OpenTelemetry is imported only for the ``otlp`` format."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from workbench.export.spans import SessionSpans

Format = Literal["otlp", "chrome"]
FORMATS: tuple[Format, ...] = ("otlp", "chrome")
SUFFIXES: dict[Format, str] = {"otlp": ".otlp.jsonl", "chrome": ".trace.json"}


@dataclass(frozen=True, slots=True)
class Written:
    path: Path
    count: int
    """Spans (otlp) or trace events (chrome)."""
    what: str

    def __str__(self) -> str:
        return f"wrote {self.count:,} {self.what} to {self.path}"


def default_path(session: Path, fmt: Format) -> Path:
    """``run.jsonl`` -> ``run.otlp.jsonl`` / ``run.trace.json``, beside the session file."""
    return session.with_name(session.stem + SUFFIXES[fmt])


def write(
    spans: SessionSpans, fmt: Format, path: Path, *, include_content: bool = False
) -> Written:
    """Write ``spans`` as ``fmt`` to ``path``. Raises ``OSError`` when it cannot be written."""
    if fmt == "chrome":
        from workbench.export.chrome import write_chrome_trace

        events = write_chrome_trace(spans, path, include_content=include_content)
        return Written(path, events, "trace events (open in ui.perfetto.dev)")
    from workbench.export.otlp import write_otlp

    count = write_otlp(spans, path, include_content=include_content)
    turns = sum(1 for turn in spans.turns if turn.end is not None)
    return Written(path, count, f"spans in {turns} trace{'s' if turns != 1 else ''} (OTLP JSON)")


def export_session_file(
    session: Path, fmt: Format, *, include_content: bool = False
) -> tuple[Written, list[str]]:
    """Read a session file and write it as ``fmt`` beside it; returns what was written and the notes
    on the input (a cut-off file, approximate times). Raises ``SessionError`` or ``OSError``."""
    from workbench.export.source import read_session_spans

    spans = read_session_spans(session)
    return write(spans, fmt, default_path(session, fmt), include_content=include_content), list(
        spans.problems
    )
