"""``workbench listen`` in the app: runs appear in the table as their spans arrive, and Enter on one
that has ended opens its session on the replay screen."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import requests
from textual.widgets import DataTable

from tests.traces.expect import write_protobuf
from tests.traces.frameworks import Collect, Script, instrumented, run_pydantic_ai
from workbench.emulator.server import EmulatorServer
from workbench.traces.live import LiveRuns
from workbench.traces.receiver import Listener, bind
from workbench.tui.app import create_app
from workbench.tui.screens.listen import ListenScreen
from workbench.tui.screens.replay import ReplayScreen

SIZE = (140, 45)


@pytest.fixture
async def trace(emulator: EmulatorServer, tmp_path: Path) -> bytes:
    state = instrumented()
    sink = Collect()
    state.switch.targets = [sink]
    try:
        await run_pydantic_ai(
            emulator, Script([["Tokyo", "Lima"], ["Lima"], "Done."]), parallel=True
        )
    finally:
        state.switch.targets = []
    return write_protobuf(sink.spans, tmp_path / "t.pb").read_bytes()


def _post(url: str, body: bytes) -> int:
    answer = requests.post(
        url, data=body, headers={"Content-Type": "application/x-protobuf"}, timeout=10
    )
    return answer.status_code


async def test_runs_are_listed_as_they_arrive_and_open_on_the_replay_screen(
    trace: bytes, tmp_path: Path
) -> None:
    live = LiveRuns(tmp_path / "sessions", grace_s=0.05)
    listener = Listener(live, bind("127.0.0.1", 0), tick_s=0.05)
    app = create_app(listen=(listener, "127.0.0.1"), replay_speed=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ListenScreen)
        url = f"http://127.0.0.1:{listener.port}/v1/traces"
        assert await asyncio.to_thread(_post, url, trace) == 200
        table = screen.query_one("#runs", DataTable)
        while table.row_count == 0 or not table.get_row_at(0)[7]:  # its session is written
            screen.rows_changed.clear()
            await asyncio.wait_for(screen.rows_changed.wait(), 10)
        row = table.get_row_at(0)
        assert row[0] == "weather" and row[1].startswith("pydantic-ai")
        assert row[3:7] == ["3", "3", "1", "completed"]
        await pilot.press("enter")
        await asyncio.wait_for(app.signals.replay_finished.wait(), 10)
        assert isinstance(app.screen, ReplayScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ListenScreen)
        await pilot.press("q")
    assert len(list((tmp_path / "sessions").glob("*.jsonl"))) == 1


async def test_a_run_still_going_opens_with_its_timeline_growing(
    trace: bytes, tmp_path: Path
) -> None:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    from workbench.tui.screens.live_run import LiveRunScreen

    request = ExportTraceServiceRequest.FromString(trace)
    spans = list(request.resource_spans[0].scope_spans[0].spans)
    spans.sort(key=lambda s: s.end_time_unix_nano)  # as an exporter sends them: as they end

    def piece(chosen: list[Any]) -> bytes:
        part = ExportTraceServiceRequest()
        part.CopyFrom(request)
        held = part.resource_spans[0].scope_spans[0].spans
        del held[:]
        held.extend(chosen)
        return bytes(part.SerializeToString())

    first_batch_done = [s for s in spans if s.end_time_unix_nano <= spans[2].end_time_unix_nano]
    rest = spans[len(first_batch_done) :]
    live = LiveRuns(tmp_path / "sessions", grace_s=0.05)
    listener = Listener(live, bind("127.0.0.1", 0), tick_s=0.05)
    app = create_app(listen=(listener, "127.0.0.1"), replay_speed=None)
    url = f"http://127.0.0.1:{listener.port}/v1/traces"
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ListenScreen)
        assert await asyncio.to_thread(_post, url, piece(first_batch_done)) == 200
        table = screen.query_one("#runs", DataTable)
        while table.row_count == 0:
            screen.rows_changed.clear()
            await asyncio.wait_for(screen.rows_changed.wait(), 10)
        await pilot.press("enter")
        await pilot.pause()
        run_screen = app.screen
        assert isinstance(run_screen, LiveRunScreen)
        await asyncio.wait_for(run_screen.updated.wait(), 10)
        assert len(run_screen.model.batches) == 1
        assert run_screen.model.turns[0].status is None  # still going
        run_screen.updated.clear()
        assert await asyncio.to_thread(_post, url, piece(rest)) == 200
        while run_screen.final is None:
            run_screen.updated.clear()
            await asyncio.wait_for(run_screen.updated.wait(), 10)
        assert len(run_screen.model.batches) == 2
        assert run_screen.model.turns[0].status == "completed"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ListenScreen)
        await pilot.press("q")
