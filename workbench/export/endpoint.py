"""Where spans go: the OTLP destination as users write it (no OpenTelemetry here).

:func:`destination` resolves the URL, headers, timeout and protocol from what was given (a profile's
``telemetry:`` block, ``export --otlp-endpoint``) and the standard ``OTEL_EXPORTER_OTLP_*`` variables,
as the OpenTelemetry specification orders them: the ``..._TRACES_...`` variable first (its endpoint
used as it is), then the general one (``/v1/traces`` added), then the default. The exporter is handed
the result, so what a message names is what was used.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import unquote

TRACES_PATH = "/v1/traces"
DEFAULT_HTTP = "http://localhost:4318"
DEFAULT_GRPC = "http://localhost:4317"
DEFAULT_TIMEOUT_S = 10.0
"""The specification's default per-request timeout."""

Protocol = Literal["http/protobuf", "http/json", "grpc"]
PROTOCOLS: tuple[Protocol, ...] = ("http/protobuf", "http/json", "grpc")
TracesExporter = Literal["otlp", "console", "none"]
TRACES_EXPORTERS: tuple[TracesExporter, ...] = ("otlp", "console", "none")


@dataclass(frozen=True, slots=True)
class Destination:
    """One resolved OTLP destination."""

    url: str
    """The full traces URL (``.../v1/traces``; for gRPC the collector's address)."""
    protocol: Protocol = "http/protobuf"
    headers: dict[str, str] = field(default_factory=dict)
    timeout_s: float = DEFAULT_TIMEOUT_S


def traces_url(endpoint: str) -> str:
    """The OTLP/HTTP traces URL for a base endpoint (``http://host:4318``) or a full one."""
    endpoint = endpoint.strip().rstrip("/")
    return endpoint if endpoint.endswith(TRACES_PATH) else endpoint + TRACES_PATH


def parse_headers(values: Iterable[str], *, where: str = "--header") -> dict[str, str]:
    """``["Authorization=Basic …", "x=y"]``, or comma-separated as in OTEL_EXPORTER_OTLP_HEADERS, as a
    dict (values percent-decoded, as the specification says). Raises ``ValueError`` naming ``where``
    (never a header's value: it may be a credential)."""
    headers: dict[str, str] = {}
    for value in values:
        for part in value.split(","):
            if not part.strip():
                continue
            key, sep, val = part.partition("=")
            if not sep or not key.strip():
                raise ValueError(f"{where}: a header must be NAME=VALUE (NAME=VALUE,NAME=VALUE)")
            headers[key.strip()] = unquote(val.strip())
    return headers


def _first(env: Mapping[str, str], *names: str) -> tuple[str, str] | None:
    for name in names:
        value = env.get(name, "").strip()
        if value:
            return name, value
    return None


def protocol_from(env: Mapping[str, str]) -> Protocol:
    """``OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`` / ``OTEL_EXPORTER_OTLP_PROTOCOL``, default
    ``http/protobuf``. Raises ``ValueError`` naming the variable for a value we do not know."""
    found = _first(env, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL")
    if found is None:
        return "http/protobuf"
    name, value = found
    for protocol in PROTOCOLS:
        if value.lower() == protocol:
            return protocol
    raise ValueError(f"{name}={value} is not a protocol workbench knows ({', '.join(PROTOCOLS)})")


def traces_exporters(env: Mapping[str, str]) -> set[TracesExporter]:
    """``OTEL_TRACES_EXPORTER`` (a comma-separated list; default ``otlp``). Raises ``ValueError``
    for a name we do not support."""
    raw = env.get("OTEL_TRACES_EXPORTER", "").strip().lower() or "otlp"
    chosen: set[TracesExporter] = set()
    for part in raw.split(","):
        name = part.strip()
        if not name:
            continue
        match name:
            case "otlp" | "console" | "none":
                chosen.add(name)
            case _:
                raise ValueError(
                    f"OTEL_TRACES_EXPORTER={name} is not supported here"
                    f" ({', '.join(TRACES_EXPORTERS)})"
                )
    if "none" in chosen:
        return set()
    return chosen


def timeout_from(env: Mapping[str, str], default: float = DEFAULT_TIMEOUT_S) -> float:
    """``OTEL_EXPORTER_OTLP_TRACES_TIMEOUT`` / ``OTEL_EXPORTER_OTLP_TIMEOUT`` (milliseconds), in
    seconds. Raises ``ValueError`` naming the variable for a value that is not a positive number."""
    found = _first(env, "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT")
    if found is None:
        return default
    name, value = found
    try:
        ms = float(value)
    except ValueError:
        ms = -1
    if not ms > 0:
        raise ValueError(f"{name}={value} is not a timeout in milliseconds")
    return ms / 1000


def endpoint_named(env: Mapping[str, str]) -> bool:
    """Whether the variables name a collector."""
    return (
        _first(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT") is not None
    )


def destination(
    env: Mapping[str, str],
    *,
    endpoint: str | None = None,
    headers: Mapping[str, str] | None = None,
    timeout_s: float | None = None,
    protocol: Protocol | None = None,
) -> Destination:
    """The destination: what was given explicitly wins over the variables.

    ``endpoint`` is a base URL (``/v1/traces`` is added unless present). Raises ``ValueError``, one
    line naming the variable, for a value that cannot be used.
    """
    chosen = protocol or protocol_from(env)
    grpc = chosen == "grpc"
    if endpoint is not None:
        url = endpoint.strip() if grpc else traces_url(endpoint)
    elif found := _first(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        url = found[1]  # signal-specific: used as it is
    elif found := _first(env, "OTEL_EXPORTER_OTLP_ENDPOINT"):
        url = found[1] if grpc else traces_url(found[1])
    else:
        url = DEFAULT_GRPC if grpc else traces_url(DEFAULT_HTTP)
    if headers is None:
        found = _first(env, "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS")
        headers = parse_headers([found[1]], where=found[0]) if found is not None else {}
    return Destination(
        url=url,
        protocol=chosen,
        headers=dict(headers),
        timeout_s=timeout_s if timeout_s is not None else timeout_from(env),
    )
