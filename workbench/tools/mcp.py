"""MCP servers as a tool source: the only module importing the ``mcp`` SDK (and ``jsonschema``).

One :class:`McpServerSource` per configured server. An owner task enters and leaves the SDK's
``Client`` (the SDK requires both in the same task); the executor's workers send their calls over
that one session at once, matched by JSON-RPC id. A worker cancelled by the executor (timeout, Esc)
cancels its request, and the SDK tells the server. A server that dies fails the calls in flight with
an error naming it and its exit code; the next call starts it again, after a bounded backoff when it
keeps dying. Server stderr goes to a per-server log file in the state directory, with the values of
``${VAR}`` references masked; nothing reaches the terminal.

Import this module lazily (the SDK costs ~0.5 s): ``workbench --help`` must not pay for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any, Literal, TextIO, cast

import anyio
import httpx2
import jsonschema
import mcp_types
from mcp import Client, MCPError, StdioServerParameters, stdio_client
from mcp.client import stdio as sdk_stdio
from mcp.client.streamable_http import streamable_http_client

from workbench.config.mcp import SEPARATOR, McpConfigError, McpServerConfig
from workbench.core.messages import ToolSpec
from workbench.core.tools import ToolArgumentsError, ToolKind, ToolSourceError
from workbench.paths import log_dir
from workbench.session.redact import MASK

ServerState = Literal["idle", "starting", "connected", "reconnecting", "failed", "closed"]

_MAX_SSE_EVENT_BYTES = 64 * 1024 * 1024
"""The SDK's default (1 MiB) fails any bigger result over HTTP; the executor cuts results anyway."""
_BACKOFF_FIRST_S = 0.5
_BACKOFF_MAX_S = 8.0
_EXIT_CODE_WAIT_S = 2.0
_STDERR_TAIL = 5
_LOG_ROTATE_BYTES = 4 * 1024 * 1024


class McpToolError(RuntimeError):
    """The server answered the call with ``isError``: the text is for the model to correct itself."""


class McpServerError(RuntimeError):
    """The server could not run the call: it died, it cannot be reached, or it answered an error."""


def server_log_path(name: str) -> Path:
    """Where a server's stderr goes: ``$XDG_STATE_HOME/workbench/mcp/{name}.log``."""
    return log_dir() / "mcp" / f"{name}.log"


# --- the child process ---------------------------------------------------------------------------

_current: contextvars.ContextVar[_Connection | None] = contextvars.ContextVar(
    "workbench_mcp_connection", default=None
)


def _install_process_hook() -> None:
    """Remember the child process each stdio connection spawns, for its exit code.

    The SDK keeps the process to itself; its exit code is what tells a user why a server went
    away. The hook only observes (reads a context variable the owner task set); without the
    private function the SDK may one day drop, errors just say "exited" without a code.
    """
    original = getattr(sdk_stdio, "_create_platform_compatible_process", None)
    if original is None or getattr(original, "_workbench_hook", False):
        return

    async def create(*args: Any, **kwargs: Any) -> Any:
        process = await original(*args, **kwargs)
        conn = _current.get()
        if conn is not None:
            conn.process = process
        return process

    create._workbench_hook = True  # type: ignore[attr-defined]
    sdk_stdio._create_platform_compatible_process = create


_install_process_hook()


