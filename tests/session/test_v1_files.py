"""Session files written before the header knew when t = 0 was still load, replay and place events."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from workbench.core.events import BatchFinished, CallFinished, TurnFinished
from workbench.render.printer import TerminalPrinter
from workbench.session import load_session

V1 = sorted((Path(__file__).parent / "v1").glob("*.jsonl"))


def test_there_are_old_files_to_check() -> None:
    assert len(V1) >= 3


@pytest.mark.parametrize("path", V1, ids=[p.stem for p in V1])
def test_an_old_file_loads_whole_and_replays_to_the_timeline(path: Path) -> None:
    loaded = load_session(path)
    assert loaded.problems == []
    header = loaded.header
    assert header.t0_unix_ns is None
    assert header.tools == []
    assert header.profile.name == "local"
    assert header.provider is not None and header.provider.name == "scripted"
    assert any(isinstance(e, TurnFinished) for e in loaded.events)
    out = io.StringIO()
    printer = TerminalPrinter(out)
    for event in loaded.events:
        printer.handle(event)
    batches = [e for e in loaded.events if isinstance(e, BatchFinished)]
    assert batches
    assert out.getvalue().count("batch b") == len(batches)


@pytest.mark.parametrize("path", V1, ids=[p.stem for p in V1])
def test_an_old_file_places_events_approximately_from_created(path: Path) -> None:
    header = load_session(path).header
    start, exact = header.start_unix_ns()
    assert not exact
    assert start == pytest.approx(header.created.timestamp() * 1e9, abs=1e3)
    assert header.wall_ns(1.5) - start == 1_500_000_000


def test_a_new_file_knows_t0_exactly_and_lists_its_tools(tmp_path: Path) -> None:
    from workbench.cli import main

    path = tmp_path / "s.jsonl"
    assert main(["run", "--record", str(path), "get_date(), sleep(ms=10)"]) == 0
    loaded = load_session(path)
    start, exact = loaded.header.start_unix_ns()
    assert exact
    created_ns = loaded.header.created.timestamp() * 1e9
    assert abs(start - created_ns) < 5e9, "t = 0 is when recording opens, give or take"
    names = {t.name for t in loaded.header.tools}
    assert {"get_date", "sleep"} <= names
    assert all(t.kind == "function" and t.source is None for t in loaded.header.tools)
    first_call = next(e for e in loaded.events if isinstance(e, CallFinished))
    assert loaded.header.wall_ns(first_call.finished_t) > start
