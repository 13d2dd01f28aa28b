"""Where spans go: the OTLP/HTTP traces URL and request headers, as users write them (no OTel here)."""

from __future__ import annotations

from collections.abc import Iterable

TRACES_PATH = "/v1/traces"


def traces_url(endpoint: str) -> str:
    """The OTLP/HTTP traces URL for a base endpoint (``http://host:4318``) or a full one."""
    endpoint = endpoint.strip().rstrip("/")
    return endpoint if endpoint.endswith(TRACES_PATH) else endpoint + TRACES_PATH


def parse_headers(values: Iterable[str], *, where: str = "--header") -> dict[str, str]:
    """``["Authorization=Basic …", "x=y"]``, or comma-separated as in OTEL_EXPORTER_OTLP_HEADERS, as a
    dict. Raises ``ValueError`` naming ``where`` (never a header's value: it may be a credential)."""
    headers: dict[str, str] = {}
    for value in values:
        for part in value.split(","):
            if not part.strip():
                continue
            key, sep, val = part.partition("=")
            if not sep or not key.strip():
                raise ValueError(f"{where}: a header must be NAME=VALUE (NAME=VALUE,NAME=VALUE)")
            headers[key.strip()] = val.strip()
    return headers