class _StderrLog:
    """A pipe for a server's stderr, drained by a thread into its log file with secrets masked.

    The child writes to the pipe directly (no per-line cost on the event loop); the last lines are
    kept to say why a server would not start.
    """

    def __init__(self, path: Path, secrets: Sequence[str], *, pipe: bool) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            if path.stat().st_size > _LOG_ROTATE_BYTES:  # one old generation is kept, as .log.1
                path.replace(path.with_suffix(path.suffix + ".1"))
        self.path = path
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)
        self._file = path.open("a", encoding="utf-8", buffering=1)
        self.tail: deque[str] = deque(maxlen=_STDERR_TAIL)
        self._thread: threading.Thread | None = None
        if not pipe:  # an HTTP server's stderr is not ours; the file gets workbench's notes
            self.writer = cast(TextIO, self._file)
            return
        read_fd, write_fd = os.pipe()
        self.writer = cast(TextIO, os.fdopen(write_fd, "w"))
        self._reader = os.fdopen(read_fd, "r", encoding="utf-8", errors="replace")
        self._thread = threading.Thread(
            target=self._drain, name="workbench-mcp-stderr", daemon=True
        )
        self._thread.start()

    def mask(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text

    def note(self, text: str) -> None:
        """A line of workbench's own in the log (started, exited...)."""
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
        with contextlib.suppress(ValueError, OSError):
            self._file.write(f"--- {stamp} workbench: {self.mask(text)}\n")

    def release_writer(self) -> None:
        """Drop our end once the child holds its own, so the reader sees EOF when it exits."""
        if self._thread is not None:
            with contextlib.suppress(OSError):
                self.writer.close()

    def _drain(self) -> None:
        with contextlib.suppress(ValueError, OSError):
            for line in self._reader:
                line = self.mask(line)
                self.tail.append(line.rstrip("\n"))
                self._file.write(line if line.endswith("\n") else line + "\n")
        with contextlib.suppress(OSError):
            self._reader.close()

    def last_line(self, wait_s: float = 0.5) -> str | None:
        if self._thread is not None:
            self._thread.join(wait_s)
        for line in reversed(self.tail):
            if line.strip():
                return line.strip()[:200]
        return None

    def close(self) -> None:
        self.release_writer()
        if self._thread is not None:
            self._thread.join(1.0)
        with contextlib.suppress(OSError):
            self._file.close()


class _Connection:
    """One live session with a server, owned by one task."""

    def __init__(self) -> None:
        loop = asyncio.get_running_loop()
        self.ready: asyncio.Future[list[mcp_types.Tool]] = loop.create_future()
        self.stop = asyncio.Event()
        self.gone = asyncio.Event()
        self.client: Client | None = None
        self.process: Any = None
        self.task: asyncio.Task[None] | None = None
        self.stderr: _StderrLog | None = None
        self.crash: str | None = None
        self.counted = False  # its death is counted towards the backoff once

    @property
    def alive(self) -> bool:
        return self.client is not None and not self.gone.is_set() and not self.stop.is_set()

    def exit_code(self) -> int | None:
        process = self.process
        return None if process is None else process.returncode

    async def wait_exit_code(self, timeout_s: float = _EXIT_CODE_WAIT_S) -> int | None:
        if self.process is None:
            return None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.process.wait(), timeout_s)
        code: int | None = self.process.returncode
        return code


# --- the source ----------------------------------------------------------------------------------


