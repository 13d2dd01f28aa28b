"""Where workbench keeps the user's files: sessions, logs, user profiles and caches.

Resolved with platformdirs on every call (so a changed XDG_* variable is honoured, which the tests rely
on). Nothing here creates a directory: whoever writes a file creates its parent.
"""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_cache_path, user_config_path, user_data_path, user_state_path

APP_NAME = "workbench"
LOG_FILE_NAME = "workbench.log"


def data_dir() -> Path:
    """User data, e.g. ``$XDG_DATA_HOME/workbench``."""
    return user_data_path(APP_NAME)


def sessions_dir() -> Path:
    """Recorded sessions, e.g. ``$XDG_DATA_HOME/workbench/sessions``."""
    return data_dir() / "sessions"


def log_dir() -> Path:
    """User state, where the log lives, e.g. ``$XDG_STATE_HOME/workbench``."""
    return user_state_path(APP_NAME)


def log_file() -> Path:
    """The JSON-lines log, e.g. ``$XDG_STATE_HOME/workbench/workbench.log``."""
    return log_dir() / LOG_FILE_NAME


def config_dir() -> Path:
    """User configuration (profiles), e.g. ``$XDG_CONFIG_HOME/workbench``."""
    return user_config_path(APP_NAME)


def cache_dir() -> Path:
    """What can be rebuilt at any time (the sessions index), e.g. ``$XDG_CACHE_HOME/workbench``."""
    return user_cache_path(APP_NAME)


EXPORT_SUFFIXES = (".otlp.jsonl", ".trace.json")
"""What ``workbench export`` and ``/export`` write beside a session (``workbench/export/files.py``
names them per format; a test holds the two equal): the app's own files, never a bad session."""


def is_export_file(path: Path) -> bool:
    """Whether ``path`` is one of the export files written beside a session."""
    return path.name.endswith(EXPORT_SUFFIXES)
