"""MassGen configs load as one profile per agent, with the same meaning for the knobs we share.

The fixtures in ``massgen/`` are the YAML blocks of the parallel-tool-execution guide
(``shared/seeds/000_59aac9c4d00e8623.txt``), copied so the tests run where that file is absent.
``massgen/SEED.sha256`` records each block's digest: the copies are checked against it always, and
against the seed itself wherever ``../shared/seeds/`` (beside the repository) has it.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest

from tests.config.conftest import WriteProfile
from workbench.config import Profile, ProfileError, load_profile_file

FIXTURES = Path(__file__).parent / "massgen"
REPO = Path(__file__).resolve().parents[2]
SEED_NAME = "000_59aac9c4d00e8623.txt"

_EXPECTED: dict[str, dict[str, Any]] = {
    "openai_agent": {
        "type": "openai-responses",
        "model": "gpt-5",
        "api_key_env": "OPENAI_API_KEY",
        "parallel_tool_calls": True,
        "concurrent_tool_execution": False,  # MassGen's default when unset
        "max_concurrent_tools": 10,
    },
    "my_agent": {
        "type": "openai-responses",
        "model": "gpt-5-nano",
        "concurrent_tool_execution": True,
        "max_concurrent_tools": 10,
    },
    "claude_agent": {
        "type": "anthropic",
        "model": "claude-sonnet-4-20250514",
        "api_key_env": "ANTHROPIC_API_KEY",
        "disable_parallel_tool_use": False,
        "concurrent_tool_execution": True,
    },
    "gemini_agent": {
        "type": "gemini",
        "model": "gemini-2.5-pro",
        "api_key_env": "GEMINI_API_KEY",
        "function_calling_mode": "AUTO",
        "concurrent_tool_execution": True,
    },
    "openai_parallel": {
        "type": "openai-responses",
        "model": "gpt-5",
        "parallel_tool_calls": True,
        "concurrent_tool_execution": True,
        "max_concurrent_tools": 5,
    },
    "groq_parallel": {
        "type": "openai-chat",
        "model": "llama-3.3-70b",
        "base_url": "https://api.groq.com/openai/v1",
        "api_key_env": "GROQ_API_KEY",
        "parallel_tool_calls": True,
        "concurrent_tool_execution": True,
    },
    "claude_parallel": {
        "type": "anthropic",
        "model": "claude-sonnet-4-20250514",
        "disable_parallel_tool_use": False,
        "concurrent_tool_execution": True,
    },
    "gemini_parallel": {
        "type": "gemini",
        "model": "gemini-2.5-pro",
        "function_calling_mode": "AUTO",
        "concurrent_tool_execution": True,
    },
}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _recorded() -> list[tuple[str, str]]:
    """(digest, fixture file) per YAML block of the seed, in the seed's order."""
    lines = (FIXTURES / "SEED.sha256").read_text(encoding="utf-8").splitlines()
    pairs = [line.split() for line in lines if line and not line.startswith("#")]
    return [(digest, name) for digest, name in pairs]


def _seed_file() -> Path | None:
    """The seed beside the repository (``../shared/seeds/``), or beside the main checkout when
    this is a git worktree of it."""
    for root in (REPO, *REPO.parents):
        candidate = root.parent / "shared" / "seeds" / SEED_NAME
        if candidate.is_file():
            return candidate
    return None


def test_fixtures_are_exact_copies_of_every_yaml_block_in_the_seed() -> None:
    recorded = _recorded()
    assert len(recorded) == 8
    fixtures = {path.name: path.read_text(encoding="utf-8") for path in FIXTURES.glob("*.yaml")}
    assert sorted(fixtures) == sorted(name for _, name in recorded)
    assert [(_digest(fixtures[name]), name) for _, name in recorded] == recorded
    seed = _seed_file()
    if seed is not None:  # where the seed is at hand, the record is checked against it too
        blocks = re.findall(r"```yaml\n(.*?)```", seed.read_text(encoding="utf-8"), re.S)
        assert [_digest(block) for block in blocks] == [digest for digest, _ in recorded]


