"""Reading session files for analysis: the loader's header rules, then one orjson parse per line.

The session loader (:func:`workbench.session.load_session`) validates every event with pydantic,
~5 µs an event; statistics over a million recorded events must stay near the cost of parsing the
lines at all, so the body is parsed with orjson into plain dicts, handed on one at a time (a million
events kept as dicts would take a gigabyte) and only the fields analysis reads are looked at. The
header goes through the loader's own parser, so the versions it accepts (v1 files included) and its
error wording are the loader's. The body follows the loader's rules too: a line that is not a JSON
object with a ``type`` ends the usable part (a torn last line is the usual case, an interrupted
session) and is said so; a line of a type this workbench does not know is skipped and counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import orjson

from workbench.session import SessionHeader

# The loader's own file reading and header parsing: one set of rules (and messages) for what a
# session file is, whichever way its events are read afterwards.
from workbench.session.reader import EVENT_TYPES, parse_header, read_lines

Record = dict[str, Any]
"""One event line as JSON: the shape docs/session-format.md documents."""


@dataclass(slots=True)
class Recording:
    """A session file's header, and its event lines to be read once with :meth:`records`."""

    path: Path
    header: SessionHeader
    lines: list[bytes]
    problems: list[str] = field(default_factory=list)
    """What was wrong with the body, one line each; complete once :meth:`records` is exhausted."""
    truncated_at: int | None = None
    """The 1-based line where reading stopped, or None when every line was read."""

    def records(self, skip: AbstractSet[str] = frozenset()) -> Iterator[Record]:
        """The event lines as dicts, in order, up to the first line that is not one.

        Events of the types in ``skip`` are not handed on. A line the recorder wrote names its type
        in its first few bytes (``{"t":0.25,"type":"text_delta",...``): such a line of a skipped
        type is passed over without being parsed, 0.3-0.5 µs saved on most lines of a recording.
        The recorder writes whole lines, so only the file's last line can be torn: that one is
        always parsed, and a torn line still ends the usable part.
        """
        loads = orjson.loads
        # One lookup per line: True hands the event on, False skips it, None: unknown type.
        table = {kind: kind not in skip for kind in EVENT_TYPES}
        wanted = table.get
        # The skipped types with their closing quote, so that a longer name is not taken for one.
        passed_over = tuple(f'{kind}"'.encode() for kind in sorted(skip) if kind in EVENT_TYPES)
        lines = self.lines
        unknown: Counter[str] = Counter()
        torn_tail = lines[-1] != b""
        last = len(lines) if torn_tail else len(lines) - 1
        final = lines[last - 1]
        blank = 0
        problem: str | None = None
        for line in islice(lines, 1, last):
            if passed_over:
                at = line.find(b'"type":"', 0, 48)
                if at > 0 and line.startswith(passed_over, at + 8) and line is not final:
                    continue
            try:
                record = loads(line)
                kind = record["type"]
                verdict = wanted(kind)
                if verdict:
                    yield record
                    continue
                if verdict is not None:
                    continue
            except orjson.JSONDecodeError:
                if not line.strip():
                    blank += 1
                    continue
                problem = "not valid JSON"
            except (TypeError, KeyError):
                problem = 'not an event (no "type")'
            else:
                if isinstance(kind, str):
                    unknown[kind] += 1
                    continue
                problem = 'not an event (its "type" is not a string)'
            # Found again rather than counted on every line: an identical earlier line would have
            # stopped reading there.
            self.truncated_at = lines.index(line, 1) + 1
            break
        self.problems.extend(
            f"skipped {n} line{'s' if n != 1 else ''} of unknown event type {kind!r}"
            " (a newer workbench probably wrote them)"
            for kind, n in unknown.items()
        )
        if self.truncated_at is not None:
            count = self.truncated_at - 2 - blank - sum(unknown.values())
            torn = self.truncated_at == last and torn_tail
            why = " (the file ends mid-line; the session was probably interrupted)" if torn else ""
            self.problems.append(
                f"line {self.truncated_at}: {problem}{why}; used the {count} events before it"
            )


def read_recording(path: Path) -> Recording:
    """Open a session file. Raises the loader's ``SessionFileError`` / ``SessionFormatError``."""
    try:
        data = path.read_bytes()
    except OSError:
        data = b""
    if not data or (data[:1].isspace() and data.isspace()):
        read_lines(path)  # raises the loader's error for a file it cannot read or an empty one
    # Not read_lines itself: its emptiness check copies the whole file, 10% of a parse.
    lines = data.split(b"\n")
    header = parse_header(path, lines[0])
    return Recording(path, header, lines)
