"""What an exception no handler caught does to the app: its traceback goes to the log file, the
terminal gets one line naming the error and that file, and the process exits 1.

Textual has no public hook for an unhandled exception; :meth:`CrashReport._handle_exception` is the
one adapter onto its private one (``tests/tui/test_keys.py``, the crash test, fails if Textual renames or stops
calling it). What it does after that is public: ``App.panic`` with the one line.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import App


def crash_line(error: BaseException, log: Path | None) -> str:
    """The one line the terminal gets: the error, and where its traceback is."""
    message = " ".join(str(error).split()) or "(no message)"
    where = f"; the traceback is in {log}" if log is not None else ""
    return f"workbench crashed: {type(error).__name__}: {message}{where}"


def log_crash(error: BaseException) -> Path | None:
    """Write ``error``'s traceback to the log file (configured here if nothing did yet)."""
    from workbench.logs import configure_logging, current_log_file, get_logger

    try:
        if current_log_file() is None:
            configure_logging()
        get_logger("workbench.tui").error(
            "unhandled exception in the app", exc_info=(type(error), error, error.__traceback__)
        )
    except OSError:  # no writable state directory: the one line still says what happened
        return None
    return current_log_file()


class CrashReport(App[None]):
    """An app whose unhandled exceptions end it with :func:`crash_line` and exit code 1."""

    crash: BaseException | None = None
    """The exception that ended the app, if one did (the first)."""

    def _handle_exception(self, error: Exception) -> None:
        # Textual's private hook, the only one there is. It keeps the exit code (1) and, under
        # Pilot, re-raises the error for the test; only what is printed at exit changes.
        first = self.crash is None
        if first:
            self.crash = error
        if not first:
            super()._handle_exception(error)
            return
        reported = _Reported(crash_line(error, log_crash(error)))
        reported.__cause__ = error  # a test that fails on it shows the real traceback
        super()._handle_exception(reported)


class _Reported(Exception):
    """An error wearing its one line: Textual prints what ``__rich__`` returns, not a traceback."""

    def __init__(self, line: str) -> None:
        super().__init__(line)
        self.line = line

    def __rich__(self) -> Text:
        return Text(self.line)
