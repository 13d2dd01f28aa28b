"""The compare runner: variants isolated from each other, each with its own figures and session."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path

import jsonschema

from workbench.compare.report import comparison_dict, verdict
from workbench.compare.runner import CompareRunner, VariantRun
from workbench.compare.variants import DEFAULT_VARIANTS, parse_variants
from workbench.config.profile import Profile
from workbench.core.events import CallStarted, Event
from workbench.emulator.server import EmulatorServer, Misbehaviour
from workbench.session import load_session

SCHEMA = json.loads((Path(__file__).parents[2] / "docs" / "compare.schema.json").read_text())
FOUR_SLEEPS = "sleep(ms=30), sleep(ms=30), sleep(ms=30), sleep(ms=30)"


def every_call_has_one_result(session: Path) -> None:
    events = load_session(session).events
    queued = Counter(e.call_id for e in events if e.type == "call_queued")
    finished = Counter(e.call_id for e in events if e.type == "call_finished")
    assert queued == finished
    assert set(finished.values()) <= {1}


async def test_default_variants_on_the_scripted_model(
    fast_profile: Profile, tmp_path: Path
) -> None:
    runner = CompareRunner(
        fast_profile, FOUR_SLEEPS, parse_variants(DEFAULT_VARIANTS), session_dir=tmp_path
    )
    runs = await runner.run()
    assert [r.status for r in runs] == ["completed"] * 3
    seq, emission, par = (r.fold.figures for r in runs)
    assert (seq.round_trips, seq.calls, seq.batches, seq.peak_concurrency) == (5, 4, 4, 1)
    assert (emission.round_trips, emission.calls, emission.batches) == (2, 4, 1)
    assert emission.peak_concurrency == 1
    assert emission.slot_wait_s > 0  # three calls waited for the one slot
    assert (par.round_trips, par.calls, par.batches, par.peak_concurrency) == (2, 4, 1, 4)
    assert par.input_tokens < seq.input_tokens
    # Each variant's wall time is its own clock's, and the timed sleeps really overlapped.
    assert par.wall_s < emission.wall_s
    for run in runs:
        assert run.session is not None and run.session.parent == tmp_path
        every_call_has_one_result(run.session)
    summary = comparison_dict(runner.prompt, fast_profile.name, runs)
    jsonschema.validate(summary, SCHEMA)
    assert summary["baseline"] == "sequential"
    assert summary["variants"][2]["settings"]["concurrent"] is True
    assert summary["variants"][2]["settings"]["max_concurrent"] == 4  # the profile's cap
    sentence = verdict(runs)
    assert sentence.startswith("parallel: ")
    assert "faster than sequential, 3 fewer round trips" in sentence


async def test_one_variant_401_leaves_the_others_complete(tmp_path: Path) -> None:
    from workbench.config.discovery import resolve_profile

    server = EmulatorServer()
    await server.start()
    try:
        profile = resolve_profile("openai-chat").with_overrides(
            base_url=server.base_urls["openai-chat"], api_key_env=None
        )
        server.misbehave(Misbehaviour(status=401, times=1))
        variants = parse_variants(DEFAULT_VARIANTS)
        runner = CompareRunner(
            profile, "weather in Tokyo and Paris", variants, session_dir=tmp_path
        )
        runs = await runner.run()
    finally:
        await server.stop()
    statuses = Counter(r.status for r in runs)
    assert statuses == {"completed": 2, "failed": 1}
    failed = next(r for r in runs if r.status == "failed")
    assert failed.error is not None and "401" in failed.error and "\n" not in failed.error
    for run in runs:
        if run.status == "completed":
            figures = run.fold.figures
            assert figures.calls == 2
            assert figures.failures == 0
            assert run.fold.error is None
    summary = comparison_dict("p", profile.name, runs)
    jsonschema.validate(summary, SCHEMA)


async def test_cancel_mid_compare_gives_every_call_a_result(
    fast_profile: Profile, tmp_path: Path
) -> None:
    started = asyncio.Event()
    hanging: set[str] = set()

    def on_event(run: VariantRun, event: Event) -> None:
        # Cancel once both variants are inside their batch, so each has its three calls to end.
        if isinstance(event, CallStarted) and event.tool == "sleep":
            hanging.add(run.name)
            if len(hanging) == 2:
                started.set()

    variants = parse_variants(["a:max=1", "b:max=4"])
    runner = CompareRunner(
        fast_profile, "sleep(ms=200), hang(), hang()", variants, session_dir=tmp_path
    )
    runner.on_event = on_event
    task = asyncio.create_task(runner.run())
    await started.wait()
    runner.cancel()
    runs = await asyncio.wait_for(task, 10)
    assert [r.status for r in runs] == ["cancelled", "cancelled"]
    for run in runs:
        assert run.session is not None
        every_call_has_one_result(run.session)
        assert run.fold.figures.calls == 3
    assert verdict(runs) == "No verdict: the baseline 'a' was cancelled."


async def test_cancel_one_at_a_time_never_starts_the_rest(
    fast_profile: Profile, tmp_path: Path
) -> None:
    variants = parse_variants(["a:max=1", "b:max=2", "c:max=3"])
    runner = CompareRunner(
        fast_profile, "hang()", variants, session_dir=tmp_path, one_at_a_time=True
    )

    def on_event(run: VariantRun, event: Event) -> None:
        if isinstance(event, CallStarted):
            runner.cancel()

    runner.on_event = on_event
    runs = await asyncio.wait_for(runner.run(), 10)
    assert [r.status for r in runs] == ["cancelled"] * 3
    assert runs[0].session is not None
    assert runs[1].session is None and runs[2].session is None
    jsonschema.validate(comparison_dict("p", "fast", runs), SCHEMA)


async def test_a_knob_the_session_cannot_take_fails_that_variant_only(
    fast_profile: Profile, tmp_path: Path
) -> None:
    variants = parse_variants(["ok:max=2", "bad:fault=no_such_tool:slow"])
    runner = CompareRunner(fast_profile, "get_date()", variants, session_dir=tmp_path)
    runs = await runner.run()
    assert runs[0].status == "completed"
    assert runs[1].status == "failed"
    assert runs[1].error is not None and "no tool named 'no_such_tool'" in runs[1].error


async def test_a_provider_without_the_parallel_knob_says_so(tmp_path: Path) -> None:
    from workbench.config.discovery import resolve_profile

    server = EmulatorServer()
    await server.start()
    try:
        profile = resolve_profile("gemini").with_overrides(
            base_url=server.base_urls["gemini"], api_key_env=None
        )
        runner = CompareRunner(
            profile,
            "weather in Tokyo and Paris",
            parse_variants(["one:parallel=off", "many:parallel=on"]),
            session_dir=tmp_path,
        )
        runs = await runner.run()
    finally:
        await server.stop()
    assert [r.status for r in runs] == ["completed", "completed"]
    assert runs[0].notes and "no parallel-emission switch" in runs[0].notes[0]
    assert runs[0].fold.figures.round_trips > runs[1].fold.figures.round_trips
