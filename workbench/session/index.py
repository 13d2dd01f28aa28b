"""A small index beside the sessions, so listing a directory reads only what changed since last time.

Summarising a session means one pass over its file (:func:`~workbench.session.reader.summarise_session`);
for a directory of 1,000 sessions of 1,000 events that is ~200 MB of lines on every listing. The index
(``.workbench-index.json`` in the directory) keeps each file's summary with the size and modification
time it was taken at; a listing stats every file and re-reads only those that are new or changed
(appended to, rewritten), so a warm listing costs a ``stat`` per file and one small JSON read
(``benchmarks/bench_sessions.py`` measures both). The index is a cache: missing, unreadable, of another
version or written by a concurrent listing, it is rebuilt; a directory that cannot be written is listed
without one. Sessions themselves are never written.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from workbench.paths import is_export_file, sessions_dir
from workbench.session.format import SessionError
from workbench.session.reader import SessionSummary, summarise_session

INDEX_NAME = ".workbench-index.json"
INDEX_KIND = "workbench-session-index"
INDEX_VERSION = 1
"""Bumped whenever :class:`SessionSummary` gains or changes a field, so old indexes are rebuilt."""


@dataclass(slots=True)
class Scan:
    """Summaries of the files asked for, and the files that are not sessions (with why)."""

    summaries: dict[Path, SessionSummary] = field(default_factory=dict)
    skipped: dict[Path, str] = field(default_factory=dict)
    read: int = 0
    """How many files were read in full (new or changed since the index was written)."""

    def newest_first(self) -> list[SessionSummary]:
        return sorted(self.summaries.values(), key=lambda s: s.created, reverse=True)


@dataclass(slots=True)
class DirectoryScan:
    summaries: list[SessionSummary]
    """Newest first."""
    skipped: dict[Path, str]
    read: int


def list_sessions(
    directory: Path | None = None, *, limit: int | None = None, index: bool = True
) -> list[SessionSummary]:
    """Summaries of the sessions in ``directory`` (default: ``sessions_dir()``), newest first.

    Files that are not readable sessions of a known version are left out. With ``index`` the
    summaries are kept in a small index file beside the sessions, so a second listing reads only
    what changed.
    """
    directory = sessions_dir() if directory is None else directory
    summaries = scan_directory(directory, index=index).summaries
    return summaries if limit is None else summaries[:limit]


def session_files(directory: Path) -> list[Path]:
    """The candidate session files of a directory (``*.jsonl``, not in subdirectories; not the
    OTLP exports written beside them)."""
    try:
        return sorted(p for p in directory.glob("*.jsonl") if p.is_file() and not is_export_file(p))
    except OSError:
        return []


def scan_directory(directory: Path, *, index: bool = True) -> DirectoryScan:
    """Every session directly in ``directory``, newest first; a missing directory is empty."""
    if not directory.is_dir():
        return DirectoryScan([], {}, 0)
    scan = scan_files(directory, session_files(directory), index=index)
    return DirectoryScan(scan.newest_first(), scan.skipped, scan.read)


def scan_files(directory: Path, files: Iterable[Path], *, index: bool = True) -> Scan:
    """Summaries of ``files`` (in or below ``directory``), through the index in ``directory``.

    Entries for files not in ``files`` are dropped from the index, so pass every file that belongs
    in it (the directory's sessions and those of its compare runs)."""
    files = list(dict.fromkeys(files))
    old = _load_index(directory / INDEX_NAME) if index else {}
    new: dict[str, dict[str, Any]] = {}
    scan = Scan()
    for path in files:
        key = _key(directory, path)
        try:
            stat = path.stat()
        except OSError as exc:
            scan.skipped[path] = f"cannot read it: {exc.strerror or exc}"
            continue
        entry = old.get(key)
        if entry is not None and (entry.get("size"), entry.get("mtime_ns")) == (
            stat.st_size,
            stat.st_mtime_ns,
        ):
            restored = _restore(path, entry)
            if restored is not None:
                new[key] = entry
                _add(scan, path, restored)
                continue
        scan.read += 1
        result: SessionSummary | str
        try:
            result = summarise_session(path)
        except SessionError as exc:
            result = exc.message
        new[key] = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, **_entry(result)}
        _add(scan, path, result)
    if index and new != old:
        _write_index(directory / INDEX_NAME, new)
    return scan


def _add(scan: Scan, path: Path, result: SessionSummary | str) -> None:
    if isinstance(result, str):
        scan.skipped[path] = result
    else:
        scan.summaries[path] = result


def _key(directory: Path, path: Path) -> str:
    try:
        return path.relative_to(directory).as_posix()
    except ValueError:
        return str(path)


def _entry(result: SessionSummary | str) -> dict[str, Any]:
    if isinstance(result, str):
        return {"skipped": result}
    return {
        "created": result.created.isoformat(),
        "session_id": result.session_id,
        "profile_name": result.profile_name,
        "events": result.events,
        "duration_s": result.duration_s,
        "provider": result.provider,
        "model": result.model,
        "calls": result.calls,
        "failures": result.failures,
        "bytes": result.size,
        "prompts": list(result.prompts),
        "t0_unix_ns": result.t0_unix_ns,
    }


def _restore(path: Path, entry: dict[str, Any]) -> SessionSummary | str | None:
    """The summary an index entry holds, or None when the entry is malformed (then the file is read)."""
    skipped = entry.get("skipped")
    if isinstance(skipped, str):
        return skipped
    try:
        prompts = tuple(str(p) for p in entry["prompts"])
        duration = entry["duration_s"]
        return SessionSummary(
            path=path,
            created=datetime.fromisoformat(entry["created"]),
            session_id=str(entry["session_id"]),
            profile_name=_optional_str(entry["profile_name"]),
            turns=len(prompts),
            events=int(entry["events"]),
            first_prompt=prompts[0] if prompts else None,
            duration_s=None if duration is None else float(duration),
            provider=_optional_str(entry["provider"]),
            model=_optional_str(entry["model"]),
            calls=int(entry["calls"]),
            failures=int(entry["failures"]),
            size=int(entry["bytes"]),
            prompts=prompts,
            t0_unix_ns=int(entry["t0_unix_ns"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _optional_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _load_index(path: Path) -> dict[str, dict[str, Any]]:
    try:
        raw = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}
    if (
        not isinstance(raw, dict)
        or raw.get("kind") != INDEX_KIND
        or raw.get("version") != INDEX_VERSION
    ):
        return {}
    entries = raw.get("entries")
    if not isinstance(entries, dict):
        return {}
    return {k: v for k, v in entries.items() if isinstance(v, dict)}


def _write_index(path: Path, entries: dict[str, dict[str, Any]]) -> None:
    """Atomically (a reader sees the old index or the new one); a directory that cannot be written
    is listed without an index, which is only slower."""
    body = orjson.dumps({"kind": INDEX_KIND, "version": INDEX_VERSION, "entries": entries})
    temp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        temp.write_bytes(body)
        os.replace(temp, path)
    except OSError:
        with contextlib.suppress(OSError):
            temp.unlink()


__all__ = ["INDEX_NAME", "DirectoryScan", "Scan", "scan_directory", "scan_files", "session_files"]
