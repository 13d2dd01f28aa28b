"""Transport failures (timeouts, refused and broken connections), named by what the stream had done.

SDK versions wrap one failure in different classes: anthropic 2.11 let a read timeout mid-stream
through as a raw ``httpx2.ReadTimeout``, 2.17 wraps it in ``APITimeoutError`` (the class it also raises
before any answer); google-genai wraps nothing. So no adapter decides by the class it caught. It
counts the events it received, and :func:`failure_of` reads the cause chain for the transport's own
verdict. The three situations a user can tell apart each get their own line: no answer yet, a stream
that stalled after it had begun, a stream cut after it had begun.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import httpx2

from workbench.core.provider import ProviderError, ProviderErrorKind
from workbench.providers._shared import one_line

Failure = Literal["unreachable", "timeout", "broken"]
"""No connection could be made; nothing arrived in time; the connection closed or broke."""


@dataclass(frozen=True, slots=True)
class Peer:
    """Who an adapter talks to, as its error lines name it."""

    provider: str
    """The provider type on the error (``ProviderError.provider``)."""
    who: str
    """The server as a user knows it: "Anthropic", or the base URL of a compatible server."""
    url: str
    """What "could not connect to …" names."""
    timeout_s: float
    attempts: int
    """How many requests the SDK makes before it gives up on an answer (max_retries + 1)."""


def failure_of(
    exc: BaseException,
    *,
    timeouts: tuple[type[BaseException], ...] = (),
    broken: tuple[type[BaseException], ...] = (),
) -> Failure | None:
    """The transport failure behind ``exc``, or None when it is not one (a status, a bad body).

    ``timeouts`` and ``broken`` are the SDK's own wrappers, for an SDK that raises one without a cause.
    """
    links = list(_chain(exc))
    if any(isinstance(link, httpx2.ConnectError | httpx2.ConnectTimeout) for link in links):
        return "unreachable"
    if any(isinstance(link, (httpx2.TimeoutException, TimeoutError, *timeouts)) for link in links):
        return "timeout"
    if any(isinstance(link, (httpx2.TransportError, *broken)) for link in links):
        return "broken"
    return None


def transport_error(
    failure: Failure, *, events: int, peer: Peer, exc: BaseException
) -> ProviderError:
    """The one-line error for ``failure`` after ``events`` events of the response had arrived."""
    n = f"{events} event{'s' if events != 1 else ''}"
    tries = f"{peer.attempts} attempt{'s' if peer.attempts != 1 else ''}"
    kind: ProviderErrorKind
    match failure:
        case "unreachable":
            kind, message = (
                "connection",
                f"could not connect to {peer.url} — is the server running?",
            )
        case "timeout" if events:
            kind = "timeout"
            message = (
                f"the stream from {peer.who} stalled: nothing arrived for {peer.timeout_s:g} s "
                f"after {n} (timed out)"
            )
        case "timeout":
            kind = "timeout"
            message = f"no answer from {peer.who} within {peer.timeout_s:g} s ({tries}, timed out)"
        case "broken" if events:
            kind = "stream"
            message = f"the stream from {peer.who} was cut off midway, after {n}: {_cause(exc)}"
        case "broken":
            kind = "connection"
            message = f"{peer.who} closed the connection before answering ({tries}): {_cause(exc)}"
    return ProviderError(kind, one_line(message), provider=peer.provider)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        yield link
        link = link.__cause__ or link.__context__


def _cause(exc: BaseException) -> str:
    """The transport's own words (the innermost httpx2 error), else the outermost."""
    words = [str(link) for link in _chain(exc) if isinstance(link, httpx2.HTTPError) and str(link)]
    return words[-1] if words else (str(exc) or type(exc).__name__)
