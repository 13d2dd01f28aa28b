"""``workbench providers``, ``--strict-tools`` and the provider rules the CLI checks before a request."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.core.capabilities import ROWS
from workbench.emulator.server import EmulatorServer
from workbench.tools.latency import set_latency_scale


@pytest.fixture(autouse=True)
def _no_tool_latency() -> Iterator[None]:
    previous = set_latency_scale(0.0)
    yield
    set_latency_scale(previous)


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    """The emulator on a loop of its own, so the command's asyncio.run can talk to it."""
    server = EmulatorServer()
    loop = asyncio.new_event_loop()
    started = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.start())
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert started.wait(5)
    yield server
    asyncio.run_coroutine_threadsafe(server.stop(), loop).result(5)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_providers_prints_every_provider_with_what_each_knob_does(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(["providers"], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["provider", "parallel", "mode", "strict", "eager"]
    for row in ROWS:
        [grid] = [line for line in lines if line.startswith(row.title + "  ")]
        assert grid.split()[-4:] == [
            row.rule(k).support for k in ("parallel", "mode", "strict", "eager")
        ]
        assert row.rule("parallel").reason in out
    assert {"honoured", "emulated", "ignored", "rejected"} <= set(out.split())


def test_providers_markdown_and_one_type(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["providers", "--markdown"], capsys)
    assert code == 0
    assert out.startswith("| provider | profile | parallel emission |")
    assert len(out.strip().splitlines()) == len(ROWS) + 2
    code, out, _ = run(["providers", "gemini"], capsys)
    assert code == 0 and "Gemini" in out and "Anthropic" not in out
    code, _, err = run(["providers", "claude"], capsys)
    assert code == 2
    assert "no provider type 'claude'" in err


def test_parallel_off_on_claude_on_bedrock_is_refused_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "bedrock.yaml"
    profile.write_text("type: anthropic\nmodel: claude\nendpoint: bedrock\n")
    code, _, err = run(["run", "-p", str(profile), "--no-parallel-emission", "hi"], capsys)
    assert code == 2
    assert "--no-parallel-emission: Claude on Bedrock has rejected" in err
    assert "\n" not in err.strip()


def test_strict_tools_flag_sends_strict_schemas_and_run_says_what_applied(
    tmp_path: Path, emulator: EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "chat.yaml"
    base = emulator.base_urls["openai-chat"]
    profile.write_text(
        f"type: openai-chat\nmodel: gpt-emulated\nbase_url: {base}\napi_key_env: null\n"
    )
    args = ["run", "-p", str(profile), "--no-record", "--strict-tools"]
    code, out, _ = run([*args, "weather in Tokyo and Paris"], capsys)
    assert code == 0, out
    first = emulator.requests[0].json()
    assert all(tool["function"]["strict"] is True for tool in first["tools"])
    assert first["parallel_tool_calls"] is True
    assert out.count("strict schemas with parallel calls") == 1  # the caveat, once
    assert "strict + parallel (warned)" in out  # the round trip says which applied


def test_strict_parallel_serialize_shows_on_the_round_trip(
    tmp_path: Path, emulator: EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "chat.yaml"
    base = emulator.base_urls["openai-chat"]
    profile.write_text(
        f"type: openai-chat\nmodel: gpt-emulated\nbase_url: {base}\napi_key_env: null\n"
        "strict_tools: true\nstrict_parallel: serialize\n"
    )
    code, out, _ = run(
        ["run", "-p", str(profile), "--no-record", "weather in Tokyo and Paris"], capsys
    )
    assert code == 0, out
    assert emulator.requests[0].json()["parallel_tool_calls"] is False
    assert "strict, parallel serialized" in out


def test_profiles_shows_the_strict_caveat_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "strict.yaml"
    profile.write_text("type: openai-responses\nmodel: gpt-5-mini\nstrict_tools: true\n")
    code, out, _ = run(["profiles", str(profile)], capsys)
    assert code == 0
    [caveat] = [line for line in out.splitlines() if "strict schemas with parallel calls" in line]
    assert "warn sends both" in caveat


def test_the_readme_carries_the_same_matrix() -> None:
    from workbench.render.capabilities import matrix_markdown

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert matrix_markdown() in readme, (
        "README's provider table is stale: workbench providers --markdown"
    )


def test_a_knob_the_provider_ignores_is_said_at_the_start_of_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "fast.yaml"
    profile.write_text("type: scripted\nscripted: {ttft_ms: 0, tokens_per_s: 1000000}\n")
    code, out, _ = run(
        ["run", "-p", str(profile), "--no-record", "--strict-tools", "get_date()"], capsys
    )
    assert code == 0
    assert "strict_tools is ignored on scripted (local)" in out
