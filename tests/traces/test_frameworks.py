"""Agents no one here wrote: pydantic-ai and the OpenAI Agents SDK, unmodified, instrumented by their
own OpenTelemetry code, run against the emulator; their trace files imported with ``workbench import``.
The imported batches, round trips, statuses and batch walls are held against the spans themselves."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.traces.expect import assert_matches, write_json_lines, write_protobuf
from tests.traces.facts import facts
from tests.traces.frameworks import (
    Collect,
    Script,
    attributes,
    instrumented,
    operation,
    run_openai_agents,
    run_pydantic_ai,
)
from workbench.cli import main
from workbench.emulator.server import EmulatorServer
from workbench.session import load_session

PARALLEL = Script([["Tokyo", "Lima"], ["Lima"], "Sunny in both."])
SEQUENTIAL = Script([["Tokyo"], ["Lima"], ["Lima"], "Sunny in both."])


@pytest.fixture
def collect() -> Iterator[Collect]:
    state = instrumented()
    sink = Collect()
    state.switch.targets = [sink]
    try:
        yield sink
    finally:
        state.switch.targets = []


def _import(trace: Path, tmp_path: Path) -> Path:
    out = tmp_path / "imported.jsonl"
    assert main(["import", str(trace), "-o", str(out)]) == 0
    return out


@pytest.mark.parametrize("fmt", ["json", "protobuf"])
async def test_pydantic_ai_parallel_calls_and_a_retry(
    fmt: str, emulator: EmulatorServer, collect: Collect, tmp_path: Path
) -> None:
    assert await run_pydantic_ai(emulator, PARALLEL, parallel=True) == "Sunny in both."
    spans = collect.spans
    write = write_json_lines if fmt == "json" else write_protobuf
    out = _import(write(spans, tmp_path / f"trace.{fmt}"), tmp_path)
    session = facts(out)
    assert_matches(spans, session)
    assert session.calls_per_response == [2, 1, 0]
    assert sorted(session.batches[0].statuses) == ["error", "ok"]  # the retry asked for
    # pydantic-ai's tool spans carry the call ids its responses emitted: matched by id.
    header = load_session(out).header
    assert header.source is not None
    assert header.source["batches_by"] == "call id"
    assert header.source["scope"] == "pydantic-ai"
    assert header.source["slot_wait"] == "unknown"
    ids = {attributes(s)["gen_ai.tool.call.id"] for s in spans if operation(s) == "execute_tool"}
    assert {c.call_id for b in session.batches for c in b.calls} == ids
    assert [t.status for t in session.turns] == ["completed"]
    assert session.turns[0].text == "Sunny in both."


async def test_pydantic_ai_sequential(
    emulator: EmulatorServer, collect: Collect, tmp_path: Path
) -> None:
    await run_pydantic_ai(emulator, SEQUENTIAL, parallel=False)
    out = _import(write_json_lines(collect.spans, tmp_path / "trace.jsonl"), tmp_path)
    session = facts(out)
    assert_matches(collect.spans, session)
    assert session.calls_per_response == [1, 1, 1, 0]
    assert [b.statuses for b in session.batches] == [["ok"], ["error"], ["ok"]]


@pytest.mark.parametrize("api", ["responses", "chat"])
async def test_openai_agents_parallel_calls_and_a_failing_tool(
    api: str, emulator: EmulatorServer, collect: Collect, tmp_path: Path
) -> None:
    await run_openai_agents(emulator, PARALLEL, parallel=True, api=api)
    spans = collect.spans
    out = _import(write_json_lines(spans, tmp_path / "trace.jsonl"), tmp_path)
    session = facts(out)
    assert_matches(spans, session)
    assert session.calls_per_response == [2, 1, 0]
    header = load_session(out).header
    assert header.source is not None
    # Its tool spans carry no call id: which response emitted a call is told by time.
    assert header.source["batches_by"] == "time"
    assert header.source["scope"] == "opentelemetry.instrumentation.openai_agents"
    assert header.source["agent"] == "weather"
    assert [t.status for t in session.turns] == ["completed"]


async def test_openai_agents_sequential(
    emulator: EmulatorServer, collect: Collect, tmp_path: Path
) -> None:
    await run_openai_agents(emulator, SEQUENTIAL, parallel=False)
    out = _import(write_protobuf(collect.spans, tmp_path / "trace.pb"), tmp_path)
    session = facts(out)
    assert_matches(collect.spans, session)
    assert session.calls_per_response == [1, 1, 1, 0]
    assert [b.statuses for b in session.batches] == [["ok"], ["error"], ["ok"]]
