"""Building a provider from a profile, importing its vendor SDK only when that provider is used.

The API key is read here, from the environment variable the profile names, before any request: a missing
key is a clear error, never a 401 from the vendor.
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Any

from workbench.core.provider import Provider, ProviderError
from workbench.loopback import is_loopback_url

if TYPE_CHECKING:
    from workbench.config.profile import Profile

# type → (module, class); each module is the only one importing its SDK.
_ADAPTERS: dict[str, tuple[str, str]] = {
    "openai-responses": ("workbench.providers.openai_responses", "OpenAIResponsesProvider"),
    "openai-chat": ("workbench.providers.openai_chat", "OpenAIChatProvider"),
    "anthropic": ("workbench.providers.anthropic", "AnthropicProvider"),
    "gemini": ("workbench.providers.gemini", "GeminiProvider"),
}

_ALSO_READ = {"GEMINI_API_KEY": "GOOGLE_API_KEY"}
"""A key variable the vendor's SDK (and MassGen) also reads when the usual one is unset."""

NO_KEY_PLACEHOLDER = "no-key-needed"
"""Sent to servers that need no key (Ollama, a local vLLM): the SDKs insist on some value."""


def resolve_api_key(profile: Profile) -> str:
    """The key from the profile's environment variable, or a clear error naming the variable."""
    name = profile.api_key_env
    if name is None:
        return NO_KEY_PLACEHOLDER
    value = os.environ.get(name, "").strip()
    also = _ALSO_READ.get(name)
    if not value and also is not None:
        value = os.environ.get(also, "").strip()
    if not value and is_loopback_url(profile.base_url):
        # The emulator, Ollama or a local vLLM on this machine: nothing to authenticate against.
        return NO_KEY_PLACEHOLDER
    if not value:
        raise ProviderError(
            "config",
            f"{name}{f' (or {also})' if also else ''} is not set: export {name}=… to use "
            f"profile '{profile.name}' "
            f"({profile.type}), or pick another profile (workbench profiles)",
            provider=profile.type,
        )
    return value


def build_provider(profile: Profile) -> Provider:
    """The provider a profile describes. Raises :class:`ProviderError` (kind ``config``)."""
    if profile.type == "scripted":
        from workbench.providers.scripted import ScriptedProvider

        return ScriptedProvider(
            model=profile.model or "scripted",
            ttft_s=profile.scripted.ttft_ms / 1000.0,
            tokens_per_s=profile.scripted.tokens_per_s,
        )
    module_name, class_name = _ADAPTERS[profile.type]
    api_key = resolve_api_key(profile)
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ProviderError(
            "config",
            f"the {profile.type} provider cannot be loaded ({exc}); reinstall workbench",
            provider=profile.type,
        ) from exc
    cls: Any = getattr(module, class_name)
    extra: dict[str, Any] = {}
    if profile.type == "anthropic":
        extra["thinking_budget_tokens"] = profile.thinking_budget_tokens
    provider: Provider = cls(
        model=profile.model,
        api_key=api_key,
        base_url=profile.base_url,
        eager_dispatch=profile.eager_dispatch,
        endpoint=profile.provider_row.endpoint,
        **extra,
    )
    return provider