class McpServerSource:
    """One MCP server as a :class:`~workbench.core.tools.ToolSource`."""

    def __init__(
        self,
        config: McpServerConfig,
        *,
        cwd: Path | None = None,
        environ: Mapping[str, str] | None = None,
        log_path: Path | None = None,
        on_state: Callable[[McpServerSource], None] | None = None,
    ) -> None:
        self.config = config
        self.name = config.name
        self.log_path = log_path or server_log_path(config.name)
        self.state: ServerState = "idle"
        self.reason: str | None = None
        """Why the server is failed or was restarted, in one line."""
        self.restarts = 0
        self._cwd = cwd
        self._environ = environ
        self._on_state = on_state
        self._tools: list[McpTool] = []
        self._conn: _Connection | None = None
        self._connecting: asyncio.Task[_Connection] | None = None
        self._failures = 0  # deaths and failed starts since the last call that worked
        self._owners: set[asyncio.Task[None]] = set()
        self._closed = False

    def __repr__(self) -> str:
        return f"McpServerSource({self.name!r}, {self.state})"

    @property
    def summary(self) -> str:
        """``stdio · python server.py`` or ``streamable-http · URL``: nothing secret (no env,
        headers; arguments are the user's own command line)."""
        config = self.config
        if config.transport == "stdio":
            return " ".join(["stdio ·", config.command or "", *config.args])
        return f"streamable-http · {config.public_dict()['url']}"

    # -- ToolSource --------------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect and list the server's tools; :class:`ToolSourceError` with a one-line reason."""
        self._set_state("starting")
        try:
            conn = await self._connect()
        except ToolSourceError as exc:
            self._set_state("failed", str(exc))
            raise
        self._tools = [McpTool(self, tool) for tool in conn.ready.result()]

    def tools(self) -> Sequence[McpTool]:
        return list(self._tools)

    async def aclose(self) -> None:
        self._closed = True
        connecting, self._connecting = self._connecting, None
        if connecting is not None and not connecting.done():
            connecting.cancel()
            with contextlib.suppress(BaseException):
                await connecting
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.stop.set()
        # Every owner, including those of abandoned starts, has stopped its process on return.
        owners = list(self._owners)
        if owners:
            await asyncio.gather(*owners, return_exceptions=True)
        if self.state != "failed":  # a failed server keeps saying why
            self._set_state("closed")

    # -- calls ---------------------------------------------------------------------------------------

    async def call(self, tool: str, arguments: dict[str, Any]) -> str:
        """Call ``tool`` (the server's own name for it) and return the text for the model."""
        conn = self._conn
        if conn is None or not conn.alive:
            conn = await self._reconnect()
        client = conn.client
        assert client is not None
        try:
            result = await client.call_tool(tool, arguments)
        except MCPError as exc:
            if exc.code == mcp_types.CONNECTION_CLOSED or conn.gone.is_set():
                raise McpServerError(await self._lost(conn)) from None
            raise McpServerError(
                f"MCP server '{self.name}' answered error {exc.code}: {exc.message}"
            ) from None
        except Exception as exc:
            # Transport failures (HTTP) arrive as anything from OSError to nested groups; anything
            # else (a result that does not fit its output schema...) leaves the session as it is.
            if conn.gone.is_set() or _is_transport_error(exc):
                raise McpServerError(await self._lost(conn, exc)) from None
            raise McpServerError(
                f"MCP server '{self.name}' sent an answer workbench cannot use: {_leaf_text(exc)}"
            ) from None
        self._failures = 0
        text = result_text(result)
        if result.is_error:
            raise McpToolError(text or "the server reported an error without a message")
        return text

    async def _lost(self, conn: _Connection, exc: BaseException | None = None) -> str:
        """The connection died under a call: say so, name the exit code, and let the next call
        reconnect."""
        if self._conn is conn:
            self._conn = None
        self._count_failure(conn)
        conn.stop.set()
        if self.config.transport == "stdio":
            code = await conn.wait_exit_code()
            detail = f"exited with code {code}" if code is not None else "exited"
            if code is not None and code < 0:
                detail = f"was killed by signal {-code}"
        else:
            why = conn.crash or (_leaf_text(exc) if exc is not None else "connection closed")
            detail = f"lost the connection ({why})"
        again = "starts it again" if self.config.transport == "stdio" else "reconnects"
        reason = f"MCP server '{self.name}' {detail}; the next call to it {again}"
        if not self._closed:
            self._set_state("failed", reason)
        return reason

    async def _reconnect(self) -> _Connection:
        if self._closed:
            raise McpServerError(f"MCP server '{self.name}' is closed")
        if self._connecting is None or self._connecting.done():
            self._connecting = asyncio.get_running_loop().create_task(
                self._restart(), name=f"mcp-reconnect-{self.name}"
            )
            # Every waiter may have given up (timed out) before it failed: mark it seen.
            self._connecting.add_done_callback(_seen)
        try:
            # Shielded: a caller timing out must not abandon a start the next caller waits for.
            return await asyncio.shield(self._connecting)
        except ToolSourceError as exc:
            raise McpServerError(f"{exc} (will try again on the next call)") from None

    async def _restart(self) -> _Connection:
        delay = 0.0 if self._failures <= 1 else _backoff(self._failures - 1)
        self._set_state("reconnecting", self.reason)
        if delay:
            await asyncio.sleep(delay)
        try:
            conn = await self._connect()
        except ToolSourceError as exc:
            self._failures += 1
            self._set_state("failed", str(exc))
            raise
        self.restarts += 1
        return conn

    # -- connecting ----------------------------------------------------------------------------------

    async def _connect(self) -> _Connection:
        conn = _Connection()
        conn.task = asyncio.get_running_loop().create_task(
            self._own(conn), name=f"mcp-server-{self.name}"
        )
        self._owners.add(conn.task)
        conn.task.add_done_callback(self._owners.discard)
        timeout = self.config.start_timeout_s
        try:
            async with asyncio.timeout(timeout):
                await asyncio.shield(conn.ready)
        except TimeoutError:
            # Reported now; the owner stops the process in the background (aclose waits for it).
            conn.task.cancel()
            raise ToolSourceError(
                f"MCP server '{self.name}' did not answer the MCP handshake within "
                f"{timeout:g} s (log: {self.log_path})"
            ) from None
        except asyncio.CancelledError:
            conn.task.cancel()
            raise
        self._conn = conn
        self._set_state("connected")
        return conn

    async def _own(self, conn: _Connection) -> None:
        """The one task that enters, holds and leaves this connection's SDK client."""
        _current.set(conn)  # this task's own context: the process hook finds the connection
        config = self.config
        try:
            stderr = conn.stderr = _StderrLog(
                self.log_path,
                config.secret_values(self._environ),
                pipe=config.transport == "stdio",
            )
            async with AsyncExitStack() as stack:
                try:
                    client = await stack.enter_async_context(self._client(conn, stack))
                    stderr.release_writer()
                    listed = await _list_tools(client)
                except BaseException as exc:
                    if isinstance(exc, asyncio.CancelledError) and _cancelling():
                        raise  # abandoned by _connect (handshake timeout) or aclose
                    error = self._start_error(conn, exc)
                    _settle(conn.ready, error)
                    stderr.note(f"start failed: {error}")
                    return
                pid = getattr(conn.process, "pid", None)
                stderr.note(
                    "connected" + (f" (pid {pid})" if pid else "") + f", {len(listed)} tools"
                )
                conn.client = client
                conn.ready.set_result(listed)
                await self._hold(conn)
        except BaseException as exc:
            _settle(conn.ready, self._start_error(conn, exc))
            conn.crash = _leaf_text(exc)
            if isinstance(exc, asyncio.CancelledError) and _cancelling():
                raise
        finally:
            conn.gone.set()
            if conn.stderr is not None:
                code = conn.exit_code()
                conn.stderr.note(
                    "disconnected" + (f" (exit code {code})" if code is not None else "")
                )
                conn.stderr.close()

    async def _hold(self, conn: _Connection) -> None:
        """Until asked to stop, or (stdio) until the process exits."""
        waiters = [asyncio.ensure_future(conn.stop.wait())]
        if conn.process is not None:
            waiters.append(asyncio.ensure_future(conn.process.wait()))
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
        if not conn.stop.is_set() and not self._closed:
            code = conn.exit_code()
            self._count_failure(conn)
            self._set_state(
                "failed",
                f"MCP server '{self.name}' exited"
                + (f" with code {code}" if code is not None else "")
                + "; the next call to it starts it again",
            )
        conn.gone.set()

    def _client(self, conn: _Connection, stack: AsyncExitStack) -> Client:
        config = self.config
        try:
            if config.transport == "stdio":
                assert config.command is not None and conn.stderr is not None
                params = StdioServerParameters(
                    command=config.command,
                    args=list(config.args),
                    env=config.resolved_env(self._environ),
                    cwd=_cwd(config.cwd, self._cwd),
                )
                return Client(
                    stdio_client(params, errlog=conn.stderr.writer), mode="legacy", cache=None
                )
            assert config.url is not None
            http = httpx2.AsyncClient(
                headers=config.resolved_headers(self._environ),
                timeout=httpx2.Timeout(30.0, read=300.0),
            )
            stack.push_async_callback(http.aclose)
            transport = streamable_http_client(
                config.url, http_client=http, max_sse_event_size=_MAX_SSE_EVENT_BYTES
            )
            return Client(transport, mode="legacy", cache=None)
        except McpConfigError as exc:
            raise ToolSourceError(str(exc)) from None

    def _start_error(self, conn: _Connection, exc: BaseException) -> ToolSourceError:
        """One line: which server, and why it would not start."""
        if isinstance(exc, ToolSourceError):
            return exc
        name = self.name
        config = self.config
        leaf = _leaf(exc)
        log = f" (log: {self.log_path})"
        if isinstance(leaf, FileNotFoundError) and config.transport == "stdio":
            return ToolSourceError(
                f"MCP server '{name}' could not start: command '{config.command}' not found"
            )
        if isinstance(leaf, PermissionError) and config.transport == "stdio":
            return ToolSourceError(
                f"MCP server '{name}' could not start: command '{config.command}' is not executable"
            )
        code = conn.exit_code()
        if code is None and conn.process is not None and isinstance(leaf, MCPError):
            code = conn.process.returncode
        last = conn.stderr.last_line() if conn.stderr is not None and code is not None else None
        if code is not None:
            said = f": {last}" if last else ""
            return ToolSourceError(
                f"MCP server '{name}' exited during start-up with code {code}{said}{log}"
            )
        if isinstance(leaf, MCPError) and leaf.code == mcp_types.CONNECTION_CLOSED:
            return ToolSourceError(
                f"MCP server '{name}' closed the connection during start-up{log}"
            )
        if config.transport == "streamable-http":
            return ToolSourceError(
                f"MCP server '{name}' cannot be reached at {config.public_dict()['url']}: "
                f"{_leaf_text(exc)}"
            )
        return ToolSourceError(f"MCP server '{name}' could not start: {_leaf_text(exc)}{log}")

    def _count_failure(self, conn: _Connection) -> None:
        if not conn.counted:
            conn.counted = True
            self._failures += 1

    def _set_state(self, state: ServerState, reason: str | None = None) -> None:
        self.state = state
        if reason is not None or state == "connected":
            self.reason = reason
        if self._on_state is not None:
            self._on_state(self)


