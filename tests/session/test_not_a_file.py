"""Every reader of a session file (replay, analyze, export, the app's /replay, the listing) goes through
one read that refuses what is not a regular file before opening it: a FIFO would block, a device never
ends."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from workbench.session.format import SessionFileError
from workbench.session.reader import load_session
from workbench.session.records import open_recording


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "session.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(SessionFileError, match="named pipe"):
        load_session(fifo)
    with pytest.raises(SessionFileError, match="named pipe"):
        open_recording(fifo)


def test_a_device_that_never_ends_is_refused() -> None:
    with pytest.raises(SessionFileError, match="device"):
        load_session(Path("/dev/zero"))
