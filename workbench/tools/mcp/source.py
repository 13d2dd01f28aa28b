"""One MCP server as a tool source: its connection's life, from start to restart to close.

An owner task enters and leaves the SDK's ``Client`` (the SDK requires both in the same task); the
executor's workers send their calls over that one session at once, matched by JSON-RPC id. A
worker cancelled by the executor (timeout, Esc) cancels its request, and the SDK tells the server.
A stdio server that dies fails the calls in flight with an error naming it and its exit code; the
next call starts it again, after a bounded backoff when it keeps dying. A Streamable HTTP server
that forgot our session (it restarted: 404) or cannot be reached gets a new session, and a call
the server never ran is sent once more on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any, Literal, cast

import mcp_types
from mcp import Client, MCPError
from mcp.client.streamable_http import streamable_http_client

from workbench import __version__
from workbench.config.mcp import SEPARATOR, McpConfigError, McpServerConfig
from workbench.core.tools import ToolSourceError
from workbench.tools.mcp import process as child
from workbench.tools.mcp.errors import (
    McpServerError,
    McpToolError,
    exit_words,
    is_transport_error,
    leaf,
    leaf_text,
)
from workbench.tools.mcp.http import ATTEMPT_KEY, http_client
from workbench.tools.mcp.log import ServerLog, server_log_path
from workbench.tools.mcp.results import result_text
from workbench.tools.mcp.tool import McpTool, needs_tasks, offered_name

ServerState = Literal["idle", "starting", "connected", "reconnecting", "failed", "closed"]

CLIENT_INFO = mcp_types.Implementation(name="workbench", version=__version__)
"""What the handshake says of us (``clientInfo``)."""

_MAX_SSE_EVENT_BYTES = 64 * 1024 * 1024
"""The SDK's default (1 MiB) fails any bigger result over HTTP; the executor cuts results anyway."""
_BACKOFF_FIRST_S = 0.5
_BACKOFF_MAX_S = 8.0
_EXIT_CODE_WAIT_S = 2.0


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
        self.stderr: ServerLog | None = None
        self.crash: str | None = None
        self.counted = False  # its death is counted towards the backoff once
        self.unsent: set[str] = set()
        """Call attempts the server never ran (HTTP: 404 for the session, or no connection)."""
        self.expired = False
        """The server answered 404 for this session: it no longer knows it."""

    @property
    def alive(self) -> bool:
        return (
            self.client is not None
            and not self.gone.is_set()
            and not self.stop.is_set()
            and not self.expired
        )

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
        enabled: Collection[str] | None = None,
    ) -> None:
        self.config = config
        self.name = config.name
        self.log_path = log_path or server_log_path(config.name)
        self.state: ServerState = "idle"
        self.reason: str | None = None
        """Why the server is failed or was restarted, in one line."""
        self.restarts = 0
        self.notes: list[str] = []
        """Tools left out or renamed, one line each (``mcp list`` and ``/mcp`` show them)."""
        self._cwd = cwd
        self._environ = environ
        self._on_state = on_state
        self._enabled = None if enabled is None else frozenset(enabled)
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

    @property
    def tool_prefix(self) -> str:
        """What every tool name of this server starts with."""
        return f"{self.name}{SEPARATOR}"

    # -- ToolSource --------------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect and list the server's tools; :class:`ToolSourceError` with a one-line reason."""
        self._set_state("starting")
        try:
            conn = await self._connect()
        except ToolSourceError as exc:
            self._set_state("failed", str(exc))
            raise
        self._tools = self._offer(conn.ready.result())

    def tools(self) -> Sequence[McpTool]:
        return list(self._tools)

    def _offer(self, listed: Sequence[mcp_types.Tool]) -> list[McpTool]:
        """The tools the model is offered: without those that need tasks or that the profile's
        filters leave out, under names every provider accepts."""
        notes: list[str] = []
        config = self.config
        taken: list[str] = []
        offered: list[McpTool] = []
        for listed_tool in listed:
            raw = listed_tool.name
            if raw in config.exclude_tools or (
                config.allowed_tools is not None and raw not in config.allowed_tools
            ):
                continue
            name = offered_name(self.name, raw, taken)
            plain = f"{self.name}{SEPARATOR}{raw}"  # a tools: list may use either spelling
            if self._enabled is not None and not {name, plain} & self._enabled:
                continue
            if needs_tasks(listed_tool):
                notes.append(
                    f"tool '{raw}' is left out: it can only run as a task "
                    "(execution.taskSupport: required), which workbench does not support"
                )
                continue
            if name != plain:
                notes.append(
                    f"tool '{raw}' is offered as '{name}': providers accept only letters, "
                    "digits, '_' and '-', at most 64 characters"
                )
            taken.append(name)
            offered.append(McpTool(self, listed_tool, name))
        if self._enabled is not None:
            names = {t.name for t in offered} | {f"{self.tool_prefix}{t.mcp_name}" for t in offered}
            for wanted in sorted(self._enabled):
                if wanted.startswith(self.tool_prefix) and wanted not in names:
                    notes.append(f"tools names '{wanted}', which this server does not offer")
        self.notes = notes
        return offered

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
        """Call ``tool`` (the server's own name for it) and return the text for the model.

        Over HTTP, a call the server never ran (it forgot the session, or could not be reached) is
        sent once more on a new session."""
        for last_try in (False, True):
            conn = self._conn
            if conn is None or not conn.alive:
                conn = await self._reconnect()
            client = conn.client
            assert client is not None
            attempt = uuid.uuid4().hex if self.config.transport == "streamable-http" else None
            try:
                meta = (
                    cast(mcp_types.RequestParamsMeta, {ATTEMPT_KEY: attempt}) if attempt else None
                )
                result = await client.call_tool(tool, arguments, meta=meta)
            except MCPError as exc:
                if attempt in conn.unsent:
                    if not last_try:
                        self._drop(conn)
                        continue
                    raise McpServerError(self._unsent_reason(conn)) from None
                if exc.code == mcp_types.CONNECTION_CLOSED or conn.gone.is_set():
                    raise McpServerError(await self._lost(conn)) from None
                raise McpServerError(
                    f"MCP server '{self.name}' answered error {exc.code}: {exc.message}"
                ) from None
            except Exception as exc:
                if attempt in conn.unsent and not last_try:
                    self._drop(conn)
                    continue
                # Transport failures (HTTP) arrive as anything from OSError to nested groups;
                # anything else (a result that does not fit its output schema...) leaves the
                # session as it is.
                if conn.gone.is_set() or is_transport_error(exc):
                    raise McpServerError(await self._lost(conn, exc)) from None
                raise McpServerError(
                    f"MCP server '{self.name}' sent an answer workbench cannot use: "
                    f"{leaf_text(exc)}"
                ) from None
            self._failures = 0
            text = result_text(result)
            if result.is_error:
                raise McpToolError(text or "the server reported an error without a message")
            return text
        raise AssertionError("unreachable: the second try returns or raises")

    def _unsent_reason(self, conn: _Connection) -> str:
        if conn.expired:
            return f"MCP server '{self.name}' no longer knows workbench's session (it restarted)"
        return f"MCP server '{self.name}' cannot be reached at {self.config.public_dict()['url']}"

    def _drop(self, conn: _Connection) -> None:
        """Give up a session the server ended (or never got our request on): the next use starts
        a new one at once."""
        if self._conn is conn:
            self._conn = None
        conn.stop.set()
        self.reason = self._unsent_reason(conn) + "; a new session is started"

    def _http_problem(self, conn: _Connection, kind: str) -> None:
        """What the HTTP client saw, told as it happens: the view does not wait for a call."""
        if self._closed or conn.stop.is_set() or self._conn is not conn:
            return
        if kind == "expired":
            conn.expired = True
        self._set_state(
            "failed", self._unsent_reason(conn) + "; the next call to it starts a new session"
        )

    async def _lost(self, conn: _Connection, exc: BaseException | None = None) -> str:
        """The connection died under a call: say so, name the exit code, and let the next call
        reconnect."""
        if self._conn is conn:
            self._conn = None
        self._count_failure(conn)
        conn.stop.set()
        if self.config.transport == "stdio":
            detail = exit_words(await conn.wait_exit_code())
        else:
            why = conn.crash or (leaf_text(exc) if exc is not None else "connection closed")
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
        config = self.config
        try:
            stderr = conn.stderr = ServerLog(
                self.log_path,
                config.secret_values(self._environ),
                pipe=config.transport == "stdio",
            )
            async with AsyncExitStack() as stack:
                try:
                    client = await stack.enter_async_context(await self._client(conn, stack))
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
            conn.crash = leaf_text(exc)
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
            self._count_failure(conn)
            self._set_state(
                "failed",
                f"MCP server '{self.name}' {exit_words(conn.exit_code())}; "
                "the next call to it starts it again",
            )
        conn.gone.set()

    async def _client(self, conn: _Connection, stack: AsyncExitStack) -> Client:
        config = self.config
        try:
            if config.transport == "stdio":
                assert config.command is not None and conn.stderr is not None
                conn.process = await child.spawn(
                    config.command,
                    config.args,
                    env=config.resolved_env(self._environ),
                    cwd=_cwd(config.cwd, self._cwd),
                    stderr=conn.stderr.writer,
                )
                stack.push_async_callback(child.stop, conn.process)  # if the session never was
                return Client(
                    child.transport(conn.process),
                    mode="legacy",
                    cache=None,
                    client_info=CLIENT_INFO,
                )
            assert config.url is not None
            http = http_client(
                config.resolved_headers(self._environ),
                conn.unsent,
                lambda kind: self._http_problem(conn, kind),
            )
            stack.push_async_callback(http.aclose)
            transport = streamable_http_client(
                config.url, http_client=http, max_sse_event_size=_MAX_SSE_EVENT_BYTES
            )
            return Client(transport, mode="legacy", cache=None, client_info=CLIENT_INFO)
        except McpConfigError as exc:
            raise ToolSourceError(str(exc)) from None

    def _start_error(self, conn: _Connection, exc: BaseException) -> ToolSourceError:
        """One line: which server, and why it would not start."""
        if isinstance(exc, ToolSourceError):
            return exc
        name = self.name
        config = self.config
        found = leaf(exc)
        log = f" (log: {self.log_path})"
        if isinstance(found, FileNotFoundError) and config.transport == "stdio":
            return ToolSourceError(
                f"MCP server '{name}' could not start: command '{config.command}' not found"
            )
        if isinstance(found, PermissionError) and config.transport == "stdio":
            return ToolSourceError(
                f"MCP server '{name}' could not start: command '{config.command}' is not executable"
            )
        code = conn.exit_code()
        last = conn.stderr.last_line() if conn.stderr is not None and code is not None else None
        if code is not None:
            said = f": {last}" if last else ""
            return ToolSourceError(
                f"MCP server '{name}' {exit_words(code)} during start-up{said}{log}"
            )
        if isinstance(found, MCPError) and found.code == mcp_types.CONNECTION_CLOSED:
            return ToolSourceError(
                f"MCP server '{name}' closed the connection during start-up{log}"
            )
        if config.transport == "streamable-http":
            return ToolSourceError(
                f"MCP server '{name}' cannot be reached at {config.public_dict()['url']}: "
                f"{leaf_text(exc)}"
            )
        return ToolSourceError(f"MCP server '{name}' could not start: {leaf_text(exc)}{log}")

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
