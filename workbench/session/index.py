"""A small index of a sessions directory, so listing it reads only what changed since last time.

Summarising a session means one pass over its file (:func:`~workbench.session.reader.summarise_session`);
for a directory of 1,000 sessions of 1,000 events that is ~200 MB of lines on every listing. The index
keeps each file's summary with the size and modification time it was taken at; a listing stats every
file and re-reads only those that are new or changed (appended to, rewritten), so a warm listing costs
a ``stat`` per file and one small JSON read (``benchmarks/bench_sessions.py`` measures both).

The index is a cache, kept under the user's cache directory (one file per sessions directory, named
for its path), never in the directory listed: listing a folder writes nothing into it. Missing,
unreadable, of another version or written by a concurrent listing, it is rebuilt; where it cannot be
written the listing goes on without it. A file that could not be read (no permission, a header still
being written) is not kept in it, so the next listing tries again; only a file whose whole first line
says it is not a session is remembered as skipped. Sessions themselves are never written.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from workbench.paths import cache_dir, is_export_file, sessions_dir
from workbench.session.format import SessionError, SessionFormatError
from workbench.session.reader import SessionSummary, summarise_session

INDEX_KIND = "workbench-session-index"
INDEX_VERSION = 2
"""Bumped whenever :class:`SessionSummary` gains or changes a field, so old indexes are rebuilt
(2: ``wall_s``, the turns' walls)."""


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


def index_path(directory: Path) -> Path:
    """Where the index of ``directory`` is kept: ``$XDG_CACHE_HOME/workbench/sessions-index/``,
    a file named for the directory's absolute path."""
    key = hashlib.sha256(str(directory.absolute()).encode("utf-8", "surrogateescape"))
    return cache_dir() / "sessions-index" / f"{key.hexdigest()[:24]}.json"


def list_sessions(
    directory: Path | None = None, *, limit: int | None = None, index: bool = True
) -> list[SessionSummary]:
    """Summaries of the sessions in ``directory`` (default: ``sessions_dir()``), newest first.

    Files that are not readable sessions of a known version are left out. With ``index`` the
    summaries are kept in a small index under the cache directory, so a second listing reads
    only what changed.
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
    if not _is_dir(directory):
        return DirectoryScan([], {}, 0)
    scan = scan_files(directory, session_files(directory), index=index)
    return DirectoryScan(scan.newest_first(), scan.skipped, scan.read)


def scan_files(directory: Path, files: Iterable[Path], *, index: bool = True) -> Scan:
    """Summaries of ``files`` (in or below ``directory``), through the index in ``directory``.

    Entries for files not in ``files`` are dropped from the index, so pass every file that belongs
    in it (the directory's sessions and those of its compare runs)."""
    files = list(dict.fromkeys(files))
    where = index_path(directory)
    old = _load_index(where) if index else {}
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
        keep = True
        try:
            result = summarise_session(path)
        except SessionFormatError as exc:
            result = exc.message
            keep = _first_line_whole(path)  # a header still being written is read again
        except SessionError as exc:
            result = exc.message
            keep = False  # unreadable now (permissions, gone): read again next time
        if keep:
            new[key] = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, **_entry(result)}
        _add(scan, path, result)
    if index and new != old:
        _write_index(where, new)
    return scan


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # a name too long to look up, say
        return False


def _first_line_whole(path: Path) -> bool:
    """Whether the file's first line has its newline: then what it says is final."""
    try:
        with path.open("rb") as file:
            return b"\n" in file.read(1 << 16)
    except OSError:
        return False


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
        "wall_s": result.wall_s,
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
        wall = entry["wall_s"]
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
            wall_s=None if wall is None else float(wall),
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
    """Atomically (a reader sees the old index or the new one); where it cannot be written the
    listing goes on without an index, which is only slower."""
    body = orjson.dumps({"kind": INDEX_KIND, "version": INDEX_VERSION, "entries": entries})
    temp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp.write_bytes(body)
        os.replace(temp, path)
    except OSError:
        with contextlib.suppress(OSError):
            temp.unlink()


__all__ = ["DirectoryScan", "Scan", "index_path", "scan_directory", "scan_files", "session_files"]
