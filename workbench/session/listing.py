"""The rows of a session listing (``workbench sessions``, the app's session browser): one per session,
and one per compare run naming its variants, newest first.

A compare run writes a manifest beside its sessions: ``compare.json`` in a directory of its own under
the sessions directory, or ``NAME.compare.json`` in it. Only what a listing needs is read from it
(``variants[].name``, ``variants[].session`` relative to the manifest, ``prompt``, ``profile``), so
the manifest's other fields can change freely; the variants' sessions are folded into its row rather
than listed again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workbench.paths import sessions_dir
from workbench.session.index import scan_files, session_files
from workbench.session.reader import SessionSummary

MANIFEST_SUFFIX = ".compare.json"
MANIFEST_NAME = "compare.json"


@dataclass(frozen=True, slots=True)
class SessionRow:
    """One line of a listing: a session, or a compare run (``compare`` names its variants)."""

    path: Path
    """The session file, or the compare manifest."""
    created: datetime
    profile: str | None
    provider: str | None
    model: str | None
    first_prompt: str | None
    turns: int
    calls: int
    failures: int
    wall_s: float | None
    """The sum of the turns' walls (each from its prompt to its end), idle time between turns not
    counted: what the session view's totals say. For a compare run, its variants' summed (they run
    side by side, so it can exceed the span)."""
    span_s: float | None
    """From t = 0 to the last event, idle time included; for a compare run, from the first
    variant's start to the last one's end."""
    bytes: int
    compare: tuple[str, ...] | None = None
    sessions: tuple[Path, ...] = ()
    """The session files the row stands for (one; a compare run's variants)."""
    prompts: tuple[str, ...] = ()

    def mentions(self, text: str) -> bool:
        """Whether any of its prompts contains ``text`` (case-insensitive)."""
        needle = text.casefold()
        return any(needle in prompt.casefold() for prompt in self.prompts)

    def to_json(self) -> dict[str, Any]:
        """The ``workbench sessions --json`` object."""
        return {
            "path": str(self.path),
            "created": self.created.isoformat(),
            "profile": self.profile,
            "provider": self.provider,
            "model": self.model,
            "first_prompt": self.first_prompt,
            "turns": self.turns,
            "calls": self.calls,
            "failures": self.failures,
            "wall_s": None if self.wall_s is None else round(self.wall_s, 6),
            "span_s": None if self.span_s is None else round(self.span_s, 6),
            "bytes": self.bytes,
            "compare": None if self.compare is None else list(self.compare),
        }


@dataclass(slots=True)
class Listing:
    directory: Path
    exists: bool
    rows: list[SessionRow] = field(default_factory=list)
    """Newest first."""
    skipped: dict[Path, str] = field(default_factory=dict)
    """Files that are not sessions (or manifests) this workbench can read, with why."""

    def grep(self, text: str) -> list[SessionRow]:
        return [row for row in self.rows if row.mentions(text)]


def list_rows(directory: Path | None = None, *, index: bool = True) -> Listing:
    """Every session and compare run in ``directory`` (default: the user's sessions directory)."""
    directory = sessions_dir() if directory is None else directory
    try:
        exists = directory.is_dir()
    except OSError:  # a name too long to look up, say
        exists = False
    if not exists:
        return Listing(directory, exists=False)
    listing = Listing(directory, exists=True)
    manifests: list[tuple[Path, dict[str, Any], list[tuple[str, Path | None]]]] = []
    for path in manifest_files(directory):
        try:
            data, variants = read_manifest(path)
        except ValueError as exc:
            listing.skipped[path] = str(exc)
            continue
        manifests.append((path, data, variants))
    variant_files = [p for _, _, variants in manifests for _, p in variants if p is not None]
    scan = scan_files(directory, [*session_files(directory), *variant_files], index=index)
    listing.skipped.update(scan.skipped)
    folded: set[Path] = set()
    for path, data, variants in manifests:
        sessions = [scan.summaries[p] for _, p in variants if p is not None and p in scan.summaries]
        folded.update(s.path for s in sessions)
        listing.rows.append(_compare_row(path, data, [name for name, _ in variants], sessions))
    listing.rows.extend(_session_row(s) for path, s in scan.summaries.items() if path not in folded)
    listing.rows.sort(key=lambda row: row.created, reverse=True)
    return listing


def manifest_files(directory: Path) -> list[Path]:
    """Compare manifests in ``directory``: ``*.compare.json`` in it, and ``compare.json`` in it or
    in one of its subdirectories (where ``workbench compare`` keeps a run's sessions)."""
    found = [*directory.glob(f"*{MANIFEST_SUFFIX}"), *directory.glob(f"*/{MANIFEST_NAME}")]
    if (directory / MANIFEST_NAME).is_file():
        found.append(directory / MANIFEST_NAME)
    return sorted(p for p in set(found) if p.is_file())


def read_manifest(path: Path) -> tuple[dict[str, Any], list[tuple[str, Path | None]]]:
    """A manifest's JSON and its variants as ``(name, session file or None)``; ``ValueError`` with
    a one-line reason when it is not one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"cannot read it: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ValueError("not a compare manifest (invalid JSON)") from None
    variants = data.get("variants") if isinstance(data, dict) else None
    if not isinstance(variants, list) or not all(
        isinstance(v, dict) and isinstance(v.get("name"), str) for v in variants
    ):
        raise ValueError('not a compare manifest (no "variants" list with names)')
    assert isinstance(data, dict)
    out: list[tuple[str, Path | None]] = []
    for variant in variants:
        session = variant.get("session")
        out.append((variant["name"], (path.parent / session) if isinstance(session, str) else None))
    return data, out


def _session_row(s: SessionSummary) -> SessionRow:
    return SessionRow(
        path=s.path,
        created=s.created,
        profile=s.profile_name,
        provider=s.provider,
        model=s.model,
        first_prompt=s.first_prompt,
        turns=s.turns,
        calls=s.calls,
        failures=s.failures,
        wall_s=s.wall_s,
        span_s=s.duration_s,
        bytes=s.size,
        sessions=(s.path,),
        prompts=s.prompts,
    )


def _compare_row(
    path: Path, data: dict[str, Any], names: list[str], sessions: list[SessionSummary]
) -> SessionRow:
    first = min(sessions, key=lambda s: s.t0_unix_ns, default=None)
    prompt = data.get("prompt")
    profile = data.get("profile")
    try:
        size = path.stat().st_size
        mtime = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except OSError:
        size, mtime = 0, datetime.now(UTC)
    return SessionRow(
        path=path,
        created=first.created if first is not None else mtime,
        profile=profile if isinstance(profile, str) else (first.profile_name if first else None),
        provider=_common(s.provider for s in sessions),
        model=_common(s.model for s in sessions),
        first_prompt=prompt if isinstance(prompt, str) else (first.first_prompt if first else None),
        turns=sum(s.turns for s in sessions),
        calls=sum(s.calls for s in sessions),
        failures=sum(s.failures for s in sessions),
        wall_s=_walls(sessions),
        span_s=_span(sessions),
        bytes=size + sum(s.size for s in sessions),
        compare=tuple(names),
        sessions=tuple(s.path for s in sessions),
        prompts=tuple(
            dict.fromkeys(
                [
                    *([prompt] if isinstance(prompt, str) else []),
                    *(p for s in sessions for p in s.prompts),
                ]
            )
        ),
    )


def _common(values: Iterable[str | None]) -> str | None:
    """The one value they share, or "mixed"."""
    distinct = {v for v in values if v is not None}
    if not distinct:
        return None
    return distinct.pop() if len(distinct) == 1 else "mixed"


def _walls(sessions: list[SessionSummary]) -> float | None:
    """A compare run's wall: variants that ran side by side (their sessions overlap in time)
    count as the longest of them, variants run one after another (``--one-at-a-time``) add up.
    Summing side-by-side variants gave a wall longer than the run's own span."""
    timed = sorted((s for s in sessions if s.wall_s is not None), key=lambda s: s.t0_unix_ns)
    if not timed:
        return None
    total = 0.0
    group_end, group_wall = None, 0.0
    for s in timed:
        end = _end_ns(s)
        if group_end is not None and s.t0_unix_ns < group_end:  # overlaps the group: side by side
            group_wall = max(group_wall, s.wall_s or 0.0)
            group_end = max(group_end, end)
        else:
            total += group_wall
            group_end, group_wall = end, s.wall_s or 0.0
    return total + group_wall


def _span(sessions: list[SessionSummary]) -> float | None:
    """From the earliest start to the latest end: right whether the variants ran side by side or one
    after another."""
    timed = [s for s in sessions if s.duration_s is not None]
    if not timed:
        return None
    start = min(s.t0_unix_ns for s in timed)
    end = max(_end_ns(s) for s in timed)
    return (end - start) / 1e9


def _end_ns(s: SessionSummary) -> int:
    """When a session's last event came, on the wall clock."""
    return s.t0_unix_ns + round((s.duration_s or 0.0) * 1e9)


__all__ = ["Listing", "SessionRow", "list_rows", "manifest_files", "read_manifest"]
