"""Live knob changes a provider rejects are refused with the reason, before any request."""

from __future__ import annotations

import pytest

from workbench.core.capabilities import refuse_change, row_for
from workbench.core.knobs import KnobChange, KnobError, parse_knobs


def test_strict_is_a_knob_of_the_text_form() -> None:
    assert parse_knobs("strict=on,parallel=off") == KnobChange(strict=True, parallel=False)
    assert KnobChange(strict=False).text() == "strict=off"
    with pytest.raises(KnobError, match="strict takes on\\|off"):
        parse_knobs("strict=maybe")


@pytest.mark.parametrize(
    ("kind", "endpoint", "change", "thinking", "expected"),
    [
        ("anthropic", "bedrock", KnobChange(parallel=False), False, "Bedrock has rejected"),
        ("anthropic", "anthropic", KnobChange(parallel=False), False, None),
        ("anthropic", "bedrock", KnobChange(parallel=True), False, None),
        (
            "anthropic",
            "anthropic",
            KnobChange(function_calling_mode="ANY"),
            True,
            "Thinking may not",
        ),
        ("anthropic", "anthropic", KnobChange(function_calling_mode="ANY"), False, None),
        ("anthropic", "anthropic", KnobChange(strict=True), False, "strict schemas are refused"),
        ("gemini", "gemini", KnobChange(strict=True), False, "not sent to Gemini"),
        ("openai-chat", "openai", KnobChange(strict=True), False, None),
        (
            "openai-chat",
            "ollama",
            KnobChange(strict=True),
            False,
            None,
        ),  # sent; the server may ignore
        ("openai-chat", "openai", KnobChange(strict=False), False, None),
    ],
)
def test_refusals_name_the_reason(
    kind: str, endpoint: str, change: KnobChange, thinking: bool, expected: str | None
) -> None:
    refusal = refuse_change(row_for(kind, endpoint), change, thinking=thinking)  # type: ignore[arg-type]
    if expected is None:
        assert refusal is None
    else:
        assert refusal is not None and expected in refusal
        assert "\n" not in refusal
