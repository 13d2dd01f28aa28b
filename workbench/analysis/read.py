"""Reading session files for analysis: the loader's header rules, then one orjson parse per line.

The session loader (:func:`workbench.session.load_session`) validates every event with pydantic,
~5 µs an event; statistics over a million recorded events must stay near the cost of parsing the
lines at all, so the body is parsed with orjson into plain dicts and only the fields analysis reads
are looked at. The header goes through the loader's own parser, so the versions it accepts (v1 files
included) and its error wording are the loader's. The body follows the loader's rules too: a line
that is not a JSON object with a known ``type`` ends the usable part (a torn last line is the usual
case, an interrupted session) and is said so; a line of a type this workbench does not know is
skipped and counted.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from workbench.session import SessionHeader

# The loader's own file reading and header parsing: one set of rules (and messages) for what a
# session file is, whichever way its events are read afterwards.
from workbench.session.reader import EVENT_TYPES, _parse_header, _read_lines

Record = dict[str, Any]
"""One event line as JSON: the shape docs/session-format.md documents."""


@dataclass(slots=True)
class Recording:
    """A session file's header and its usable event lines, with what was wrong with the rest."""

    path: Path
    header: SessionHeader
    records: list[Record]
    problems: list[str] = field(default_factory=list)
    truncated_at: int | None = None
    """The 1-based line where reading stopped, or None when every line was read."""


def read_recording(path: Path) -> Recording:
    """Read a session file. Raises the loader's ``SessionFileError`` / ``SessionFormatError``."""
    lines = _read_lines(path)
    header = _parse_header(path, lines[0])
    records, problems, truncated_at = parse_lines(lines)
    return Recording(path, header, records, problems, truncated_at)


def parse_lines(lines: list[bytes]) -> tuple[list[Record], list[str], int | None]:
    """The event lines after the header (``lines[0]``), as dicts; problems worded for a user."""
    loads = orjson.loads
    known = EVENT_TYPES
    records: list[Record] = []
    append = records.append
    unknown: Counter[str] = Counter()
    torn_tail = lines[-1] != b""
    last = len(lines) if torn_tail else len(lines) - 1
    truncated_at: int | None = None
    problem: str | None = None
    for number in range(2, last + 1):
        line = lines[number - 1]
        try:
            record = loads(line)
            if record["type"] in known:
                append(record)
                continue
        except orjson.JSONDecodeError:
            if not line.strip():
                continue
            problem = "not valid JSON"
        except (TypeError, KeyError):
            problem = 'not an event (no "type")'
        else:
            kind = record["type"]
            if isinstance(kind, str):
                unknown[kind] += 1
                continue
            problem = 'not an event (its "type" is not a string)'
        truncated_at = number
        break
    notes = [
        f"skipped {count} line{'s' if count != 1 else ''} of unknown event type {kind!r}"
        " (a newer workbench probably wrote them)"
        for kind, count in unknown.items()
    ]
    if truncated_at is not None:
        torn = truncated_at == last and torn_tail
        why = " (the file ends mid-line; the session was probably interrupted)" if torn else ""
        notes.append(
            f"line {truncated_at}: {problem}{why}; used the {len(records)} events before it"
        )
    return records, notes, truncated_at
