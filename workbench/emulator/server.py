"""A loopback HTTP/1.1 server that speaks the four provider wire formats.

The server owns sockets, HTTP framing, keep-alive, chunked streaming and injected misbehaviour; the
wire handlers (one module per API) own request parsing and the response shapes. It binds loopback
addresses only and never talks to another host.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import itertools
import json
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Literal, Protocol
from urllib.parse import parse_qsl, urlsplit

from workbench.core.messages import Message, ToolSpec
from workbench.core.settings import EmissionSettings
from workbench.emulator.convert import Reply, WireError, reply_from_plan
from workbench.loopback import is_loopback_host

ClaudePlatform = Literal["anthropic", "bedrock", "vertex"]
ChatServer = Literal["openai", "ollama"]

Planner = Callable[[str, list[Message], list[ToolSpec], EmissionSettings], Reply]
"""Answers one request: (system, messages, tools, emission) -> the reply to stream."""

HANDLER_MODULES = (
    "workbench.emulator.openai_chat",
    "workbench.emulator.openai_responses",
    "workbench.emulator.anthropic",
    "workbench.emulator.gemini",
)

_MAX_LINE = 64 * 1024
_MAX_HEADERS = 200


@dataclass
class EmulatorRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    """Header names lower-cased."""
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON; a body that is not JSON is a 400, as the real APIs answer it."""
        try:
            return json.loads(self.body or b"null")
        except ValueError as exc:
            raise WireError(f"the request body is not valid JSON: {exc}") from None


@dataclass
class EmulatorResponse:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    events: AsyncIterator[bytes] | None = None
    """When set, the server sends a chunked streaming response, one framed SSE event per item."""


class EmulatorContext:
    """What a handler may use while answering one request."""

    def __init__(
        self,
        *,
        planner: Planner,
        scripted: Reply | None,
        ids: Callable[[str], str],
        interleave_chat_fragments: bool = False,
        whole_chat_calls: bool = False,
        claude_platform: ClaudePlatform = "anthropic",
        chat_server: ChatServer = "openai",
        omit_usage: bool = False,
    ) -> None:
        self._planner = planner
        self._scripted = scripted
        self._ids = ids
        self.interleave_chat_fragments = interleave_chat_fragments
        """OpenAI Chat only: interleave the argument fragments of different calls."""
        self.whole_chat_calls = whole_chat_calls
        """OpenAI Chat only: send every call whole, all of them in one chunk."""
        self.claude_platform: ClaudePlatform = claude_platform
        """Who serves the Messages API here: Bedrock and Vertex refuse keys Anthropic accepts."""
        self.chat_server: ChatServer = chat_server
        """Who serves Chat Completions here: Ollama reads neither parallel_tool_calls nor
        tool_choice, nor max_completion_tokens."""
        self.omit_usage = omit_usage
        """Send no token usage, as some compatible servers and proxies do (not the Messages API,
        whose SDK requires it)."""

    def reply(
        self,
        *,
        system: str,
        messages: list[Message],
        tools: list[ToolSpec],
        emission: EmissionSettings,
    ) -> Reply:
        """The reply to stream: a scripted one if a test queued it, else the planner's; then cut
        to what the knobs allow (mode NONE: no calls; parallel off: one call)."""
        reply = self._scripted or self._planner(system, messages, tools, emission)
        return reply.within(emission)

    def new_id(self, prefix: str) -> str:
        """A fresh id, unique for the server's lifetime, e.g. ``call_000007``."""
        return self._ids(prefix)


class WireHandler(Protocol):
    """One API's wire format. Modules listed in HANDLER_MODULES expose ``make_handler()``."""

    @property
    def name(self) -> str:
        """``openai-chat`` | ``openai-responses`` | ``anthropic`` | ``gemini``."""
        ...

    def matches(self, method: str, path: str) -> bool: ...

    async def handle(self, request: EmulatorRequest, ctx: EmulatorContext) -> EmulatorResponse:
        """Answer one request; raise :class:`WireError` for what the real API refuses."""
        ...

    def error_response(self, status: int, message: str) -> EmulatorResponse:
        """An error in this provider's shape."""
        ...

    def stream_error_event(self, message: str) -> bytes:
        """An in-stream error event, framed."""
        ...


