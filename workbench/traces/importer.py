"""``workbench import``'s work, without the command line: trace files in, sessions out.

Files are read whole (each under :data:`MAX_FILE_BYTES`), decoded, their spans assembled across all
the files given (a trace may be split over several), and each agent run, or each conversation's runs,
becomes one session. A file that is not OTLP, or holds no GenAI or OpenInference span, is an
:class:`ImportFailure` naming it; a file cut short keeps what came before the cut, with a note.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from workbench.inputs import InputFileError, read_regular
from workbench.traces.assemble import Assembler, TooManySpans
from workbench.traces.convert import ImportedSession, group_runs, session_of
from workbench.traces.decode import DecodeFailure, TooLarge, decode_bytes
from workbench.traces.spans import spans_of

MAX_FILE_BYTES = 512 * 1024 * 1024
"""Largest trace file read (512 MiB, about 700,000 spans of OTLP JSON); anything bigger is refused
before it is read. Split a bigger trace and import the pieces in turn."""


class ImportFailure(Exception):
    """The input cannot be imported; the message is one line naming the file and why."""


@dataclass(slots=True)
class ImportResult:
    sessions: list[ImportedSession]
    spans: int
    notes: list[str] = field(default_factory=list)


def read_trace_file(path: Path, assembler: Assembler, notes: list[str]) -> str:
    """Feed one file's spans to ``assembler``; returns the format it was in."""
    try:
        # A FIFO would block the open, /dev/zero never ends: only regular files, under the limit.
        data = read_regular(path, limit=MAX_FILE_BYTES, what="trace file")
    except InputFileError as exc:
        raise ImportFailure(str(exc)) from None
    except FileNotFoundError:
        raise ImportFailure(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ImportFailure(f"{path}: is a directory, not a trace file") from None
    except OSError as exc:
        raise ImportFailure(f"{path}: cannot read it ({exc.strerror or exc})") from None
    before = assembler.spans_seen
    requests = 0
    kind = "otlp-json" if data.lstrip()[:1] in (b"{", b"[") else "otlp-protobuf"
    try:
        for _, request in decode_bytes(data):
            requests += 1
            assembler.add_all(spans_of(request))
    except TooLarge as exc:
        raise ImportFailure(f"{path}: {exc}") from None
    except TooManySpans as exc:
        raise ImportFailure(f"{path}: {exc}") from None
    except DecodeFailure as exc:
        if requests == 0:
            raise ImportFailure(f"{path}: not an OTLP trace file: {exc}") from None
        notes.append(f"{path}: {exc} — imported the {requests} requests before it")
    if assembler.spans_seen == before:
        raise ImportFailure(f"{path}: an OTLP trace with no spans")
    return kind


def import_files(paths: list[Path]) -> ImportResult:
    """Every session in the given trace files. Raises :class:`ImportFailure`."""
    assembler = Assembler()
    notes: list[str] = []
    formats: set[str] = set()
    genai_before = 0
    for path in paths:
        formats.add(read_trace_file(path, assembler, notes))
        if assembler.genai_spans == genai_before:
            raise ImportFailure(
                f"{path}: no GenAI or OpenInference spans (none with gen_ai.operation.name or"
                " openinference.span.kind) among its spans"
            )
        genai_before = assembler.genai_spans
    spans = assembler.spans_seen
    runs = assembler.take_all()
    if not runs:
        raise ImportFailure(
            f"{', '.join(map(str, paths))}: GenAI spans, but no model span to make a round trip of"
        )
    files = [str(path) for path in paths]
    source_format = "+".join(sorted(formats))
    sessions = [
        session_of(group, source_format=source_format, files=files) for group in group_runs(runs)
    ]
    return ImportResult(sessions, spans, notes)
