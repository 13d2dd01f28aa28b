"""Writing an imported session through the ordinary session recorder, so every reader reads it."""

from __future__ import annotations

from pathlib import Path

from workbench.paths import sessions_dir
from workbench.session.recorder import SessionRecorder
from workbench.traces.convert import ImportedSession


def default_path(session: ImportedSession, directory: Path | None = None) -> Path:
    """``<dir>/<first span's UTC time>-<id>.jsonl``: importing a trace again replaces its file."""
    directory = sessions_dir() if directory is None else directory
    return directory / f"{session.created:%Y%m%d-%H%M%S}-{session.session_id[:8]}.jsonl"


def write_session(session: ImportedSession, path: Path) -> Path:
    """Write the session file. Raises :class:`~workbench.session.SessionFileError`."""
    with SessionRecorder.create(
        path,
        profile=session.profile,
        provider=session.provider,
        t0_unix_ns=session.t0_unix_ns,
        session_id=session.session_id,
        created=session.created,
        source=session.source,
        batch_size=5_000,
        max_buffer=5_000,
        overwrite=True,  # importing again replaces the import (never a file that is not a session)
    ) as recorder:
        recorder.record_all(session.events)
    return path