@dataclass
class Misbehaviour:
    """What the next requests should do wrong; tests and ``workbench emulate --fail`` set it."""

    status: int | None = None
    """Answer with this HTTP status (provider error shape), e.g. 401, 404, 429, 500, 503, 529."""
    times: int = 1
    """For how many requests (then behave); -1 = forever."""
    retry_after_ms: int | None = None
    """Add ``retry-after-ms`` (keep it tiny: Anthropic honours an uncapped ``retry-after``)."""
    first_byte_delay_s: float = 0.0
    """Delay before the status line (timeouts)."""
    drop_after_events: int | None = None
    """Close the connection mid-stream after N events (no chunked terminator)."""
    error_event_after: int | None = None
    """Inject the handler's stream error event after N events, then end the stream."""
    interleave_chat_fragments: bool = False
    whole_chat_calls: bool = False
    """OpenAI Chat: every call whole (id, name and all its arguments), all calls in one chunk."""
    omit_usage: bool = False
    """Send no token usage (OpenAI Chat, Responses, Gemini): what a compatible server may do."""
    pause_after: bytes | None = None
    """Hold the stream after the first event containing these bytes until ``release()``; lets a
    test observe what a client did mid-stream without relying on timing."""


def default_handlers() -> list[WireHandler]:
    """The handlers of every API whose module is present, each built by its ``make_handler()``.

    Importing tolerantly lets the server run while a handler module is still being written.
    """
    handlers: list[WireHandler] = []
    for module_name in HANDLER_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        handlers.append(module.make_handler())
    return handlers


def scripted_planner(
    system: str, messages: list[Message], tools: list[ToolSpec], emission: EmissionSettings
) -> Reply:
    """The default planner: the scripted model, the same one the offline provider uses."""
    from workbench.scripted.plan import plan_response

    return reply_from_plan(plan_response(system, messages, tools, emission))


_DEFAULT_MESSAGES = {
    400: "The request is invalid.",
    401: "Incorrect API key provided.",
    403: "You do not have access to this resource.",
    404: "The model does not exist or you do not have access to it.",
    408: "The request timed out.",
    429: "Rate limit reached. Please try again later.",
    500: "The server had an error while processing your request.",
    502: "Bad gateway.",
    503: "The service is temporarily unavailable.",
    504: "The server timed out.",
    529: "Overloaded.",
}


def default_error_message(status: int) -> str:
    return _DEFAULT_MESSAGES.get(status, f"Emulated error {status}.")


