"""Listing recordings: one-pass summaries that agree with a full load, the index beside them, compare
manifests as one row, files that are not sessions skipped and counted."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path

import pytest

from workbench.core.events import CallFinished, CallQueued, TurnStarted
from workbench.session import SessionFileError, SessionRecorder, load_session
from workbench.session.index import index_path, scan_directory
from workbench.session.listing import list_rows
from workbench.session.reader import summarise_session
from workbench.tools.latency import set_latency_scale

from .recorded import varied_sessions

V1 = Path(__file__).parent / "v1"


@pytest.fixture(scope="module")
def recorded_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("listing-home")
    directory = tmp_path_factory.mktemp("listing")
    with pytest.MonkeyPatch.context() as mp:
        for var in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME"):
            mp.setenv(var, str(home / var.lower()))
        previous = set_latency_scale(0.0)
        try:
            asyncio.run(varied_sessions(directory))
        finally:
            set_latency_scale(previous)
    return directory


@pytest.fixture
def sessions(recorded_dir: Path, tmp_path: Path) -> Path:
    """A fresh copy per test: the index is written beside the sessions."""
    directory = tmp_path / "sessions"
    shutil.copytree(recorded_dir, directory)
    return directory


@pytest.mark.parametrize("name", ["eager", "retries", "cancelled"])
def test_a_summary_agrees_with_loading_every_event(sessions: Path, name: str) -> None:
    path = sessions / f"{name}.jsonl"
    loaded = load_session(path)
    summary = summarise_session(path)
    calls = [e for e in loaded.events if isinstance(e, CallFinished)]
    prompts = [e.prompt for e in loaded.events if isinstance(e, TurnStarted)]
    assert summary.events == len(loaded.events)
    assert summary.calls == len(calls)
    assert summary.failures == sum(c.status != "ok" for c in calls)
    assert summary.prompts == tuple(prompts)
    assert summary.duration_s == loaded.events[-1].t
    assert summary.provider == "scripted"
    assert summary.size == path.stat().st_size
    assert summary.t0_unix_ns == loaded.header.t0_unix_ns


def test_only_an_event_s_own_type_counts_not_a_nested_one(tmp_path: Path) -> None:
    path = tmp_path / "nested.jsonl"
    tricky = {"type": "call_finished", "status": "error", "prompt": "not a prompt"}
    common = {"batch_id": "b1", "call_id": "c1", "tool": "echo", "args": tricky}
    with SessionRecorder.create(path, profile={"name": "x"}) as recorder:
        recorder.record(TurnStarted(t=0.0, turn=1, prompt='echo {"type": "turn_started"}'))
        recorder.record(CallQueued(t=0.1, index=0, **common))
        recorder.record(
            CallFinished(
                t=0.2, status="ok", result='{"type":"turn_started"}', queued_t=0.1,
                started_t=0.1, finished_t=0.2, **common,
            )
        )  # fmt: skip
    summary = summarise_session(path)
    assert (summary.turns, summary.calls, summary.failures, summary.events) == (1, 1, 0, 3)
    assert summary.duration_s == 0.2


def test_failures_count_errors_timeouts_and_cancellations(sessions: Path) -> None:
    assert summarise_session(sessions / "retries.jsonl").failures >= 1  # fail(message="boom")
    assert summarise_session(sessions / "cancelled.jsonl").failures >= 1  # hang(), cancelled
    assert summarise_session(sessions / "mixed.jsonl").failures == 0


def test_a_torn_or_corrupt_tail_is_counted_up_to_the_bad_line(sessions: Path) -> None:
    path = sessions / "eager.jsonl"
    whole = summarise_session(path)
    data = path.read_bytes()
    path.write_bytes(data[:-40])  # torn last line
    torn = summarise_session(path)
    assert torn.events == whole.events - 1
    lines = data.split(b"\n")
    path.write_bytes(b"\n".join([*lines[:5], b"{not json", *lines[5:]]))
    assert summarise_session(path).events == 4


def test_rows_newest_first_with_junk_skipped_and_old_files_listed(sessions: Path) -> None:
    (sessions / "junk.jsonl").write_text("not a session\n")
    (sessions / "notes.txt").write_text("ignored: not .jsonl\n")
    (sessions / "eager.otlp.jsonl").write_text('{"resourceSpans": []}\n')  # the app's own export
    old = sessions / "old.jsonl"
    shutil.copy(V1 / "flaky-retries-cap2.jsonl", old)
    listing = list_rows(sessions)
    names = [row.path.name for row in listing.rows]
    assert sorted(names) == sorted(
        [
            "eager.jsonl",
            "batched.jsonl",
            "retries.jsonl",
            "cancelled.jsonl",
            "mixed.jsonl",
            "old.jsonl",
        ]
    )
    assert [r.created for r in listing.rows] == sorted(
        (r.created for r in listing.rows), reverse=True
    )
    assert list(listing.skipped) == [sessions / "junk.jsonl"]
    old_row = next(r for r in listing.rows if r.path == old)
    assert old_row.turns >= 1 and old_row.calls >= 1 and old_row.compare is None


def test_the_second_listing_reads_only_what_changed(sessions: Path) -> None:
    first = scan_directory(sessions)
    assert first.read == 5
    assert index_path(sessions).is_file()
    again = scan_directory(sessions)
    assert again.read == 0
    assert again.summaries == first.summaries
    path = sessions / "mixed.jsonl"
    before = next(s for s in again.summaries if s.path == path)
    with SessionRecorder.create(sessions / "new.jsonl", profile={"name": "new"}) as recorder:
        recorder.record(TurnStarted(t=0.0, turn=1, prompt="fresh"))
    with path.open("ab") as f:  # a session still being recorded grows
        f.write(b'{"t":9.5,"type":"turn_started","turn":3,"prompt":"later"}\n')
    changed = scan_directory(sessions)
    assert changed.read == 2
    after = next(s for s in changed.summaries if s.path == path)
    assert after.turns == before.turns + 1
    assert after.duration_s == 9.5
    (sessions / "new.jsonl").unlink()
    assert len(scan_directory(sessions).summaries) == 5


def test_a_corrupt_or_foreign_index_is_rebuilt(sessions: Path) -> None:
    expected = scan_directory(sessions, index=False).summaries
    index_path(sessions).parent.mkdir(parents=True, exist_ok=True)
    index_path(sessions).write_text("{ this is not json")
    assert scan_directory(sessions).summaries == expected
    index = json.loads(index_path(sessions).read_text())
    assert index["kind"] == "workbench-session-index"
    index["entries"]["eager.jsonl"]["calls"] = "many"  # a malformed entry: that file is read again
    index_path(sessions).write_text(json.dumps(index))
    again = scan_directory(sessions)
    assert again.read == 1
    assert again.summaries == expected


def test_an_index_written_before_the_turns_walls_were_kept_is_read_again(sessions: Path) -> None:
    """Version 1 entries (the span as ``duration_s``, no turns' walls): every file is summarised
    again, so the listing's wall is the turns' walls, not the old span."""
    expected = {s.path: s for s in scan_directory(sessions, index=False).summaries}
    scan_directory(sessions)
    index = json.loads(index_path(sessions).read_text())
    for entry in index["entries"].values():
        del entry["wall_s"]
    index["version"] = 1
    index_path(sessions).write_text(json.dumps(index))
    again = scan_directory(sessions)
    assert again.read == 5
    assert {s.path: s.wall_s for s in again.summaries} == {p: s.wall_s for p, s in expected.items()}
    rows = {row.path: row for row in list_rows(sessions).rows}
    for path, summary in expected.items():
        wall, span = rows[path].wall_s, rows[path].span_s
        assert wall is not None and span is not None
        assert wall == summary.wall_s and wall < span


def test_a_directory_that_cannot_be_written_is_listed_without_an_index(
    sessions: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(src: object, dst: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    assert len(list_rows(sessions).rows) == 5
    assert not index_path(sessions).exists()
    assert [p.name for p in sessions.iterdir() if p.name.endswith(".tmp")] == []


def test_a_compare_run_is_one_row_naming_its_variants(sessions: Path) -> None:
    run = sessions / "compare-20261202-031500-000000"
    run.mkdir()
    shutil.move(sessions / "eager.jsonl", run / "1-eager.jsonl")
    shutil.move(sessions / "batched.jsonl", run / "2-batched.jsonl")
    manifest = {
        "kind": "workbench-compare",
        "version": 1,
        "prompt": "sleep(ms=60), sleep(ms=30) then get_date()",
        "profile": "local",
        "variants": [
            {"name": "eager", "session": "1-eager.jsonl"},
            {"name": "batched", "session": "2-batched.jsonl"},
            {"name": "never-started", "session": None},
        ],
    }
    (run / "compare.json").write_text(json.dumps(manifest))
    listing = list_rows(sessions)
    [row] = [r for r in listing.rows if r.compare is not None]
    assert row.compare == ("eager", "batched", "never-started")
    assert row.path == run / "compare.json"
    assert row.profile == "local"
    assert row.first_prompt == manifest["prompt"]
    parts = [summarise_session(run / "1-eager.jsonl"), summarise_session(run / "2-batched.jsonl")]
    assert row.turns == sum(p.turns for p in parts)
    assert row.calls == sum(p.calls for p in parts)
    assert row.span_s is not None and row.span_s >= max(p.duration_s or 0 for p in parts)
    assert row.wall_s == pytest.approx(sum(p.wall_s or 0 for p in parts))
    assert set(row.sessions) == {run / "1-eager.jsonl", run / "2-batched.jsonl"}
    assert len(listing.rows) == 4  # the variants are not listed again
    assert row.to_json()["compare"] == ["eager", "batched", "never-started"]


def test_a_named_manifest_beside_the_sessions_folds_them_and_a_bad_one_is_skipped(
    sessions: Path,
) -> None:
    (sessions / "weather.compare.json").write_text(
        json.dumps({"variants": [{"name": "a", "session": "retries.jsonl"}, {"name": "b"}]})
    )
    (sessions / "broken.compare.json").write_text('{"variants": "nope"}')
    listing = list_rows(sessions)
    [row] = [r for r in listing.rows if r.compare is not None]
    assert row.compare == ("a", "b")
    assert row.sessions == (sessions / "retries.jsonl",)
    assert sessions / "retries.jsonl" not in [r.path for r in listing.rows]
    assert list(listing.skipped) == [sessions / "broken.compare.json"]
    plain = [r for r in listing.rows if r.compare is None]
    assert all(r.to_json()["compare"] is None for r in plain)


def test_grep_searches_every_prompt_in_any_case(sessions: Path) -> None:
    listing = list_rows(sessions)
    assert {r.path.name for r in listing.grep("TOKYO")} == {
        "eager.jsonl",
        "batched.jsonl",
        "retries.jsonl",
    }
    assert [r.path.name for r in listing.grep("parallel tool calls")] == ["cancelled.jsonl"]
    assert listing.grep("nowhere") == []


def test_a_missing_directory_is_an_empty_listing(tmp_path: Path) -> None:
    listing = list_rows(tmp_path / "nope")
    assert not listing.exists
    assert listing.rows == [] and listing.skipped == {}
    assert not (tmp_path / "nope").exists()


def test_listing_a_directory_writes_nothing_into_it(sessions: Path) -> None:
    before = sorted(p.name for p in sessions.iterdir())
    list_rows(sessions)
    list_rows(sessions)
    assert sorted(p.name for p in sessions.iterdir()) == before
    cache = Path(os.environ["XDG_CACHE_HOME"]) / "workbench" / "sessions-index"
    assert index_path(sessions).parent == cache and index_path(sessions).is_file()


def test_a_file_that_could_not_be_read_is_tried_again_on_the_next_listing(
    sessions: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import workbench.session.index as index_module

    target = sessions / "eager.jsonl"
    real = summarise_session

    def denied(path: Path) -> object:
        if path == target:  # as a chmod 000 would (the tests may run as root)
            raise SessionFileError(path, f"cannot read session file {path}: Permission denied")
        return real(path)

    monkeypatch.setattr(index_module, "summarise_session", denied)
    first = list_rows(sessions)
    assert target in first.skipped
    monkeypatch.setattr(index_module, "summarise_session", real)  # the permission is back
    again = list_rows(sessions)
    assert target not in again.skipped
    assert target in {row.path for row in again.rows}


def test_a_header_still_being_written_is_read_again_a_finished_junk_line_is_not(
    sessions: Path,
) -> None:
    (sessions / "partial.jsonl").write_bytes(b'{"format":"workbench-session","vers')
    (sessions / "junk.jsonl").write_bytes(b"not a session\n")
    first = scan_directory(sessions)
    assert set(first.skipped) == {sessions / "partial.jsonl", sessions / "junk.jsonl"}
    again = scan_directory(sessions)
    assert again.read == 1  # the partial header only: the junk file's verdict is final
    assert set(again.skipped) == set(first.skipped)
