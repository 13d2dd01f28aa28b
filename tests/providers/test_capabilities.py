"""Every adapter's capabilities are the capability table's, for every endpoint that serves it."""

from __future__ import annotations

import pytest

from workbench.config import Profile
from workbench.core.capabilities import ROWS, ProviderRow, infer_endpoint, row_for
from workbench.core.provider import Provider
from workbench.providers.factory import build_provider

_KEYS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY")


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.type}@{r.endpoint}")
@pytest.mark.parametrize("eager", [True, False])
async def test_each_adapter_says_what_the_table_says(
    row: ProviderRow, eager: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in _KEYS:
        monkeypatch.setenv(key, "test-key")
    profile = Profile(
        type=row.type,
        model="m",
        base_url=None if row.type == "scripted" else "http://127.0.0.1:9/v1",
        endpoint=row.endpoint,
        eager_dispatch=eager,
    )
    assert profile.provider_row is row
    provider: Provider = build_provider(profile)
    expected = row.capabilities(eager_dispatch=eager if row.type != "scripted" else True)
    assert provider.capabilities == expected
    await provider.aclose()


@pytest.mark.parametrize(
    ("kind", "url", "endpoint"),
    [
        ("openai-chat", None, "openai"),
        ("openai-chat", "https://api.openai.com/v1", "openai"),
        ("openai-chat", "http://localhost:11434/v1", "ollama"),
        ("openai-chat", "https://api.groq.com/openai/v1", "groq"),
        ("openai-chat", "https://openrouter.ai/api/v1", "openrouter"),
        ("openai-chat", "http://localhost:8000/v1", "compatible"),
        ("openai-responses", "http://127.0.0.1:5/v1", "compatible"),
        ("anthropic", None, "anthropic"),
        ("anthropic", "https://bedrock-runtime.us-east-1.amazonaws.com", "bedrock"),
        ("anthropic", "http://127.0.0.1:5", "anthropic"),
        ("gemini", "http://127.0.0.1:5/", "gemini"),
    ],
)
def test_the_endpoint_is_inferred_from_the_url(kind: str, url: str | None, endpoint: str) -> None:
    assert infer_endpoint(kind, url) == endpoint  # type: ignore[arg-type]


def test_every_cell_has_a_one_line_reason_and_only_real_pairs_exist() -> None:
    for row in ROWS:
        assert set(row.knobs) == {"parallel", "mode", "strict", "eager"}
        for rule in row.knobs.values():
            assert rule.reason and "\n" not in rule.reason
    with pytest.raises(ValueError, match="endpoint 'ollama' does not serve anthropic"):
        row_for("anthropic", "ollama")
