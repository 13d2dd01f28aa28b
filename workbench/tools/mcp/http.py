"""The HTTP side of a Streamable HTTP server: an ``httpx2`` client that watches what the SDK sends.

The SDK turns a 404 for our session (the server restarted and forgot it) and a refused connection
into errors that do not say whether the server ever saw the request. This client's transport sees
the HTTP itself, so it can tell a call that never ran (and may be sent again on a new session) from
one that was lost on the way back (which must not be).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import httpx2

ATTEMPT_KEY = "workbench/attempt"
"""A ``_meta`` key naming each call attempt, so the transport can say which ones never ran."""
SESSION_HEADER = "mcp-session-id"

Problem = Callable[[str], None]
"""Told ``"expired"`` (404 for our session) or ``"unreachable"`` (no connection)."""


class WatchedTransport(httpx2.AsyncBaseTransport):
    """Records the attempts the server never ran, and tells the source what it saw."""

    def __init__(self, unsent: set[str], on_problem: Problem) -> None:
        self._inner = httpx2.AsyncHTTPTransport()
        self._unsent = unsent
        self._on_problem = on_problem

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        try:
            response = await self._inner.handle_async_request(request)
        except (httpx2.ConnectError, httpx2.ConnectTimeout):
            self._never_ran(request)
            self._on_problem("unreachable")
            raise
        if response.status_code == 404 and request.headers.get(SESSION_HEADER):
            self._never_ran(request)
            self._on_problem("expired")
        return response

    def _never_ran(self, request: httpx2.Request) -> None:
        attempt = _attempt_of(request)
        if attempt is not None:
            self._unsent.add(attempt)

    async def aclose(self) -> None:
        await self._inner.aclose()


def _attempt_of(request: httpx2.Request) -> str | None:
    if request.method != "POST":
        return None
    try:
        body: Any = json.loads(request.content)
    except (ValueError, httpx2.RequestNotRead):
        return None
    params = body.get("params") if isinstance(body, dict) else None
    meta = params.get("_meta") if isinstance(params, dict) else None
    value = meta.get(ATTEMPT_KEY) if isinstance(meta, dict) else None
    return value if isinstance(value, str) else None


def http_client(
    headers: Mapping[str, str], unsent: set[str], on_problem: Problem
) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(
        headers=dict(headers),
        timeout=httpx2.Timeout(30.0, read=300.0),
        transport=WatchedTransport(unsent, on_problem),
    )
