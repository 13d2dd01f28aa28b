"""The runtime: live knobs are validated, recorded, and apply from the next request or batch."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from workbench.config import Profile
from workbench.core.events import BatchStarted, ModelRequestStarted
from workbench.core.knobs import OFF, KnobChange
from workbench.runtime import Runtime
from workbench.session import load_session
from workbench.tools.latency import set_latency_scale

FAST = Profile.model_validate(
    {"name": "fast", "type": "scripted", "scripted": {"ttft_ms": 0, "tokens_per_s": 1_000_000}}
)


@pytest.fixture(autouse=True)
def _no_latency() -> None:
    set_latency_scale(0.0)


async def test_knob_changes_are_recorded_and_apply_to_the_next_turn(tmp_path: Path) -> None:
    session = tmp_path / "s.jsonl"
    runtime = await Runtime.start(FAST, record=session)
    try:
        runtime.apply(KnobChange(parallel=False, max_concurrent=2, timeout_s=OFF))
        runtime.apply(KnobChange(faults=(("get_weather", "flaky"),)))
        events = [e async for e in runtime.run_turn("weather in Tokyo and Paris")]
    finally:
        await runtime.aclose()
    requests = [e for e in events if isinstance(e, ModelRequestStarted)]
    assert all(not r.emission.parallel for r in requests)
    batch = next(e for e in events if isinstance(e, BatchStarted))
    assert batch.settings.max_concurrent == 2
    assert batch.settings.timeout_s is None
    assert "get_weather" in batch.settings.faults
    recorded = [e for e in load_session(session).events if e.type == "settings_changed"]
    assert [list(e.changes) for e in recorded] == [
        ["emission.parallel", "execution.max_concurrent", "execution.timeout_s"],
        ["execution.faults.get_weather"],
    ]


async def test_bad_knob_values_are_refused_and_change_nothing() -> None:
    runtime = await Runtime.start(FAST, recording=False)
    try:
        before = runtime.settings
        with pytest.raises(ValueError, match="no tool named 'nope'"):
            runtime.apply(KnobChange(faults=(("nope", "hang"),)))
        with pytest.raises(ValidationError):
            runtime.apply(KnobChange(max_concurrent=0))
        assert runtime.settings == before
    finally:
        await runtime.aclose()


async def test_the_session_header_names_the_provider_and_its_parallel_knob(tmp_path: Path) -> None:
    session = tmp_path / "s.jsonl"
    runtime = await Runtime.start(FAST, record=session)
    await runtime.aclose()
    header = load_session(session).header
    assert header.provider is not None
    assert header.provider.name == "scripted"
    assert header.provider.parallel_knob == "parallel_tool_calls"
    assert header.provider.eager_dispatch is True


async def test_a_live_change_the_provider_rejects_is_refused_with_the_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    profile = Profile(
        type="anthropic", model="c", endpoint="bedrock", base_url="http://127.0.0.1:9"
    )
    runtime = await Runtime.start(profile, recording=False)
    try:
        before = runtime.settings
        with pytest.raises(ValueError, match="Bedrock has rejected") as caught:
            runtime.apply(KnobChange(parallel=False))
        assert "\n" not in str(caught.value)
        assert runtime.settings == before
        # Strict schemas are ignored there (not sent), so the change goes on and says so.
        changed = runtime.apply(KnobChange(strict=True))
        assert changed.changes == {}
        assert changed.note.startswith("strict schemas are ignored on Claude on Bedrock")
        assert runtime.settings.emission.strict is False
    finally:
        await runtime.aclose()
