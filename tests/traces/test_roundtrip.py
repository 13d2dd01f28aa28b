"""A session exported with ``workbench export --format otlp`` and imported back is the same session:
round trips, batches, calls, statuses and batch walls (to the microsecond the export keeps)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.traces.facts import facts
from workbench.cli import main
from workbench.session import load_session

NAMES = ["retries", "cancelled", "not_eager", "sequential", "flaky"]


@pytest.mark.parametrize("name", NAMES)
def test_export_then_import_gives_the_same_batches(
    name: str, own_sessions: dict[str, Path], tmp_path: Path
) -> None:
    original = own_sessions[name]
    trace = tmp_path / "trace.otlp.jsonl"
    back = tmp_path / "back.jsonl"
    assert main(["export", str(original), "--format", "otlp", "-o", str(trace)]) == 0
    assert main(["import", str(trace), "-o", str(back)]) == 0

    before, after = facts(original), facts(back)
    assert after.problems == []
    assert after.round_trips == before.round_trips
    assert after.calls_per_response == before.calls_per_response
    assert [t.status for t in after.turns] == [t.status for t in before.turns]
    assert [b.batch_id for b in after.batches] == [b.batch_id for b in before.batches]
    for was, now in zip(before.batches, after.batches, strict=True):
        assert sorted(c.call_id for c in now.calls) == sorted(c.call_id for c in was.calls)
        assert now.tools == was.tools
        assert now.statuses == was.statuses
        assert was.wall_s is not None and now.wall_s is not None
        assert now.wall_s == pytest.approx(was.wall_s, abs=1e-6)
        for a, b in zip(
            sorted(was.calls, key=lambda c: c.call_id),
            sorted(now.calls, key=lambda c: c.call_id),
            strict=True,
        ):
            assert b.finished_t - b.queued_t == pytest.approx(a.finished_t - a.queued_t, abs=1e-6)
            assert (b.started_t is None) == (a.started_t is None)
            assert b.attempts == a.attempts


def test_the_header_says_where_the_session_came_from(
    own_sessions: dict[str, Path], tmp_path: Path
) -> None:
    trace = tmp_path / "trace.otlp.jsonl"
    back = tmp_path / "back.jsonl"
    assert main(["export", str(own_sessions["sequential"]), "-f", "otlp", "-o", str(trace)]) == 0
    assert main(["import", str(trace), "-o", str(back)]) == 0
    header = load_session(back).header
    assert header.source is not None
    assert header.source["kind"] == "imported"
    assert header.source["scope"] == "workbench.export"
    assert header.source["batches_by"] == "link"
    assert header.source["slot_wait"] == "recorded"
    assert header.profile.type == "imported"
