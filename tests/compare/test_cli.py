"""``workbench compare`` and ``workbench replay MANIFEST`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from workbench.cli import main
from workbench.emulator.server import EmulatorServer, Misbehaviour

SCHEMA = json.loads((Path(__file__).parents[2] / "docs" / "compare.schema.json").read_text())


def test_json_is_exactly_one_object_that_fits_the_schema(
    fast_profile_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["compare", "--profile", str(fast_profile_path), "--json", "--record-dir",
         str(tmp_path / "cmp"), "sleep(ms=20), sleep(ms=20), sleep(ms=20)"]
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0
    summary = json.loads(out)  # exactly one JSON document
    assert out.count("\n") == 1
    jsonschema.validate(summary, SCHEMA)
    assert [v["name"] for v in summary["variants"]] == [
        "sequential",
        "parallel-emission",
        "parallel",
    ]
    assert all(v["status"] == "completed" for v in summary["variants"])
    assert summary["variants"][0]["round_trips"] == 4
    assert summary["variants"][2]["round_trips"] == 2
    manifest = tmp_path / "cmp" / "compare.json"
    assert manifest.is_file() and str(manifest) in err


def test_timelines_then_the_table_and_the_verdict(
    fast_profile_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["compare", "--profile", str(fast_profile_path), "--variant", "one:max=1",
         "--variant", "all:max=4", "--record-dir", str(tmp_path),
         "sleep(ms=30), sleep(ms=30), sleep(ms=30), sleep(ms=30)"]
    )  # fmt: skip
    out, _ = capsys.readouterr()
    assert code == 0
    assert "━━ one · max=1" in out and "━━ all · max=4" in out
    assert out.count("batch b1 · 4 calls") == 2
    table = out[out.index("variant ") :]
    assert "baseline" in table
    last = out.strip().splitlines()[-1]
    assert last.startswith("all: ") and "faster than one" in last
    assert "the same round trips" in last


def test_replaying_the_manifest_prints_the_same_table(
    fast_profile_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(
        ["compare", "--profile", str(fast_profile_path), "--record-dir", str(tmp_path),
         "sleep(ms=10), sleep(ms=10)"]
    )  # fmt: skip
    live, _ = capsys.readouterr()
    code = main(["replay", str(tmp_path / "compare.json"), "--headless"])
    replayed, _ = capsys.readouterr()
    assert code == 0
    assert live[live.index("variant ") :] == replayed[replayed.index("variant ") :]


def test_a_bad_manifest_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "compare.json"
    bad.write_text('{"kind": "something-else"}')
    assert main(["replay", str(bad), "--headless"]) == 2
    _, err = capsys.readouterr()
    assert "not a compare manifest" in err and err.count("\n") == 1


def test_a_missing_key_is_bad_usage_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["compare", "--profile", "anthropic", "--record-dir", str(tmp_path), "hi"])
    _, err = capsys.readouterr()
    assert code == 2
    assert "ANTHROPIC_API_KEY is not set" in err and err.count("\n") == 1
    assert not (tmp_path / "compare.json").exists()


def test_a_failing_variant_exits_1_and_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    import threading

    server = EmulatorServer()
    loop = asyncio.new_event_loop()
    port = loop.run_until_complete(server.start())
    server.misbehave(Misbehaviour(status=401, times=1))
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        code = main(
            ["compare", "--profile", "openai-chat", "--base-url",
             f"http://127.0.0.1:{port}/v1", "--one-at-a-time", "--record-dir", str(tmp_path),
             "weather in Tokyo and Paris"]
        )  # fmt: skip
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()
    out, _ = capsys.readouterr()
    assert code == 1
    assert "sequential failed:" in out and "401" in out
    assert out.strip().splitlines()[-1].startswith("No verdict: the baseline 'sequential' failed")
    for written in tmp_path.iterdir():  # the key never reaches a session or the manifest
        assert "sk-test-not-a-real-key" not in written.read_text()
    assert "sk-test-not-a-real-key" not in out


def test_ctrl_c_cancels_every_variant_and_still_prints_the_table(
    fast_profile_path: Path, tmp_path: Path
) -> None:
    import signal
    import subprocess
    import sys
    import time

    from workbench.session import load_session

    record = tmp_path / "cmp"
    proc = subprocess.Popen(
        [sys.executable, "-m", "workbench.cli", "compare", "--profile", str(fast_profile_path),
         "--variant", "a:max=1", "--variant", "b:max=2", "--record-dir", str(record),
         "sleep(ms=5), hang()"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        # Another process, printing nothing until the variants end: its session files are the only
        # sign that both variants have a call running.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            files = sorted(record.glob("*.jsonl"))
            if len(files) == 2 and all(b'"call_started"' in f.read_bytes() for f in files):
                break
            time.sleep(0.05)
        else:
            pytest.fail("the variants never started a call")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130
    assert "cancelling every variant" in err
    assert "a was cancelled" in out and "b was cancelled" in out
    for session in sorted(record.glob("*.jsonl")):
        events = load_session(session).events
        queued = [e.call_id for e in events if e.type == "call_queued"]
        finished = [e.call_id for e in events if e.type == "call_finished"]
        assert sorted(queued) == sorted(finished) and len(queued) == 2
    assert (record / "compare.json").is_file()


@pytest.mark.parametrize("one_at_a_time", [False, True])
def test_a_compare_runs_wall_in_the_listing_is_what_the_run_took(
    fast_profile_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], one_at_a_time: bool
) -> None:
    # Side by side, the run's wall is its longest variant's (the sum was longer than the run's
    # own span: 'wall 56.3 s · span 42.9 s' for the demo); one after another, they add up.
    from workbench.session.listing import list_rows
    from workbench.session.reader import summarise_session

    main(
        ["compare", "--profile", str(fast_profile_path), "--record-dir", str(tmp_path / "cmp"),
         *(["--one-at-a-time"] if one_at_a_time else []), "sleep(ms=80), sleep(ms=80)"]
    )  # fmt: skip
    capsys.readouterr()
    [row] = list_rows(tmp_path).rows
    walls = [summarise_session(p).wall_s or 0.0 for p in row.sessions]
    assert len(walls) == 3 and row.wall_s is not None and row.span_s is not None
    if one_at_a_time:
        assert row.wall_s == pytest.approx(sum(walls))
    else:
        assert row.wall_s == pytest.approx(max(walls))
    assert row.wall_s <= row.span_s