@pytest.mark.parametrize("agent_id", sorted(_EXPECTED))
def test_every_seed_config_loads_with_the_same_meaning(agent_id: str) -> None:
    [profile] = load_profile_file(FIXTURES / f"{agent_id}.yaml")
    assert profile.name == agent_id
    for knob, value in _EXPECTED[agent_id].items():
        assert getattr(profile, knob) == value, knob


def test_seed_knobs_reach_the_core_settings() -> None:
    [openai] = load_profile_file(FIXTURES / "openai_parallel.yaml")
    settings = openai.run_settings()
    assert settings.emission.parallel is True
    assert (settings.execution.concurrent, settings.execution.max_concurrent) == (True, 5)
    [sequential] = load_profile_file(FIXTURES / "openai_agent.yaml")
    assert sequential.run_settings().execution.cap == 1
    assert any(
        "MassGen's default is false, so this profile runs tool calls one at a time" in w
        for w in sequential.warnings()
    )


def _load(write_profile: WriteProfile, text: str) -> list[Profile]:
    return load_profile_file(write_profile("team.yaml", text))


def _error(write_profile: WriteProfile, text: str) -> ProfileError:
    with pytest.raises(ProfileError) as info:
        _load(write_profile, text)
    return info.value


TEAM = """\
orchestrator:
  snapshot_storage: snapshots
agents:
  - id: researcher
    system_message: You research.
    backend:
      type: openai
      model: gpt-5-mini
      cwd: workspace1
      temperature: 0.2
      mcp_servers:
        - name: weather
          type: stdio
          command: npx
          args: ["-y", "@fak111/weather-mcp"]
  - id: writer
    backend:
      type: claude
      model: claude-sonnet-4-5
      disable_parallel_tool_use: true
      concurrent_tool_execution: true
      max_concurrent_tools: 2
ui:
  display_type: rich_terminal
"""


def test_a_team_loads_one_profile_per_agent_and_reports_what_it_ignores(
    write_profile: WriteProfile,
) -> None:
    researcher, writer = _load(write_profile, TEAM)
    assert (researcher.name, researcher.type, researcher.system_prompt) == (
        "researcher",
        "openai-responses",
        "You research.",
    )
    assert (writer.name, writer.type, writer.run_settings().emission.parallel) == (
        "writer",
        "anthropic",
        False,
    )
    assert writer.run_settings().execution.max_concurrent == 2
    notes = researcher.warnings()
    assert "line 1: orchestrator is a MassGen setting workbench does not use; ignored." in notes
    assert "line 23: ui is a MassGen setting workbench does not use; ignored." in notes
    assert (
        "line 9: agents[0].backend.cwd is a MassGen setting workbench does not use; ignored."
        in notes
    )
    assert (
        "line 10: agents[0].backend.temperature is not sent: workbench uses the provider's "
        "default." in notes
    )
    # MCP servers load as they are (workbench/config/mcp.py), no longer ignored.
    assert not any("mcp_servers" in n for n in notes)
    [weather] = researcher.mcp_servers
    assert (weather.name, weather.transport, weather.command) == ("weather", "stdio", "npx")
    assert writer.mcp_servers == []
    assert researcher.source_path is not None and researcher.source_path.endswith("team.yaml")


def test_a_single_agent_key_works_too(write_profile: WriteProfile) -> None:
    [profile] = _load(
        write_profile,
        "agent:\n  id: solo\n  backend:\n    type: gemini\n    model: gemini-2.5-flash\n",
    )
    assert (profile.name, profile.type) == ("solo", "gemini")


