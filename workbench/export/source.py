"""Reading a session file into :class:`SessionSpans`, fast enough for sessions of 100,000 calls.

The header is validated as :func:`workbench.session.load_session` does it. Events are parsed with
orjson and read as plain mappings rather than validated models (validation would cost more than the
export itself); the same rules as the session reader apply: a line that is not a JSON object, or a
known event missing what the export needs, stops reading there with a note naming the line, and lines
of an unknown (newer) type are skipped and counted.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import orjson
from pydantic import ValidationError

from workbench.core.events import EVENT_ADAPTER
from workbench.export.provider import ServedBy, served_by_profile
from workbench.export.spans import SessionSpans, SpanBuilder
from workbench.gcpolicy import paused
from workbench.session.format import SessionHeader, event_types
from workbench.session.reader import parse_header, read_lines

_KNOWN = frozenset(event_types())


@dataclass(frozen=True, slots=True)
class HeaderFacts:
    """What the exporters need from a session header, whatever its version."""

    session_id: str
    start_unix_ns: int
    exact: bool
    profile_name: str
    tool_kinds: dict[str, str]
    served: ServedBy | None = None
    max_tokens: int | None = None
    project: str | None = None


def header_facts(header: SessionHeader) -> HeaderFacts:
    ns, exact = header.start_unix_ns()
    profile = header.profile.model_dump()
    max_tokens = profile.get("max_tokens")
    telemetry = profile.get("telemetry")
    project = telemetry.get("project") if isinstance(telemetry, dict) else None
    return HeaderFacts(
        session_id=header.session_id,
        start_unix_ns=ns,
        exact=exact,
        profile_name=header.profile.name or "",
        tool_kinds={info.name: info.kind for info in header.tools},
        served=served_by_profile(profile) if header.profile.type else None,
        max_tokens=max_tokens if isinstance(max_tokens, int) else None,
        project=project if isinstance(project, str) else None,
    )


def new_spans(facts: HeaderFacts) -> SessionSpans:
    spans = SessionSpans(
        session_id=facts.session_id,
        start_unix_ns=facts.start_unix_ns,
        exact_times=facts.exact,
        profile_name=facts.profile_name,
        tool_kinds=dict(facts.tool_kinds),
        served=facts.served,
        max_tokens=facts.max_tokens,
        project=facts.project,
    )
    if not facts.exact:
        spans.problems.append(
            "this session file does not record when its clock started (an older workbench wrote"
            " it): times are approximate, anchored at the header's 'created'"
        )
    return spans


def read_session_spans(path: Path) -> SessionSpans:
    """The spans of a session file. Raises :class:`~workbench.session.SessionError` for a file that
    is not a readable session; a damaged body is exported up to its last good line, with a note."""
    lines = read_lines(path)
    header = parse_header(path, lines[0])
    spans = new_spans(header_facts(header))
    builder = SpanBuilder(spans)
    torn_tail = lines[-1] != b""
    last = len(lines) if torn_tail else len(lines) - 1
    unknown: Counter[str] = Counter()
    loads = orjson.loads
    feed = builder.feed
    known = _KNOWN
    with paused():
        for number in range(2, last + 1):
            line = lines[number - 1]
            try:
                row = loads(line)
                kind = row["type"]
                if kind not in known:
                    unknown[kind] += 1
                    continue
                feed(row)
            except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError):
                if not line.strip():
                    continue
                spans.problems.append(_why(line, number, last, torn_tail))
                break
    for kind, count in unknown.items():
        spans.problems.append(
            f"skipped {count} line{'s' if count != 1 else ''} of unknown event type {kind!r}"
            " (a newer workbench probably wrote them)"
        )
    builder.finish()
    return spans


def _why(line: bytes, number: int, last: int, torn_tail: bool) -> str:
    try:
        raw = orjson.loads(line)
    except orjson.JSONDecodeError:
        if number == last and torn_tail:
            return (
                f"line {number}: not valid JSON (the file ends mid-line; the session was probably"
                " interrupted) — exported what came before it"
            )
        return (
            f"line {number}: not valid JSON — exported what came before it; the rest is not trusted"
        )
    what = "not a JSON object"
    if isinstance(raw, dict):
        try:
            EVENT_ADAPTER.validate_python(raw)
            what = "an event the export could not read"
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            loc = ".".join(str(part) for part in first["loc"][1:])
            what = f"invalid {raw.get('type')!r} event ({loc}: {first['msg']})"
    return f"line {number}: {what} — exported what came before it; the rest is not trusted"
