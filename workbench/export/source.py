"""Reading a session file into :class:`SessionSpans`, fast enough for sessions of 100,000 calls.

Through the one session reader (:mod:`workbench.session.records`: its header check, its rules for a
bad, torn or unknown line, and its words) and the session fold. Events are not validated one by one
(that would cost more than the export itself): the fold checks what it reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from workbench.export.provider import ServedBy, served_by_profile
from workbench.export.spans import SessionSpans, SpanBuilder
from workbench.gcpolicy import paused
from workbench.session.format import SessionHeader
from workbench.session.records import open_recording


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
    recording = open_recording(path)
    spans = new_spans(header_facts(recording.header))
    builder = SpanBuilder(spans, keep_facts=False)
    with paused():
        recording.feed_fold(builder.fold)  # spans are made as each turn ends
        builder.finish()
    spans.problems.extend(recording.problems)
    interruption = builder.fold.interruption
    if interruption is not None:
        spans.problems.append(interruption.sentence(damaged=recording.truncated_at is not None))
    return spans
