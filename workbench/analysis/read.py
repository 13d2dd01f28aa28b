"""Reading session files for analysis: the one session reader (:mod:`workbench.session.records`).

Statistics over a million recorded events must stay near the cost of parsing the lines at all, so
events are not validated one by one as the typed loader does: the session fold checks what it reads,
and the lines of event types analysis never needs (text, call emissions) are passed over unparsed.
"""

from __future__ import annotations

from pathlib import Path

from workbench.session.records import Record, Recording, open_recording

__all__ = ["Record", "Recording", "read_recording"]


def read_recording(path: Path) -> Recording:
    """Open a session file. Raises the loader's ``SessionFileError`` / ``SessionFormatError``."""
    return open_recording(path)
