"""/strict in the app, the strict caveat on the knobs bar, and the provider table in F1 help.

On the real runtime: the scripted model (which takes no strict schemas, so /strict is refused with
the capability table's reason) and Chat Completions against the loopback emulator.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from textual.containers import VerticalScroll
from textual.widgets import Label, Static

from tests.tui.conftest import SIZE, ready, recording_app, run_turn, screen_text, shown, submit
from workbench.config import Profile, ScriptedOptions, resolve_profile
from workbench.core.capabilities import ROWS
from workbench.emulator.server import EmulatorServer
from workbench.runtime import Runtime
from workbench.tools.latency import set_latency_scale
from workbench.tui.ports import RuntimeFactory, RuntimeLike
from workbench.tui.screens.help import HelpScreen


@pytest.fixture(autouse=True)
def _no_latency() -> None:
    set_latency_scale(0.0)


@pytest.fixture
async def emulator() -> AsyncIterator[EmulatorServer]:
    server = EmulatorServer()
    await server.start()
    yield server
    await server.stop()


def factory(profile: Profile, tmp_path: Path) -> RuntimeFactory:
    async def start(name: str | None) -> RuntimeLike:
        return await Runtime.start(profile, record=tmp_path / "session.jsonl")

    return start


def _note(app: object) -> str:
    label = app.screen.query_one("#parallel-note", Label)  # type: ignore[attr-defined]
    return str(label.render())


async def test_strict_where_the_provider_takes_none_is_a_chat_line_saying_ignored(
    tmp_path: Path,
) -> None:
    local = resolve_profile("local").model_copy(
        update={"scripted": ScriptedOptions(ttft_ms=0.0, tokens_per_s=1_000_000.0)}
    )
    app = recording_app(runtime_factory=factory(local, tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await submit(pilot, "/strict on")
        await pilot.pause()
        # The word `workbench providers` uses, as a ⚙ line like any knob change, not an error toast.
        assert not any("refused" in n.message for n in shown(app))
        notes = [str(note.render()) for note in app.screen.query(".note").results(Static)]
        assert any("⚙ strict schemas are ignored on scripted (local)" in n for n in notes)
        runtime = app.screen.runtime  # type: ignore[attr-defined]
        assert runtime.settings.emission.strict is False


async def test_strict_on_chat_completions_shows_the_caveat_and_what_applied(
    tmp_path: Path, emulator: EmulatorServer
) -> None:
    chat = Profile(
        type="openai-chat",
        model="gpt-emulated",
        base_url=emulator.base_urls["openai-chat"],
        api_key_env=None,
    )
    app = recording_app(runtime_factory=factory(chat, tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        before = _note(app)
        await submit(pilot, "/strict on")
        assert "strict schemas with parallel calls" in _note(app)
        await run_turn(pilot, "weather in Paris and Rome?")
        sent = emulator.requests[0].json()
        assert all(t["function"]["strict"] is True for t in sent["tools"])
        assert "strict + parallel (warned)" in screen_text(app)  # the round trip says which
        await submit(pilot, "/strict off")
        assert _note(app) == before


async def test_f1_help_carries_the_provider_table(tmp_path: Path) -> None:
    local = resolve_profile("local")
    app = recording_app(runtime_factory=factory(local, tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "/strict on|off" in screen_text(app)
        app.screen.query_one(VerticalScroll).scroll_end(animate=False)
        await pilot.pause()
        text = screen_text(app)
        for row in ROWS:
            [line] = [line for line in text.splitlines() if f" {row.title} " in line]
            words = [
                w for w in line.split() if w in {"honoured", "emulated", "ignored", "rejected"}
            ]
            assert words == [row.rule(k).support for k in ("parallel", "mode", "strict", "eager")]