class EmulatorServer:
    """The loopback server. Start it, point an SDK at ``base_urls[...]``, stop it."""

    def __init__(
        self,
        handlers: Sequence[WireHandler] | None = None,
        *,
        chunk_delay_s: float = 0.0,
        planner: Planner | None = None,
        log_requests: bool = True,
        claude_platform: ClaudePlatform = "anthropic",
        chat_server: ChatServer = "openai",
    ) -> None:
        self.claude_platform: ClaudePlatform = claude_platform
        self.chat_server: ChatServer = chat_server
        """Answer Chat Completions as OpenAI does, or as Ollama's compatible endpoint does."""
        """Answer the Messages API as Anthropic does, or as Claude on Bedrock or Vertex does."""
        self.handlers: list[WireHandler] = (
            list(handlers) if handlers is not None else default_handlers()
        )
        self.chunk_delay_s = chunk_delay_s
        self.planner: Planner = planner or scripted_planner
        self.requests: list[EmulatorRequest] = []
        """Every request received, in order (a log for tests; off for a long-running server)."""
        self._log_requests = log_requests
        self.host = "127.0.0.1"
        self.port = 0
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._misbehaviour: Misbehaviour | None = None
        self._misbehaviour_left = 0
        self._scripted: list[Reply] = []
        self._released = asyncio.Event()
        self._counter = itertools.count(1)

    # -- control ------------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Listen on a loopback address; returns the bound port."""
        if not is_loopback_host(host):
            raise ValueError(f"the emulator binds loopback addresses only, not {host!r}")
        self._server = await asyncio.start_server(self._on_connection, host, port, limit=_MAX_LINE)
        self.host = host
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._connections):
            task.cancel()
        for task in list(self._connections):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    def misbehave(self, m: Misbehaviour) -> None:
        """Make the next ``m.times`` requests misbehave (replacing any earlier instruction)."""
        self._misbehaviour = m
        self._misbehaviour_left = m.times
        self._released.clear()

    def script(self, *replies: Reply) -> None:
        """Answer the next requests with these replies instead of the planner's, in order."""
        self._scripted.extend(replies)

    def release(self) -> None:
        """Let a stream held by ``Misbehaviour.pause_after`` go on."""
        self._released.set()

    @property
    def base_urls(self) -> dict[str, str]:
        """Per provider, the base_url to give its SDK (Gemini also needs api_version v1beta)."""
        root = f"http://{self.host}:{self.port}"
        return {
            "openai-chat": f"{root}/v1",
            "openai-responses": f"{root}/v1",
            "anthropic": root,
            "gemini": f"{root}/",
        }

    # -- connection handling ------------------------------------------------------------------

    async def _on_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        # The conversation runs in its own task so stop() can cancel it: cancelling the task
        # asyncio.start_server made trips a 3.11 bug (it logs the CancelledError as unhandled).
        task = asyncio.create_task(self._converse(reader, writer))
        self._connections.add(task)
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def _converse(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    break
                keep_alive = await self._serve(request, writer)
                if not keep_alive or request.headers.get("connection", "").lower() == "close":
                    break
        except (ConnectionError, asyncio.IncompleteReadError, _BadRequest):
            pass
        finally:
            if task is not None:
                self._connections.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                await writer.wait_closed()

    async def _serve(self, request: EmulatorRequest, writer: asyncio.StreamWriter) -> bool:
        """Answer one request; False when the connection must close afterwards."""
        if self._log_requests:
            self.requests.append(request)
        handler = next((h for h in self.handlers if h.matches(request.method, request.path)), None)
        if handler is None:
            body = {"error": {"message": f"no emulated API at {request.method} {request.path}"}}
            await _write_plain(writer, EmulatorResponse(404, body=json.dumps(body).encode()))
            return True
        m = self._take_misbehaviour()
        if m is not None and m.first_byte_delay_s > 0:
            await asyncio.sleep(m.first_byte_delay_s)
        if m is not None and m.status is not None:
            response = handler.error_response(m.status, default_error_message(m.status))
            if m.retry_after_ms is not None:
                response.headers["retry-after-ms"] = str(m.retry_after_ms)
        else:
            ctx = EmulatorContext(
                planner=self.planner,
                scripted=self._scripted.pop(0) if self._scripted else None,
                ids=self._new_id,
                interleave_chat_fragments=m is not None and m.interleave_chat_fragments,
                whole_chat_calls=m is not None and m.whole_chat_calls,
                omit_usage=m is not None and m.omit_usage,
                claude_platform=self.claude_platform,
                chat_server=self.chat_server,
            )
            try:
                response = await handler.handle(request, ctx)
            except WireError as exc:
                response = handler.error_response(exc.status, exc.message)
                if exc.body is not None:
                    response.body = json.dumps(exc.body).encode()
            except Exception as exc:  # the server boundary: a handler bug becomes a readable 500
                detail = f"the emulator failed on this request: {type(exc).__name__}: {exc}"
                response = handler.error_response(500, detail)
        if response.events is None:
            await _write_plain(writer, response)
            return True
        return await self._write_stream(writer, response, response.events, handler, m)

    async def _write_stream(
        self,
        writer: asyncio.StreamWriter,
        response: EmulatorResponse,
        events: AsyncIterator[bytes],
        handler: WireHandler,
        m: Misbehaviour | None,
    ) -> bool:
        headers = {"content-type": "text/event-stream", **response.headers}
        headers["transfer-encoding"] = "chunked"
        writer.write(_head(response.status, headers))
        sent = 0
        try:
            async for event in events:
                if (
                    m is not None
                    and m.drop_after_events is not None
                    and sent >= m.drop_after_events
                ):
                    await writer.drain()
                    writer.transport.abort()
                    return False
                if (
                    m is not None
                    and m.error_event_after is not None
                    and sent >= m.error_event_after
                ):
                    writer.write(_chunk(handler.stream_error_event(default_error_message(500))))
                    break
                if sent and self.chunk_delay_s > 0:
                    await asyncio.sleep(self.chunk_delay_s)
                writer.write(_chunk(event))
                await writer.drain()
                sent += 1
                if m is not None and m.pause_after is not None and m.pause_after in event:
                    m.pause_after = None
                    await self._released.wait()
        finally:
            aclose = getattr(events, "aclose", None)
            if aclose is not None:
                await aclose()
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        return True

    def _take_misbehaviour(self) -> Misbehaviour | None:
        m = self._misbehaviour
        if m is None:
            return None
        if self._misbehaviour_left > 0:
            self._misbehaviour_left -= 1
            if self._misbehaviour_left == 0:
                self._misbehaviour = None
        return m

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._counter):06d}"


