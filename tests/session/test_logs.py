"""Logs go to a JSON-lines file in the user's state dir and never to the terminal."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fabricate import session_events
from workbench.logs import (
    EventLogger,
    configure_logging,
    current_log_file,
    get_logger,
    shutdown_logging,
)
from workbench.paths import log_file


@pytest.fixture(autouse=True)
def _reset_logging() -> Iterator[None]:
    yield
    shutdown_logging()


def _records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_default_log_file_is_in_the_state_dir() -> None:
    configure_logging()
    expected = Path(os.environ["XDG_STATE_HOME"]) / "workbench" / "workbench.log"
    assert log_file() == expected
    assert current_log_file() == expected
    get_logger("test").info("hello", answer=42)
    (record,) = _records(expected)
    assert record["event"] == "hello"
    assert record["answer"] == 42
    assert record["level"] == "info"
    assert record["logger"] == "test"
    assert record["timestamp"].endswith("Z")


def test_event_logger_writes_batches_failures_and_errors_only(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "wb.log"
    configure_logging(path)
    sink = EventLogger()
    for event in session_events():
        sink(event)

    records = _records(path)
    assert [r["event"] for r in records] == [
        "batch_started",
        "call_failed",
        "batch_finished",
        "turn_finished",
        "error",
        "turn_finished",
    ]
    finished = records[2]
    assert finished["batch_id"] == "b1"
    assert finished["tools"] == ["weather", "search", "slow_lookup"]
    assert finished["calls"] == 3
    assert finished["failures"] == 1
    assert finished["wall_s"] == 0.39
    assert records[1]["status"] == "timeout"
    assert records[4]["kind"] == "rate_limit"
    assert records[4]["level"] == "error"

    out, err = capfd.readouterr()
    assert out == ""
    assert err == ""


def test_standard_library_warnings_go_to_the_file_not_stderr(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "wb.log"
    configure_logging(path)
    logging.getLogger("httpx").warning("connection pool is full")
    logging.getLogger("httpx").info("below the threshold")

    (record,) = _records(path)
    assert record["event"] == "connection pool is full"
    assert record["logger"] == "httpx"
    assert record["level"] == "warning"
    assert capfd.readouterr() == ("", "")


def test_nothing_is_printed_before_logging_is_configured(capfd: pytest.CaptureFixture[str]) -> None:
    get_logger("early").warning("too soon")
    assert capfd.readouterr() == ("", "")
    assert current_log_file() is None


def test_configuring_again_is_harmless_and_can_move_the_file(tmp_path: Path) -> None:
    first, second = tmp_path / "a.log", tmp_path / "b.log"
    log = get_logger("move")
    configure_logging(first)
    configure_logging(first)
    log.info("one")
    handlers = len(logging.getLogger().handlers)
    configure_logging(second)
    assert len(logging.getLogger().handlers) == handlers
    log.info("two")  # a logger obtained before the move follows it

    assert [r["event"] for r in _records(first)] == ["one"]
    assert [r["event"] for r in _records(second)] == ["two"]
