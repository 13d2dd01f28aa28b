"""API keys come from the environment and are never written to a session file or the log."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.config import Profile
from workbench.emulator.server import EmulatorServer
from workbench.logs import current_log_file
from workbench.runtime import Runtime
from workbench.tools.latency import set_latency_scale

SECRET = "sk-live-0123456789abcdefSECRET"


@pytest.mark.parametrize("kind", ["openai-chat", "anthropic"])
async def test_the_key_never_reaches_the_session_or_the_log(
    kind: str, emulator: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    var = "OPENAI_API_KEY" if kind == "openai-chat" else "ANTHROPIC_API_KEY"
    monkeypatch.setenv(var, SECRET)
    previous = set_latency_scale(0.0)
    profile = Profile.model_validate(
        {"name": kind, "type": kind, "model": "m", "base_url": emulator.base_urls[kind]}
    )
    session = tmp_path / "s.jsonl"
    runtime = await Runtime.start(profile, record=session)
    try:
        events = [e async for e in runtime.run_turn(f"read_file(path={SECRET!r}), get_date()")]
    finally:
        await runtime.aclose()
        set_latency_scale(previous)
    assert events[-1].type == "turn_finished"
    # the key reached the server (it authenticated), but no file of ours holds it
    assert any(SECRET in r.headers.get("authorization", "") for r in emulator.requests)
    assert SECRET not in session.read_text()
    log = current_log_file()
    assert log is not None
    assert SECRET not in log.read_text()


@pytest.mark.parametrize(
    "base_url",
    ["http://127.0.0.1:8765", "http://localhost:11434/v1", "http://[::1]:8000/v1"],
)
def test_a_server_on_this_machine_needs_no_key(
    base_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.config import resolve_profile
    from workbench.providers.factory import NO_KEY_PLACEHOLDER, resolve_api_key

    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    profile = resolve_profile("anthropic").with_overrides(base_url=base_url)
    assert resolve_api_key(profile) == NO_KEY_PLACEHOLDER


def test_a_remote_server_still_needs_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    from workbench.config import resolve_profile
    from workbench.core.provider import ProviderError
    from workbench.providers.factory import resolve_api_key

    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    profile = resolve_profile("anthropic").with_overrides(base_url="https://example.test/v1")
    with pytest.raises(ProviderError, match="ANTHROPIC_API_KEY is not set"):
        resolve_api_key(profile)
