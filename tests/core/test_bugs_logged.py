"""Our own bugs caught at a boundary: one line for the user, the whole traceback in the log file.

The loop and the executor catch broadly where a bug must not end the session (a provider that
raises what it should not, a consumer that fails, a call whose bookkeeping fails); without the
traceback in the log, nobody could tell where it came from.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.core.test_loop import FakeProvider, call, collect, registry, response
from workbench.core.events import CallFinished, CallStarted, ErrorEvent, Event, TurnFinished
from workbench.core.executor import ToolExecutor
from workbench.core.loop import AgentLoop
from workbench.core.provider import ModelRequest, ProviderEvent, TextChunk
from workbench.core.settings import ExecutionSettings
from workbench.logs import configure_logging, shutdown_logging


@pytest.fixture
def log(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "workbench.log"
    configure_logging(path)
    yield path
    shutdown_logging()


def records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def bug_record(path: Path, words: str) -> dict[str, Any]:
    [record] = [r for r in records(path) if words in r.get("event", "")]
    assert record["level"] == "error"
    return record


class BrokenProvider(FakeProvider):
    """A provider whose adapter has a bug: it raises what no adapter may (not a ProviderError)."""

    async def stream(self, request: ModelRequest) -> AsyncIterator[ProviderEvent]:
        self.requests.append(request)
        _parse_usage({})
        yield TextChunk("never reached")  # pragma: no cover


def _parse_usage(body: dict[str, int]) -> int:
    return body["input_tokens"]


async def test_a_provider_bug_is_one_line_for_the_user_and_a_traceback_in_the_log(
    log: Path,
) -> None:
    loop = AgentLoop(BrokenProvider([]), registry())
    events = await collect(loop.run("go"))
    [error] = [e for e in events if isinstance(e, ErrorEvent)]
    assert (error.kind, error.message) == ("internal", "KeyError: 'input_tokens'")
    assert next(e for e in events if isinstance(e, TurnFinished)).status == "error"
    record = bug_record(log, "the turn failed")
    assert "turn=1" in record["event"] and "provider='fake'" in record["event"]
    assert "Traceback" in record["exception"] and "_parse_usage" in record["exception"]


async def test_a_consumer_that_fails_is_detached_and_its_traceback_logged(log: Path) -> None:
    def buggy(event: Event) -> None:
        if isinstance(event, CallStarted):
            raise KeyError("oops")

    provider = FakeProvider([response("", call("a", word="x")), response("Done.")])
    events = await collect(AgentLoop(provider, registry(), sinks=[buggy]).run("go"))
    assert next(e for e in events if isinstance(e, TurnFinished)).status == "completed"
    record = bug_record(log, "an event consumer failed and was detached")
    assert "sink='test_a_consumer_that_fails" in record["event"]
    assert "in buggy" in record["exception"]


async def test_a_call_whose_bookkeeping_fails_still_gets_its_result_and_is_logged(
    log: Path,
) -> None:
    # The executor on its own, with a consumer that fails as a call finishes: the error comes back
    # into the worker, which must not leave the batch waiting.
    def failing(event: Event) -> None:
        if isinstance(event, CallFinished) and event.call_id == "a":
            raise RuntimeError("consumer bug")

    executor = ToolExecutor(registry(), emit=failing)
    results = await executor.run(
        "b1", [call("a", word="x"), call("b", word="y")], ExecutionSettings()
    )
    assert [r.status for r in results] == ["ok", "ok"]
    record = bug_record(log, "running a call failed")
    assert "batch='b1'" in record["event"] and "call='a'" in record["event"]
    assert "RuntimeError: consumer bug" in record["exception"]
