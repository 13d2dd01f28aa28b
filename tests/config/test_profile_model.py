"""The Profile model: defaults, mapping onto the core settings, overrides, secrets, warnings."""

from __future__ import annotations

import json
from typing import Any

import pytest

from workbench.config import (
    PROVIDER_TYPES,
    Profile,
    ProfileError,
    ScriptedOptions,
    TelemetryOptions,
)
from workbench.core.settings import Fault


def _profile(**fields: Any) -> Profile:
    fields.setdefault("model", "m")
    return Profile.model_validate(fields)


def test_every_field_is_documented() -> None:
    for model in (Profile, ScriptedOptions, TelemetryOptions):
        undocumented = [name for name, info in model.model_fields.items() if not info.description]
        assert undocumented == [], f"{model.__name__} fields without a docstring: {undocumented}"


def test_api_key_env_defaults_per_provider_type() -> None:
    assert _profile(type="openai-responses").api_key_env == "OPENAI_API_KEY"
    assert _profile(type="openai-chat").api_key_env == "OPENAI_API_KEY"
    assert _profile(type="anthropic").api_key_env == "ANTHROPIC_API_KEY"
    assert _profile(type="gemini").api_key_env == "GEMINI_API_KEY"
    assert Profile(type="scripted").api_key_env is None
    # A keyless server (ollama) says so explicitly.
    assert _profile(type="openai-chat", api_key_env=None).api_key_env is None


def test_scripted_needs_no_model_but_real_providers_do() -> None:
    assert Profile(type="scripted").model == "scripted"
    with pytest.raises(ValueError, match="a model id is required for type 'gemini'"):
        Profile(type="gemini")


@pytest.mark.parametrize(
    ("fields", "parallel"),
    [
        ({"type": "openai-responses"}, True),
        ({"type": "openai-responses", "parallel_tool_calls": False}, False),
        ({"type": "openai-chat", "parallel_tool_calls": False}, False),
        # Claude's switch does nothing on OpenAI (and is warned about).
        ({"type": "openai-chat", "disable_parallel_tool_use": True}, True),
        ({"type": "anthropic"}, True),
        ({"type": "anthropic", "disable_parallel_tool_use": True}, False),
        ({"type": "anthropic", "parallel_tool_calls": False}, True),
        # Gemini has no switch: it may always emit several calls.
        ({"type": "gemini", "parallel_tool_calls": False}, True),
        ({"type": "gemini", "disable_parallel_tool_use": True}, True),
        # The scripted model honours either switch.
        ({"type": "scripted"}, True),
        ({"type": "scripted", "parallel_tool_calls": False}, False),
        ({"type": "scripted", "disable_parallel_tool_use": True}, False),
    ],
)
def test_run_settings_maps_each_vendor_switch_onto_emission(
    fields: dict[str, Any], parallel: bool
) -> None:
    assert _profile(**fields).run_settings().emission.parallel is parallel


def test_run_settings_carries_the_execution_knobs_faults_and_seed() -> None:
    profile = _profile(
        type="scripted",
        function_calling_mode="ANY",
        concurrent_tool_execution=False,
        max_concurrent_tools=3,
        tool_timeout_s=None,
        tool_retries=2,
        tool_retry_backoff_s=0.1,
        retry_on_timeout=True,
        seed=7,
        faults={"get_weather": {"latency_ms": [100, 300]}, "hang": {"hang": True}},
    )
    settings = profile.run_settings()
    assert settings.emission.function_calling_mode == "ANY"
    execution = settings.execution
    assert (execution.concurrent, execution.max_concurrent, execution.cap) == (False, 3, 1)
    assert execution.timeout_s is None
    assert (execution.retries, execution.retry_backoff_s, execution.retry_on_timeout) == (
        2,
        0.1,
        True,
    )
    assert execution.seed == 7
    assert execution.faults == {
        "get_weather": Fault(latency_ms=(100.0, 300.0)),
        "hang": Fault(hang=True),
    }


def test_defaults_match_the_core_settings() -> None:
    settings = Profile(type="scripted").run_settings()
    assert settings.execution.concurrent is True
    assert settings.execution.max_concurrent == 10
    assert settings.execution.timeout_s == 30.0
    assert settings.emission.function_calling_mode == "AUTO"


