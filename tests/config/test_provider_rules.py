"""Profile knobs for strict schemas, endpoints and thinking: what the capability table makes of them."""

from __future__ import annotations

from typing import Any

import pytest

from workbench.config import Profile, ProfileError
from workbench.config.loader import load_profile_file


def _profile(**fields: Any) -> Profile:
    fields.setdefault("model", "m")
    return Profile.model_validate(fields)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"type": "openai-chat", "strict_tools": True}, "strict_parallel: warn sends both"),
        (
            {"type": "openai-responses", "strict_tools": True, "strict_parallel": "serialize"},
            "serialize sends parallel_tool_calls: false",
        ),
        ({"type": "anthropic", "strict_tools": True}, "strict_tools is ignored on Anthropic"),
        ({"type": "gemini", "strict_tools": True}, "strict_tools is ignored on Gemini"),
        ({"type": "openai-chat", "strict_parallel": "serialize"}, "no effect while strict_tools"),
        (
            {
                "type": "openai-chat",
                "base_url": "http://localhost:11434/v1",
                "parallel_tool_calls": False,
            },
            "parallel_tool_calls is ignored on Ollama",
        ),
        (
            {"type": "anthropic", "endpoint": "bedrock", "disable_parallel_tool_use": True},
            "disable_parallel_tool_use is rejected on Claude on Bedrock",
        ),
        ({"type": "openai-chat", "thinking_budget_tokens": 2048}, "Claude's setting"),
        (
            {"type": "openai-chat", "endpoint": "ollama", "function_calling_mode": "ANY"},
            "function_calling_mode is ignored on Ollama",
        ),
    ],
)
def test_warnings_say_what_the_table_says(fields: dict[str, Any], expected: str) -> None:
    warnings = _profile(**fields).warnings()
    assert any(expected in w for w in warnings), warnings
    assert all("\n" not in w for w in warnings)


def test_strict_and_parallel_without_strict_support_give_plain_settings() -> None:
    assert _profile(type="openai-chat", strict_tools=True).run_settings().emission.strict is True
    # Not sent to Claude, so the loop's settings do not claim it.
    assert _profile(type="anthropic", strict_tools=True).run_settings().emission.strict is False
    serialize = _profile(type="openai-chat", strict_tools=True, strict_parallel="serialize")
    emission = serialize.run_settings().emission
    assert emission.parallel is True and emission.wire_parallel is False


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ("type: anthropic\nmodel: c\nendpoint: ollama\n", None, "does not serve anthropic"),
        (
            "type: anthropic\nmodel: c\nthinking_budget_tokens: 2048\nfunction_calling_mode: ANY\n",
            None,
            "Thinking may not be enabled when tool_choice forces tool use",
        ),
        (
            "type: anthropic\nmodel: c\nthinking_budget_tokens: 8000\nmax_tokens: 4096\n",
            None,
            "less than max_tokens",
        ),
        ("type: openai-chat\nmodel: c\nstrict_parallel: sometimes\n", "strict_parallel", "warn"),
    ],
)
def test_what_the_provider_would_refuse_is_a_profile_error(
    tmp_path: Any, text: str, field: str | None, message: str
) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(text)
    with pytest.raises(ProfileError) as caught:
        load_profile_file(path)
    assert message in str(caught.value)
    if field is not None:
        assert field in str(caught.value)


def test_a_rejected_switch_is_not_shown_as_applied() -> None:
    """On Claude-on-Bedrock the switch is never sent, so the settings say parallel is on."""
    bedrock = _profile(type="anthropic", endpoint="bedrock", disable_parallel_tool_use=True)
    assert bedrock.run_settings().emission.parallel is True
    assert any("rejected on Claude on Bedrock" in w for w in bedrock.warnings())