def _seen(task: asyncio.Task[Any]) -> None:
    if not task.cancelled():
        task.exception()


def _settle(future: asyncio.Future[Any], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)
        future.exception()  # retrieved: nobody may be waiting any more


def _backoff(n: int) -> float:
    return float(min(_BACKOFF_FIRST_S * (2 ** (n - 1)), _BACKOFF_MAX_S))


def _cancelling() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def _cwd(value: str | None, base: Path | None) -> str | None:
    if value is None:
        return str(base) if base is not None else None
    path = Path(value).expanduser()
    if not path.is_absolute() and base is not None:
        path = base / path
    return str(path)


async def _list_tools(client: Client) -> list[mcp_types.Tool]:
    tools: list[mcp_types.Tool] = []
    cursor: str | None = None
    for _ in range(100):  # a paginator that never ends cannot hang start-up
        page = await client.list_tools(cursor=cursor)
        tools.extend(page.tools)
        cursor = page.next_cursor
        if not cursor:
            break
    return tools


# --- errors --------------------------------------------------------------------------------------


def _leaf(exc: BaseException) -> BaseException:
    """The one error inside the SDK's nested ``ExceptionGroup``s a user can act on."""
    while isinstance(exc, BaseExceptionGroup):
        inner = list(exc.exceptions)
        useful = [e for e in inner if not isinstance(e, asyncio.CancelledError)]
        exc = (useful or inner)[0]
    return exc


