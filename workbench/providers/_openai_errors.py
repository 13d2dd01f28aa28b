"""Mapping openai SDK (and raw httpx2) failures to one-line :class:`ProviderError`s.

Shared by the Chat Completions and Responses adapters. The SDK has already retried what it retries
(429, 5xx, connection errors) by the time an error gets here, so messages say how many attempts were
made. Timeouts and broken connections are named by how far the stream had got (``_transport``), not
by the class the SDK wraps them in.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx2
import openai

from workbench.core.provider import ProviderError, ProviderErrorKind
from workbench.providers._openai_common import is_openai
from workbench.providers._shared import one_line as one_line
from workbench.providers._transport import Peer, failure_of, transport_error

ERRORS: tuple[type[BaseException], ...] = (openai.OpenAIError, httpx2.HTTPError)
"""What an OpenAI adapter catches around a request and its stream."""


@dataclass(frozen=True, slots=True)
class ErrorContext:
    provider: str
    model: str
    base_url: str
    attempts: int
    """How many requests the SDK makes before giving up (max_retries + 1)."""
    timeout_s: float


def map_error(exc: BaseException, ctx: ErrorContext, *, events: int) -> ProviderError:
    """The ProviderError for ``exc``, raised after ``events`` events of the response had arrived."""
    who = "OpenAI" if is_openai(ctx.base_url) else ctx.base_url

    def error(kind: ProviderErrorKind, message: str, status: int | None = None) -> ProviderError:
        return ProviderError(kind, one_line(message), status=status, provider=ctx.provider)

    tries = f"{ctx.attempts} attempt{'s' if ctx.attempts != 1 else ''}"
    failure = failure_of(
        exc, timeouts=(openai.APITimeoutError,), broken=(openai.APIConnectionError,)
    )
    if failure is not None and not isinstance(exc, openai.APIStatusError):
        peer = Peer(ctx.provider, who, ctx.base_url, ctx.timeout_s, ctx.attempts)
        return transport_error(failure, events=events, peer=peer, exc=exc)
    match exc:
        case openai.APIStatusError(status_code=status):
            detail = _api_message(exc)
            if status in (401, 403):
                key = "check OPENAI_API_KEY" if who == "OpenAI" else "check the profile's API key"
                return error("auth", f"{who} rejected the API key ({status}): {key}", status)
            if status == 404:
                where = "" if who == "OpenAI" else f" at {who}; check the model name and base URL"
                return error("not_found", f"model '{ctx.model}' was not found (404){where}", status)
            if status == 429:
                return error(
                    "rate_limit",
                    f"rate limited (429) after {tries}; try again later or lower "
                    "max_concurrent_tools",
                    status,
                )
            if status >= 500:
                return error("server", f"{who} failed ({status}) after {tries}: {detail}", status)
            return error("bad_request", f"{who} refused the request ({status}): {detail}", status)
        case openai.APIError():
            # Raised for an error event inside a stream (no HTTP status).
            return error("stream", f"{who} reported an error mid-stream: {_api_message(exc)}")
        case _:
            return error("stream", f"{who}: {type(exc).__name__}: {exc}")


def _api_message(exc: openai.APIError) -> str:
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return str(inner["message"])
    return exc.message
