"""The `workbench` command: run, profiles, replay --headless; exit codes and messages."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.session import SessionFileError, load_session
from workbench.tools.latency import set_latency_scale

FAST = """\
name: fast
type: scripted
scripted: {ttft_ms: 0, tokens_per_s: 1000000}
"""


@pytest.fixture
def fast_profile(tmp_path: Path) -> Path:
    path = tmp_path / "fast.yaml"
    path.write_text(FAST)
    return path


@pytest.fixture(autouse=True)
def _no_tool_latency() -> None:
    set_latency_scale(0.0)


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_run_prints_text_a_batch_timeline_and_the_totals(
    fast_profile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        [
            "run",
            "--profile",
            str(fast_profile),
            "weather in Tokyo and New York and the time in Paris",
        ],
        capsys,
    )
    assert code == 0
    assert "get_weather city=Tokyo" in out
    assert 'city="New York"' in out
    assert "get_time" in out
    assert "batch b1 · 3 calls" in out
    assert "speedup" in out
    assert "2 round trips" in out


def test_run_records_the_session_where_asked(
    fast_profile: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "out.jsonl"
    code, _, err = run(
        ["run", "-p", str(fast_profile), "--record", str(out_file), "get_date()"], capsys
    )
    assert code == 0
    assert str(out_file) in err
    session = load_session(out_file)
    kinds = [e.type for e in session.events]
    assert kinds[0] == "turn_started"
    assert kinds[-1] == "turn_finished"
    assert "call_started" in kinds
    assert "call_finished" in kinds


def test_no_parallel_emission_means_one_call_per_response(
    fast_profile: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "s.jsonl"
    code, out, _ = run(
        ["run", "-p", str(fast_profile), "--record", str(out_file), "--no-parallel-emission",
         "weather in Tokyo and Paris and Rome"],
        capsys,
    )  # fmt: skip
    assert code == 0
    assert "4 round trips" in out
    batches = [e for e in load_session(out_file).events if e.type == "batch_finished"]
    assert len(batches) == 3


def test_sequential_and_max_concurrent_shape_the_batch(
    fast_profile: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for flags, peak in ((["--sequential"], 1), (["--max-concurrent", "2"], 2)):
        out_file = tmp_path / f"{peak}.jsonl"
        prompt = "sleep(ms=30), sleep(ms=30), sleep(ms=30), sleep(ms=30)"
        code, _, _ = run(
            ["run", "-p", str(fast_profile), "--record", str(out_file), *flags, prompt], capsys
        )
        assert code == 0
        (finished,) = [e for e in load_session(out_file).events if e.type == "batch_finished"]
        assert finished.stats.peak_concurrency == peak


def test_timeouts_and_failures_are_results_and_the_run_still_succeeds(
    fast_profile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        ["run", "-p", str(fast_profile), "--tool-timeout", "0.2",
         'sleep(ms=20), fail(message="boom"), hang()'],
        capsys,
    )  # fmt: skip
    assert code == 0
    assert "timeout" in out
    assert "error" in out
    assert "boom" in out


def test_json_mode_prints_one_event_per_line(
    fast_profile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        ["run", "-p", str(fast_profile), "--json", "--no-record", "get_date()"], capsys
    )
    assert code == 0
    types = [json.loads(line)["type"] for line in out.splitlines()]
    assert types[0] == "turn_started"
    assert types[-1] == "turn_finished"


def test_an_unknown_profile_is_exit_2_with_a_one_paragraph_message(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(["run", "-p", "no-such-profile", "hi"], capsys)
    assert code == 2
    assert "no-such-profile" in err
    assert "Traceback" not in err


def test_an_invalid_profile_file_names_file_line_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("type: scripted\nmax_concurent_tools: 3\n")
    code, _, err = run(["run", "-p", str(bad), "hi"], capsys)
    assert code == 2
    assert "bad.yaml" in err
    assert "line 2" in err
    assert "max_concurrent_tools" in err


def test_a_missing_api_key_is_named_before_any_request(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["run", "-p", "anthropic", "hi"], capsys)
    assert code == 2
    assert "ANTHROPIC_API_KEY is not set" in err


def test_a_provider_failure_at_run_time_is_exit_1(
    fast_profile: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    code, out, _ = run(
        ["run", "-p", "openai-chat", "--base-url", "http://127.0.0.1:9/v1", "--no-record", "hi"],
        capsys,
    )
    assert code == 1
    assert "error:" in out
    assert "connect" in out


def test_bad_flag_values_are_usage_errors(
    fast_profile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["run", "--max-concurrent", "0", "hi"])
    assert exc.value.code == 2
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        main(["run", "-p", str(fast_profile), "--fault", "get_weather=sideways", "x"])
    assert exc.value.code == 2
    assert "slow|flaky|hang|off" in capsys.readouterr().err


def test_profiles_lists_every_profile_and_validates_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fast_profile: Path
) -> None:
    code, out, _ = run(["profiles"], capsys)
    assert code == 0
    for name in ("local", "openai-responses", "openai-chat", "anthropic", "gemini", "ollama"):
        assert name in out
    bad = tmp_path / "bad.yaml"
    bad.write_text("type: nope\n")
    code, out, _ = run(["profiles", str(fast_profile)], capsys)
    assert code == 0
    assert "valid" in out
    code, out, _ = run(["profiles", str(fast_profile), str(bad)], capsys)
    assert code == 2
    assert "bad.yaml" in out


def test_replay_headless_prints_the_same_timeline_as_the_live_run(
    fast_profile: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    out_file = tmp_path / "s.jsonl"
    code, live, _ = run(
        ["run", "-p", str(fast_profile), "--record", str(out_file), "get_date(), sleep(ms=5)"],
        capsys,
    )
    assert code == 0
    code, replayed, _ = run(["replay", str(out_file), "--headless"], capsys)
    assert code == 0
    assert replayed == live


def test_replay_of_a_truncated_file_loads_up_to_the_bad_line(
    fast_profile: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "s.jsonl"
    run(["run", "-p", str(fast_profile), "--record", str(out_file), "get_date()"], capsys)
    data = out_file.read_bytes()
    out_file.write_bytes(data[: len(data) - 40])
    code, out, err = run(["replay", str(out_file), "--headless"], capsys)
    assert code == 0
    assert "line" in err
    assert "get_date" in out


def test_replay_of_something_that_is_not_a_session_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "junk.jsonl"
    junk.write_text('{"hello": 1}\n')
    code, _, err = run(["replay", str(junk), "--headless"], capsys)
    assert code == 2
    assert "session" in err


def test_help_and_the_core_import_no_vendor_sdk_and_no_textual() -> None:
    probe = (
        "import sys, workbench.cli, workbench.core.loop, workbench.runtime, workbench.providers.scripted;"
        "import workbench.export.live, workbench.export.chrome, workbench.export.source;"
        "workbench.cli.build_parser().format_help();"
        "bad = [m for m in ('openai', 'anthropic', 'google.genai', 'textual', 'opentelemetry',"
        " 'google.protobuf', 'requests') if m in sys.modules];"
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_help_alone_builds_no_models() -> None:
    # pydantic and the event models are ~60 ms of a ~70 ms `workbench --help`: subcommands import
    # what they need when they run, not when the parser is built.
    probe = (
        "import sys, workbench.cli; workbench.cli.build_parser().format_help();"
        "print(','.join(m for m in ('pydantic', 'workbench.core.events') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_workbench_help_runs_as_a_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert "run" in result.stdout
    assert "replay" in result.stdout


def _started_workbench(args: list[str], tmp_path: Path) -> subprocess.Popen[str]:
    script = Path(sys.executable).parent / "workbench"
    return subprocess.Popen(
        [str(script), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )


def _read_until(proc: subprocess.Popen[str], marker: str) -> str:
    seen = ""
    assert proc.stdout is not None
    for line in proc.stdout:  # blocks on output, not on time
        seen += line
        if marker in line:
            return seen
    raise AssertionError(f"never printed {marker!r}; got:\n{seen}")


def test_ctrl_c_cancels_the_turn_prints_how_it_ended_and_exits_130(
    fast_profile: Path, tmp_path: Path
) -> None:
    import signal

    session = tmp_path / "s.jsonl"
    proc = _started_workbench(
        ["run", "-p", str(fast_profile), "--record", str(session), "hang(), get_date()"], tmp_path
    )
    try:
        _read_until(proc, "2 calls")  # the model's response line: the batch is running
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130
    assert "cancelled" in out  # the hanging call's row and the turn's status
    assert "Traceback" not in err
    last = load_session(session).events[-1]
    assert last.type == "turn_finished"
    assert last.status == "cancelled"


def test_an_empty_prompt_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["run", "   "], capsys)
    assert code == 2
    assert "prompt is empty" in err


def test_an_out_of_range_flag_names_the_flag(
    fast_profile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["run", "-p", str(fast_profile), "--max-concurrent", "20000", "x"])
    assert exc.value.code == 2
    assert "--max-concurrent: must be at most 10000" in capsys.readouterr().err


def test_a_record_path_that_cannot_be_created_is_a_usage_error(
    fast_profile: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    code, _, err = run(
        ["run", "-p", str(fast_profile), "--record", str(blocker / "s.jsonl"), "get_date()"], capsys
    )
    assert code == 2
    assert "a-file is a file, not a directory" in err
    assert "--no-record" in err
    assert "Traceback" not in err


def test_a_disk_failing_mid_run_still_finishes_the_run_and_says_so(
    fast_profile: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    from workbench.session.recorder import SessionRecorder

    def full_disk(self: SessionRecorder, events: list[object]) -> None:
        self.failure = SessionFileError(self.path, f"cannot write session file {self.path}: "
                                        "No space left on device")  # fmt: skip

    monkeypatch.setattr(SessionRecorder, "_write", full_disk)
    code, out, err = run(
        ["run", "-p", str(fast_profile), "--record", str(tmp_path / "s.jsonl"), "get_date()"],
        capsys,
    )
    assert "b1" in out, "the batch still ran and was printed"
    assert "the session was not fully recorded" in err
    assert "No space left on device" in err
    assert code == 1


def test_run_freezes_start_up_out_of_full_garbage_collections(
    fast_profile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A full collection walking every module and schema stalled the loop 15-25 ms mid-batch
    # (benchmarks/bench_executor.py); after start-up they are frozen out of it.
    gc.unfreeze()
    try:
        code, _, _ = run(["run", "-p", str(fast_profile), "--no-record", "get_date()"], capsys)
        assert code == 0
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()


def test_a_flag_does_not_warn_about_the_file_setting_it_makes_moot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The shipped local profile sets max_concurrent_tools; --sequential is what the user asked for.
    capped = tmp_path / "capped.yaml"
    capped.write_text(FAST + "max_concurrent_tools: 4\ntool_retry_backoff_s: 1\n")
    code, out, err = run(
        ["run", "-p", str(capped), "--sequential", "--retries", "0", "get_date()"], capsys
    )
    assert code == 0
    assert "has no effect" not in out + err
    # The same settings written in the file itself are worth a note.
    moot = tmp_path / "moot.yaml"
    moot.write_text(FAST + "max_concurrent_tools: 4\nconcurrent_tool_execution: false\n")
    code, out, err = run(["run", "-p", str(moot), "get_date()"], capsys)
    assert code == 0
    assert (
        "max_concurrent_tools has no effect while concurrent_tool_execution is false" in out + err
    )
    # A flag that sets the cap itself under a sequential file: still a note.
    code, out, err = run(["run", "-p", str(moot), "--max-concurrent", "2", "get_date()"], capsys)
    assert "max_concurrent_tools has no effect" in out + err
