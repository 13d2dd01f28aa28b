"""The profiles shipped with workbench all load, validate, and say what their knobs do."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from workbench.config import BUILTIN_PROFILES_DIR, load_profile_file
from workbench.core.capabilities import Knob, row_for

REPO = Path(__file__).resolve().parents[2]

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


def test_the_shipped_profiles_live_in_the_top_level_folder_and_go_into_the_wheel() -> None:
    assert BUILTIN_PROFILES_DIR == REPO / "profiles"
    assert not (REPO / "workbench" / "profiles").exists()  # one home, not two copies
    build = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    wheel = build["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert wheel["force-include"] == {"profiles": "workbench/profiles"}


_COMPATIBLE = ["ollama", "vllm", "groq", "openrouter"]


@pytest.mark.parametrize("name", _COMPATIBLE)
def test_compatible_server_profiles_state_what_the_server_honours(name: str) -> None:
    """The comment says, per knob, what the capability table says, and the profile names its
    endpoint so the table applies."""
    path = BUILTIN_PROFILES_DIR / f"{name}.yaml"
    [profile] = load_profile_file(path)
    assert profile.endpoint == name
    row = row_for("openai-chat", name)
    text = path.read_text(encoding="utf-8")
    knobs: tuple[tuple[Knob, str], ...] = (
        ("parallel", "parallel_tool_calls"),
        ("strict", "strict_tools"),
    )
    for knob, field in knobs:
        line = next(line for line in text.splitlines() if line.startswith(f"#   {field}"))
        assert row.rule(knob).support in line, (field, line)
    assert row.token_limit in text
