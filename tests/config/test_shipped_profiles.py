"""The profiles shipped with workbench all load, validate, and say what their knobs do."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.config import BUILTIN_PROFILES_DIR, load_profile_file

SHIPPED = sorted(BUILTIN_PROFILES_DIR.glob("*.yaml"))

EXPECTED = {
    "local": ("scripted", None, None),
    "openai-responses": ("openai-responses", None, "OPENAI_API_KEY"),
    "openai-chat": ("openai-chat", None, "OPENAI_API_KEY"),
    "anthropic": ("anthropic", None, "ANTHROPIC_API_KEY"),
    "gemini": ("gemini", None, "GEMINI_API_KEY"),
    "groq": ("openai-chat", "https://api.groq.com/openai/v1", "GROQ_API_KEY"),
    "openrouter": ("openai-chat", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY"),
    "ollama": ("openai-chat", "http://localhost:11434/v1", None),
    "vllm": ("openai-chat", "http://localhost:8000/v1", None),
}


def test_exactly_the_documented_profiles_ship() -> None:
    assert {path.stem for path in SHIPPED} == set(EXPECTED)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_each_shipped_profile_loads_cleanly(path: Path) -> None:
    [profile] = load_profile_file(path)
    assert profile.name == path.stem
    assert (profile.type, profile.base_url, profile.api_key_env) == EXPECTED[path.stem]
    assert profile.description
    assert profile.warnings() == []
    profile.run_settings()  # maps onto the core settings without complaint


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_each_shipped_profile_opens_with_an_explaining_comment(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    header = []
    for line in lines:
        if not line.startswith("#"):
            break
        header.append(line)
    assert len(header) >= 3, f"{path.name} needs a comment header explaining its knobs"