class _BadRequest(Exception):
    """The bytes on the wire are not an HTTP request we can read; the connection is closed."""


async def _read_request(reader: asyncio.StreamReader) -> EmulatorRequest | None:
    line = await reader.readline()
    if not line:
        return None
    try:
        method, target, _version = line.decode("latin-1").strip().split(" ", 2)
    except ValueError:
        raise _BadRequest(line) from None
    headers: dict[str, str] = {}
    for _ in range(_MAX_HEADERS):
        raw = await reader.readline()
        if raw in (b"\r\n", b"\n", b""):
            break
        name, _, value = raw.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = await _read_chunked(reader)
    else:
        body = await reader.readexactly(int(headers.get("content-length", "0") or 0))
    parts = urlsplit(target)
    return EmulatorRequest(
        method=method.upper(),
        path=parts.path,
        query=dict(parse_qsl(parts.query, keep_blank_values=True)),
        headers=headers,
        body=body,
    )


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:
        size = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                pass
            return bytes(body)
        body += await reader.readexactly(size)
        await reader.readline()


def _head(status: int, headers: dict[str, str]) -> bytes:
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Overloaded" if status == 529 else "Error"
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


async def _write_plain(writer: asyncio.StreamWriter, response: EmulatorResponse) -> None:
    headers = {"content-type": "application/json", **response.headers}
    headers["content-length"] = str(len(response.body))
    writer.write(_head(response.status, headers) + response.body)
    await writer.drain()


def serve_forever(
    port: int,
    host: str = "127.0.0.1",
    *,
    chunk_delay_s: float = 0.05,
    misbehaviour: Misbehaviour | None = None,
    claude_platform: ClaudePlatform = "anthropic",
) -> None:
    """Run the emulator until Ctrl-C, printing the base URL for each provider (``workbench emulate``)."""

    async def main() -> None:
        server = EmulatorServer(
            chunk_delay_s=chunk_delay_s, log_requests=False, claude_platform=claude_platform
        )
        if misbehaviour is not None:
            server.misbehave(misbehaviour)
        bound = await server.start(host, port)
        names = ", ".join(h.name for h in server.handlers) or "none"
        lines = [f"workbench emulator on http://{host}:{bound} ({names}); Ctrl-C to stop"]
        lines += [
            f'  workbench run --profile {provider} --base-url {url} "…"'
            for provider, url in server.base_urls.items()
            if any(h.name == provider for h in server.handlers)
        ]
        lines.append("  (any API key works; the scripted model answers)")
        if claude_platform != "anthropic":
            lines.append(f"  the Messages API answers as Claude on {claude_platform} does")
        if misbehaviour is not None:
            lines.append(f"  misbehaving: {misbehaviour}")
        print("\n".join(lines), flush=True)
        try:
            await asyncio.Event().wait()
        finally:
            await server.stop()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
