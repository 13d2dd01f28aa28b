"""Who served the model, in the GenAI conventions' words: ``gen_ai.provider.name`` from the endpoint
(a Groq profile speaks the openai-chat protocol, and is ``groq``), plus ``server.address`` and
``server.port`` where the profile or the vendor's default says them. Pure: no OpenTelemetry here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from workbench.core.capabilities import ENDPOINTS, PROVIDER_TYPES, Endpoint, infer_endpoint

_BY_ENDPOINT: dict[str, str] = {
    "openai": "openai",
    "groq": "groq",
    "anthropic": "anthropic",
    "bedrock": "aws.bedrock",
    "vertex": "gcp.vertex_ai",
    "gemini": "gcp.gemini",
}
"""The conventions' well-known values for the endpoints the capability table knows; the others
(``ollama``, ``vllm``, ``openrouter``, ``scripted``) have none and go out under their own name."""

_BY_HOST: tuple[tuple[str, str], ...] = (
    ("openai.azure.com", "azure.ai.openai"),
    ("services.ai.azure.com", "azure.ai.inference"),
    ("models.ai.azure.com", "azure.ai.inference"),
    ("inference.ai.azure.com", "azure.ai.inference"),
    ("api.groq.com", "groq"),
    ("api.deepseek.com", "deepseek"),
    ("api.mistral.ai", "mistral_ai"),
    ("api.x.ai", "x_ai"),
    ("api.perplexity.ai", "perplexity"),
    ("cohere.", "cohere"),
    ("watsonx", "ibm.watsonx.ai"),
    ("bedrock", "aws.bedrock"),
    ("aiplatform.googleapis.com", "gcp.vertex_ai"),
    ("generativelanguage.googleapis.com", "gcp.gemini"),
    ("api.openai.com", "openai"),
    ("api.anthropic.com", "anthropic"),
)
"""Hosts of OpenAI-compatible (or vendor) APIs that have a well-known value, checked first."""

_DEFAULT_HOST: dict[str, str] = {
    "openai": "api.openai.com",
    "anthropic": "api.anthropic.com",
    "gemini": "generativelanguage.googleapis.com",
    "groq": "api.groq.com",
    "openrouter": "openrouter.ai",
}
"""Where the SDK goes when the profile names no base_url (Bedrock and Vertex depend on a region)."""


@dataclass(frozen=True, slots=True)
class ServedBy:
    provider_name: str
    """``gen_ai.provider.name``."""
    server_address: str | None = None
    server_port: int | None = None


def served_by(kind: str, endpoint: str | None = None, base_url: str | None = None) -> ServedBy:
    """``kind`` is the profile's provider type, ``endpoint`` its ``endpoint:`` field (None: inferred
    from ``base_url``). An unknown type (a newer file) keeps its own name."""
    if kind not in PROVIDER_TYPES:
        return ServedBy(kind or "unknown")
    known: Endpoint = endpoint if endpoint in ENDPOINTS else infer_endpoint(kind, base_url)
    parts = urlsplit(base_url) if base_url else None
    host = (parts.hostname or "") if parts is not None else _DEFAULT_HOST.get(known, "")
    name = next((value for fragment, value in _BY_HOST if host and fragment in host), None)
    if name is None or (endpoint is not None and endpoint in _BY_ENDPOINT):
        name = _BY_ENDPOINT.get(known, known)
    if not host:
        return ServedBy(name)
    port = parts.port if parts is not None else None
    if port is None:
        scheme = parts.scheme if parts is not None else "https"
        port = 80 if scheme == "http" else 443
    return ServedBy(name, host, port)


def served_by_profile(profile: Mapping[str, Any]) -> ServedBy:
    """:func:`served_by` for a profile's public fields (a session header's ``profile``)."""
    endpoint = profile.get("endpoint")
    base_url = profile.get("base_url")
    return served_by(
        str(profile.get("type") or ""),
        endpoint if isinstance(endpoint, str) else None,
        base_url if isinstance(base_url, str) else None,
    )