@pytest.mark.parametrize(
    ("massgen_type", "our_type", "base_url", "key_env"),
    [
        ("openai", "openai-responses", None, "OPENAI_API_KEY"),
        ("claude", "anthropic", None, "ANTHROPIC_API_KEY"),
        ("gemini", "gemini", None, "GEMINI_API_KEY"),
        ("chatcompletion", "openai-chat", None, "OPENAI_API_KEY"),
        ("groq", "openai-chat", "https://api.groq.com/openai/v1", "GROQ_API_KEY"),
        ("openrouter", "openai-chat", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY"),
        ("together", "openai-chat", "https://api.together.xyz/v1", "TOGETHER_API_KEY"),
        ("fireworks", "openai-chat", "https://api.fireworks.ai/inference/v1", "FIREWORKS_API_KEY"),
        ("cerebras", "openai-chat", "https://api.cerebras.ai/v1", "CEREBRAS_API_KEY"),
        ("grok", "openai-chat", "https://api.x.ai/v1", "XAI_API_KEY"),
        ("xai", "openai-chat", "https://api.x.ai/v1", "XAI_API_KEY"),
        ("zai", "openai-chat", "https://api.z.ai/api/paas/v4", "ZAI_API_KEY"),
        ("lmstudio", "openai-chat", "http://localhost:1234/v1", None),
        ("vllm", "openai-chat", "http://localhost:8000/v1", None),
        ("ollama", "openai-chat", "http://localhost:11434/v1", None),
        ("Groq", "openai-chat", "https://api.groq.com/openai/v1", "GROQ_API_KEY"),
    ],
)
def test_backend_types_map_to_a_provider_endpoint_and_key_variable(
    write_profile: WriteProfile,
    massgen_type: str,
    our_type: str,
    base_url: str | None,
    key_env: str | None,
) -> None:
    text = f"agents:\n  - id: a\n    backend:\n      type: {massgen_type}\n      model: m\n"
    [profile] = _load(write_profile, text)
    assert (profile.type, profile.base_url, profile.api_key_env) == (our_type, base_url, key_env)


def test_chatcompletion_picks_the_key_variable_from_the_host(write_profile: WriteProfile) -> None:
    text = (
        "agents:\n  - id: a\n    backend:\n      type: chatcompletion\n      model: m\n"
        "      base_url: https://api.cerebras.ai/v1\n"
    )
    [profile] = _load(write_profile, text)
    assert (profile.base_url, profile.api_key_env) == (
        "https://api.cerebras.ai/v1",
        "CEREBRAS_API_KEY",
    )


def test_an_explicit_base_url_wins_over_the_backend_default(write_profile: WriteProfile) -> None:
    text = (
        "agents:\n  - id: a\n    backend:\n      type: vllm\n      model: m\n"
        "      base_url: http://gpu-box:9000/v1\n"
    )
    [profile] = _load(write_profile, text)
    assert profile.base_url == "http://gpu-box:9000/v1"


def test_missing_type_is_inferred_from_the_model_like_massgen(write_profile: WriteProfile) -> None:
    [profile] = _load(
        write_profile, "agents:\n  - id: a\n    backend:\n      model: claude-opus-4-1\n"
    )
    assert profile.type == "anthropic"
    assert any("'claude' inferred from the model name" in w for w in profile.warnings())


def test_a_misspelt_backend_key_is_an_error_not_ignored(write_profile: WriteProfile) -> None:
    text = (
        "agents:\n  - id: a\n    backend:\n      type: openai\n      model: gpt-5\n"
        "      paralel_tool_calls: false\n"
    )
    err = _error(write_profile, text)
    assert str(err) == (
        "profiles/team.yaml, line 6, field 'agents[0].backend.paralel_tool_calls': unknown key. "
        "Did you mean 'parallel_tool_calls'?"
    )


def test_a_misspelt_agent_key_is_an_error(write_profile: WriteProfile) -> None:
    err = _error(
        write_profile,
        "agents:\n  - id: a\n    backend:\n      type: openai\n      model: gpt-5\n    system_mesage: hi\n",
    )
    assert (err.line, err.field, err.suggestion) == (
        6,
        "agents[0].system_mesage",
        "Did you mean 'system_message'?",
    )


def test_bad_values_in_a_backend_name_the_massgen_key(write_profile: WriteProfile) -> None:
    text = (
        "agents:\n  - id: a\n    backend:\n      type: openai\n      model: gpt-5\n"
        "      max_concurrent_tools: 0\n"
    )
    err = _error(write_profile, text)
    assert (err.line, err.field, err.message) == (
        6,
        "agents[0].backend.max_concurrent_tools",
        "must be at least 1 (got 0)",
    )


def test_an_unknown_backend_type_suggests_the_nearest(write_profile: WriteProfile) -> None:
    err = _error(
        write_profile, "agents:\n  - id: a\n    backend:\n      type: claud\n      model: m\n"
    )
    assert (err.line, err.field) == (4, "agents[0].backend.type")
    assert err.message == "backend type 'claud' is not one workbench can run"
    assert err.suggestion is not None and err.suggestion.startswith("Did you mean 'claude'?")


def test_an_unsupported_backend_type_lists_the_supported_ones(write_profile: WriteProfile) -> None:
    err = _error(write_profile, "agents:\n  - id: a\n    backend:\n      type: mystery\n")
    assert (
        err.suggestion is not None
        and "Supported: cerebras, chatcompletion, claude" in err.suggestion
    )
    only = _error(write_profile, "agents:\n  - id: a\n    backend:\n      type: claude_code\n")
    assert only.message.startswith("no agent in this file can be run by workbench ('a': ")
    assert only.suggestion is not None and "cerebras, chatcompletion, claude" in only.suggestion


def test_a_literal_api_key_is_refused_and_never_echoed(write_profile: WriteProfile) -> None:
    secret = "gsk_abcdefghijklmnopqrstuvwxyz"
    text = f"agents:\n  - id: a\n    backend:\n      type: groq\n      model: m\n      api_key: {secret}\n"
    err = _error(write_profile, text)
    assert (err.line, err.field) == (6, "agents[0].backend.api_key")
    assert err.message == "holds a literal API key; workbench never reads keys from a file"
    assert err.suggestion is not None and "environment variable" in err.suggestion
    assert secret not in str(err)


def test_an_api_key_given_as_an_env_reference_names_the_variable(
    write_profile: WriteProfile,
) -> None:
    text = "agents:\n  - id: a\n    backend:\n      type: groq\n      model: m\n      api_key: ${MY_GROQ}\n"
    [profile] = _load(write_profile, text)
    assert profile.api_key_env == "MY_GROQ"


@pytest.mark.parametrize(
    ("text", "line", "field", "message"),
    [
        ("agents: []\n", 1, "agents", "must be a list of agents"),
        ("agents:\n  - just-a-name\n", 2, "agents[0]", "must be a mapping with an 'id'"),
        ("agents:\n  - id: a\n", 2, "agents[0].backend", "this agent has no 'backend' mapping"),
        ("agents:\n  - id: a\n    backend: openai\n", 3, "agents[0].backend", "must be a mapping"),
        (
            "agents:\n  - id: a\n    backend: {type: openai, model: m}\n"
            "  - id: a\n    backend: {type: claude, model: m}\n",
            4,
            "agents[1].id",
            "duplicate agent id 'a' (first on line 2)",
        ),
        (
            "agent:\n  backend: {type: openai, model: m}\nagents: []\n",
            1,
            "agent",
            "a MassGen config has either 'agent' or 'agents', not both",
        ),
        (
            "agents:\n  - id: a\n    backend: {type: openai}\n",
            3,
            "agents[0].backend.model",
            "a model id is required",
        ),
    ],
)
def test_structural_mistakes_are_located(
    write_profile: WriteProfile, text: str, line: int, field: str, message: str
) -> None:
    err = _error(write_profile, text)
    assert (err.line, err.field) == (line, field)
    assert err.message.startswith(message)