def _leaf_text(exc: BaseException) -> str:
    leaf = _leaf(exc)
    text = str(leaf).strip().splitlines()[0] if str(leaf).strip() else ""
    return f"{type(leaf).__name__}: {text}" if text else type(leaf).__name__


def _is_transport_error(exc: BaseException) -> bool:
    if isinstance(exc, BaseExceptionGroup):
        return True  # the transport's task group failed
    return isinstance(
        exc,
        OSError
        | EOFError
        | anyio.ClosedResourceError
        | anyio.BrokenResourceError
        | anyio.EndOfStream
        | httpx2.TransportError,
    )


# --- tools ---------------------------------------------------------------------------------------


class McpTool:
    """One tool of an MCP server, as a :class:`~workbench.core.tools.Tool` named ``{server}__{tool}``."""

    __slots__ = ("_server", "_validator", "description", "mcp_name", "name", "parameters")

    is_async = True
    kind: ToolKind = "extension"

    def __init__(self, server: McpServerSource, tool: mcp_types.Tool) -> None:
        self._server = server
        self.mcp_name = tool.name
        self.name = f"{server.name}{SEPARATOR}{tool.name}"
        self.description = (
            tool.description or ""
        ).strip() or f"{tool.name} (MCP server {server.name})"
        schema = dict(tool.input_schema or {})
        schema.setdefault("type", "object")
        self.parameters: dict[str, Any] = schema
        self._validator = _validator(schema)

    def __repr__(self) -> str:
        return f"McpTool({self.name!r})"

    @property
    def source(self) -> str:
        return self._server.name

    @property
    def server(self) -> McpServerSource:
        return self._server

    @property
    def spec(self) -> ToolSpec:
        return ToolSpec(name=self.name, description=self.description, parameters=self.parameters)

    def validate(self, args: dict[str, Any] | None) -> dict[str, Any]:
        """The arguments unchanged, or :class:`ToolArgumentsError` saying what does not fit the
        server's ``inputSchema`` (the call then never reaches the server)."""
        args = {} if args is None else args
        validator = self._validator
        if validator is None:
            return args
        errors = sorted(validator.iter_errors(args), key=lambda e: list(e.absolute_path))
        if not errors:
            return args
        problems = []
        for err in errors[:3]:
            where = ".".join(str(p) for p in err.absolute_path) or "arguments"
            problems.append(f"{where}: {err.message}")
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        raise ToolArgumentsError(
            f"invalid arguments for tool '{self.name}': " + "; ".join(problems) + more
        )

    def invoke(self, **kwargs: Any) -> Any:
        return self._server.call(self.mcp_name, kwargs)


