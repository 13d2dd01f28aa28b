"""Live knob changes a provider rejects are refused with the reason, before any request."""

from __future__ import annotations

import pytest

from workbench.core.capabilities import ignored_part, refuse_change, row_for
from workbench.core.knobs import KnobChange, KnobError, parse_knobs


def test_strict_is_a_knob_of_the_text_form() -> None:
    assert parse_knobs("strict=on,parallel=off") == KnobChange(strict=True, parallel=False)
    assert KnobChange(strict=False).text() == "strict=off"
    with pytest.raises(KnobError, match="strict takes on\\|off"):
        parse_knobs("strict=maybe")


@pytest.mark.parametrize(
    ("kind", "endpoint", "reason"),
    [
        ("scripted", "scripted", "arguments always fit the schema"),
        ("anthropic", "bedrock", "not sent to Claude"),
        ("gemini", "gemini", "not sent to Gemini"),
    ],
)
def test_an_ignored_knob_goes_on_without_it_and_says_so(
    kind: str, endpoint: str, reason: str
) -> None:
    # The word is the one `workbench providers` prints for the cell: ignored, never "refused".
    row = row_for(kind, endpoint)  # type: ignore[arg-type]
    assert row.rule("strict").support == "ignored"
    rest, note = ignored_part(row, KnobChange(strict=True, max_concurrent=2))
    assert rest == KnobChange(max_concurrent=2)
    assert note == f"strict schemas are ignored on {row.title}: {row.rule('strict').reason}"
    assert reason in note and "refused" not in note
    assert ignored_part(row_for("openai-chat", "ollama"), KnobChange(strict=True)) == (
        KnobChange(strict=True),
        "",
    )  # sent there, so not ignored by workbench


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
        # Ignored (not sent) is not refused: see test_an_ignored_knob_goes_on_without_it_and_says_so
        ("anthropic", "anthropic", KnobChange(strict=True), False, None),
        ("gemini", "gemini", KnobChange(strict=True), False, None),
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