def test_with_overrides_revalidates_and_keeps_the_rest() -> None:
    base = _profile(type="openai-chat", max_concurrent_tools=4, seed=1)
    changed = base.with_overrides(max_concurrent_tools=2, parallel_tool_calls=False)
    assert (changed.max_concurrent_tools, changed.parallel_tool_calls, changed.seed) == (
        2,
        False,
        1,
    )
    assert base.max_concurrent_tools == 4  # the original is untouched


def test_with_overrides_rejects_bad_values_with_a_profile_error() -> None:
    base = Profile(type="scripted")
    with pytest.raises(ProfileError) as info:
        base.with_overrides(max_concurrent_tools=0)
    assert str(info.value) == "Field 'max_concurrent_tools': must be at least 1 (got 0)."
    with pytest.raises(ProfileError) as info:
        base.with_overrides(max_concurent_tools=2)
    assert info.value.suggestion == "Did you mean 'max_concurrent_tools'?"


def test_changing_the_type_rederives_the_key_variable_unless_it_was_set() -> None:
    openai = _profile(type="openai-chat")
    assert openai.with_overrides(type="anthropic").api_key_env == "ANTHROPIC_API_KEY"
    custom = _profile(type="openai-chat", api_key_env="MY_KEY")
    assert custom.with_overrides(type="anthropic").api_key_env == "MY_KEY"
    local = Profile(type="scripted")
    with pytest.raises(ProfileError, match="a model id is required for type 'gemini'"):
        local.with_overrides(type="gemini")
    assert local.with_overrides(type="gemini", model="gemini-2.5-flash").model == "gemini-2.5-flash"


def test_public_dict_is_json_and_holds_no_secrets() -> None:
    profile = _profile(
        type="openai-chat",
        base_url="https://alice:s3cret@proxy.example.com/v1?api_key=k3y&region=eu",
        api_key_env="PROXY_KEY",
    )
    data = profile.public_dict()
    text = json.dumps(data)
    assert "s3cret" not in text
    assert "alice" not in text
    assert "k3y" not in text
    assert data["base_url"] == "https://proxy.example.com/v1?api_key=REDACTED&region=eu"
    assert data["api_key_env"] == "PROXY_KEY"  # a variable's name is not a secret
    assert data["type"] == "openai-chat"
    assert data["max_concurrent_tools"] == 10


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"type": "openai-chat", "disable_parallel_tool_use": True}, "Claude's switch"),
        ({"type": "openai-responses", "disable_parallel_tool_use": False}, "Claude's switch"),
        ({"type": "anthropic", "parallel_tool_calls": False}, "OpenAI's switch"),
        ({"type": "gemini", "parallel_tool_calls": False}, "Gemini has no parallel-call switch"),
        ({"type": "gemini", "disable_parallel_tool_use": True}, "Gemini has no parallel-call"),
        ({"type": "scripted", "base_url": "http://x.test/v1"}, "scripted model makes no network"),
        ({"type": "openai-chat", "scripted": {"ttft_ms": 5}}, "only apply to type scripted"),
        (
            {"type": "scripted", "concurrent_tool_execution": False, "max_concurrent_tools": 4},
            "no effect while concurrent_tool_execution is false",
        ),
        ({"type": "scripted", "retry_on_timeout": True}, "no effect while tool_retries is 0"),
        (
            {"type": "scripted", "tools": ["get_time"], "faults": {"sleep": {"hang": True}}},
            "'sleep', which is not in tools",
        ),
        (
            {"type": "scripted", "parallel_tool_calls": True, "disable_parallel_tool_use": True},
            "disagree",
        ),
    ],
)
def test_warnings_name_knobs_that_do_not_apply(fields: dict[str, Any], expected: str) -> None:
    warnings = _profile(**fields).warnings()
    assert any(expected in w for w in warnings), warnings


def test_a_plain_profile_has_no_warnings() -> None:
    for kind in PROVIDER_TYPES:
        assert _profile(type=kind).warnings() == [], kind


def test_gemini_warning_is_in_plain_words() -> None:
    [warning] = _profile(type="gemini", parallel_tool_calls=False).warnings()
    assert warning.startswith("Gemini has no parallel-call switch; parallel_tool_calls is ignored")