def _validator(schema: dict[str, Any]) -> Any:
    """A validator for the server's schema, or None when the schema itself is broken (the server
    then checks its own arguments)."""
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    try:
        cls.check_schema(schema)
    except jsonschema.SchemaError:
        return None
    return cls(schema)


# --- results -------------------------------------------------------------------------------------


def result_text(result: mcp_types.CallToolResult) -> str:
    """What the model reads: text blocks joined; other blocks in one line each; the structured
    content as JSON when there is no text."""
    texts: list[str] = []
    others: list[str] = []
    for block in result.content:
        if isinstance(block, mcp_types.TextContent):
            texts.append(block.text)
        else:
            others.append(_describe_block(block))
    if not texts and result.structured_content is not None:
        import json

        texts.append(json.dumps(result.structured_content, ensure_ascii=False))
    return "\n".join(texts + others)


def _describe_block(block: Any) -> str:
    if isinstance(block, mcp_types.ImageContent | mcp_types.AudioContent):
        kind = "image" if isinstance(block, mcp_types.ImageContent) else "audio"
        return f"[{kind}: {block.mime_type}, {_b64_size(block.data)} bytes, not shown]"
    if isinstance(block, mcp_types.ResourceLink):
        name = f" ({block.name})" if getattr(block, "name", None) else ""
        return f"[resource link: {block.uri}{name}]"
    if isinstance(block, mcp_types.EmbeddedResource):
        res = block.resource
        mime = f", {res.mime_type}" if res.mime_type else ""
        if isinstance(res, mcp_types.TextResourceContents):
            return f"[resource: {res.uri}{mime}, {len(res.text)} characters, not shown]"
        return f"[resource: {res.uri}{mime}, {_b64_size(res.blob)} bytes, not shown]"
    return f"[{getattr(block, 'type', type(block).__name__)} content, not shown]"


def _b64_size(data: str) -> int:
    return len(data) * 3 // 4 - data.count("=", max(0, len(data) - 2))
