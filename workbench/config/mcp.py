"""MCP server configuration: MassGen's ``mcp_servers:`` list and the ``mcpServers`` map of a JSON file.

A profile lists servers in MassGen's shape (``name``, ``type: stdio | streamable-http``, ``command``,
``args``, ``env``, ``cwd``, ``url``, ``headers``) and may name an ``mcp_config`` file holding the
``{"mcpServers": {name: {command, args, env} | {url, headers}}}`` map Claude Desktop, Cursor and oterm
use. ``${VAR}`` in ``env`` and ``headers`` values is expanded only when a server is connected
(:meth:`McpServerConfig.resolved_env`), so the values never sit in a profile, a session or a log.

Tool names are ``{server}__{tool}``: a server name may not contain ``__`` nor end with ``_``, so the
first ``__`` of a tool name always ends the server's part.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from workbench.config.errors import ProfileError, did_you_mean
from workbench.config.explain import FieldOrigins, explain_validation
from workbench.config.yaml_source import KeyPath, YamlDocument, dotted, read_yaml
from workbench.session.redact import redact_url

SEPARATOR = "__"
"""Between a server's name and its tool's name: ``files__read``."""

McpTransport = Literal["stdio", "streamable-http"]

_SERVER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class McpConfigError(ValueError):
    """A ``${VAR}`` that is not set when a server is connected; the message names the variable."""


class McpServerConfig(BaseModel):
    """One MCP server: a command run over stdio, or a Streamable HTTP endpoint."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    name: str
    """The server's name; its tools are offered as ``{name}__{tool}``. Letters, digits, ``-`` and
    ``_``; no ``__`` and no trailing ``_``, so a tool name splits one way only."""
    type: McpTransport | None = None
    """``stdio`` (a command workbench starts) or ``streamable-http`` (a URL); inferred from
    ``command`` / ``url`` when not given."""
    command: str | None = None
    """The program to start (stdio), e.g. ``python`` or ``npx``."""
    args: list[str] = Field(default_factory=list)
    """Its arguments (stdio)."""
    env: dict[str, str] = Field(default_factory=dict)
    """Environment variables for the server (stdio); ``${VAR}`` is replaced from workbench's own
    environment when the server starts. Only these and HOME, PATH, SHELL, TERM, USER, LOGNAME are
    passed on."""
    cwd: str | None = None
    """Working directory of the server process (stdio); default: where workbench runs."""
    url: str | None = None
    """The endpoint (streamable-http), e.g. ``http://127.0.0.1:8931/mcp``."""
    headers: dict[str, str] = Field(default_factory=dict)
    """HTTP headers sent with every request (streamable-http); ``${VAR}`` is replaced when the
    server is connected, e.g. ``Authorization: "Bearer ${SEARCH_TOKEN}"``."""
    start_timeout_s: float = Field(default=10.0, gt=0, le=600, strict=False)
    """How long the server may take to start and answer the MCP handshake, in seconds."""
    allowed_tools: list[str] | None = None
    """Only these of the server's tools are offered (the server's own names, e.g. ``read``);
    null offers all. MassGen's per-server ``allowed_tools``."""
    exclude_tools: list[str] = Field(default_factory=list)
    """The server's tools that are never offered (its own names). MassGen's ``exclude_tools``."""

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        if SEPARATOR in value or value.endswith("_") or not _SERVER_NAME.match(value):
            raise ValueError(
                "a server name is letters, digits, '-' and '_', without '__' and not ending in "
                "'_' (its tools are named {server}__{tool})"
            )
        return value

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL, like http://127.0.0.1:8931/mcp")
        return value

    @model_validator(mode="after")
    def _transport(self) -> McpServerConfig:
        kind = self.type
        if kind is None:
            if self.command and not self.url:
                kind = "stdio"
            elif self.url and not self.command:
                kind = "streamable-http"
            else:
                raise ValueError(
                    "give either 'command' (a stdio server) or 'url' (a streamable-http server)"
                )
            object.__setattr__(self, "type", kind)
        if kind == "stdio" and not self.command:
            raise ValueError("a stdio server needs a 'command'")
        if kind == "streamable-http" and not self.url:
            raise ValueError("a streamable-http server needs a 'url'")
        return self

    @property
    def transport(self) -> McpTransport:
        assert self.type is not None  # set by the validator
        return self.type

    def resolved_env(self, environ: Mapping[str, str] | None = None) -> dict[str, str]:
        """``env`` with ``${VAR}`` expanded: for the process only, never stored or shown."""
        return {k: _expand(v, environ, f"env.{k}", self.name) for k, v in self.env.items()}

    def resolved_headers(self, environ: Mapping[str, str] | None = None) -> dict[str, str]:
        """``headers`` with ``${VAR}`` expanded: for the connection only, never stored or shown."""
        return {k: _expand(v, environ, f"headers.{k}", self.name) for k, v in self.headers.items()}

    def secret_values(self, environ: Mapping[str, str] | None = None) -> list[str]:
        """The values ``${VAR}`` references expand to, so logs can mask them."""
        env = os.environ if environ is None else environ
        names = {
            m.group(1)
            for v in (*self.env.values(), *self.headers.values())
            for m in _VAR.finditer(v)
        }
        return [env[n] for n in names if env.get(n)]

    def public_dict(self) -> dict[str, Any]:
        """What a session header records: the name, transport, command and URL; never env,
        headers or arguments."""
        out: dict[str, Any] = {"name": self.name, "type": self.transport}
        if self.command is not None:
            out["command"] = self.command
        if self.url is not None:
            out["url"] = redact_url(self.url)
        return out


def _expand(value: str, environ: Mapping[str, str] | None, where: str, server: str) -> str:
    env = os.environ if environ is None else environ

    def sub(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in env:
            raise McpConfigError(
                f"MCP server '{server}': {where} uses ${{{name}}}, which is not set in the "
                "environment"
            )
        return env[name]

    return _VAR.sub(sub, value)


def check_unique(servers: Sequence[McpServerConfig]) -> None:
    """Raise ``ValueError`` naming the first server name used twice."""
    seen: set[str] = set()
    for server in servers:
        if server.name in seen:
            raise ValueError(f"two MCP servers are named '{server.name}'; give each its own name")
        seen.add(server.name)


# --- the mcpServers file -------------------------------------------------------------------------

_FILE_KEYS = frozenset(
    {"command", "args", "env", "cwd", "url", "headers", "type", "allowed_tools", "exclude_tools"}
)
_FILE_TYPES = {"stdio": "stdio", "streamable-http": "streamable-http", "http": "streamable-http"}
_IGNORED_FILE_KEYS = frozenset(
    {
        "disabled",
        "timeout",
        "alwaysAllow",
        "autoApprove",
        "description",
        "transport",
        "envFile",
        "security",
    }
)


def resolve_config_path(value: str, base_dir: Path) -> Path:
    """``mcp_config`` as a path: ``~`` expanded, a relative path taken from the profile's folder."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else (base_dir / path)


def load_mcp_config(path: Path) -> tuple[list[McpServerConfig], list[str]]:
    """The servers of an ``mcpServers`` JSON file, and notes on what was skipped.

    Raises :class:`ProfileError` naming the file, line and field.
    """
    doc = _read_json(path)
    data = doc.data
    servers_data = data.get("mcpServers") if isinstance(data, dict) else None
    if servers_data is None and isinstance(data, dict) and isinstance(data.get("servers"), dict):
        servers_data = data["servers"]  # VS Code's spelling
    if not isinstance(servers_data, dict):
        raise ProfileError(
            "expected an object with an 'mcpServers' map of server name to {command, args, env} "
            "or {url, headers}",
            path=path,
            line=doc.line_of(("mcpServers",)) or 1,
            field="mcpServers",
        )
    servers: list[McpServerConfig] = []
    notes: list[str] = []
    names: set[str] = set()
    for name, entry in servers_data.items():
        where: KeyPath = ("mcpServers", name)
        if isinstance(entry, dict) and entry.get("disabled") is True:
            notes.append(f"{path.name}: server '{name}' is disabled there; skipped.")
            continue
        # The file is shared with other clients: one entry we cannot use is skipped, not fatal.
        try:
            if not isinstance(entry, dict):
                raise _error(doc, where, "must be an object with 'command' or 'url'")
            fields = entry_fields(doc, where, entry, notes, f"{path.name}: ")
            safe = safe_server_name(str(name), names)
            if safe != name:
                notes.append(
                    f"{path.name}: server '{name}' is named '{safe}' here (its tools are "
                    f"{safe}{SEPARATOR}TOOL)."
                )
            server = validate_server({**fields, "name": safe}, doc, FieldOrigins(prefix=where))
        except ProfileError as exc:
            notes.append(f"server '{name}' is skipped: {exc}")
            continue
        names.add(server.name)
        servers.append(server)
    return servers, notes


def safe_server_name(name: str, taken: Iterable[str] = ()) -> str:
    """``name`` as a server name (letters, digits, ``-``, ``_``; no ``__``, no trailing ``_``),
    other characters as ``_``, with ``_2``... when that is taken: ``github.com/x/y`` is
    ``github_com_x_y``."""
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", name)
    safe = re.sub(r"_{2,}", "_", safe).strip("_-") or "server"
    if not safe[0].isalnum():
        safe = "s" + safe
    used = set(taken)
    candidate, n = safe, 1
    while candidate in used:
        n += 1
        candidate = f"{safe}_{n}"
    return candidate


def _check_transport(doc: YamlDocument, where: KeyPath, fields: dict[str, Any]) -> None:
    """Map the other clients' spellings of ``type``; refuse the SSE transport with a reason."""
    kind = fields.get("type")
    url = fields.get("url")
    if kind == "sse" or (
        kind is None and isinstance(url, str) and url.rstrip("/").endswith("/sse")
    ):
        raise _error(
            doc,
            (*where, "type" if kind is not None else "url"),
            "the SSE transport is not supported",
            "Use the server's Streamable HTTP endpoint (usually /mcp)",
        )
    if isinstance(kind, str) and kind in _FILE_TYPES:
        fields["type"] = _FILE_TYPES[kind]


def entry_fields(
    doc: YamlDocument, where: KeyPath, entry: Mapping[str, Any], notes: list[str], label: str
) -> dict[str, Any]:
    """The keys of one server entry this module models; others noted as ignored (a near-miss of
    a modelled key is an error, so a typo cannot drop a setting)."""
    fields: dict[str, Any] = {}
    for key, value in entry.items():
        if key in _FILE_KEYS or key == "name":
            fields[key] = value
        elif key not in _IGNORED_FILE_KEYS:
            close = did_you_mean(str(key), _FILE_KEYS, cutoff=0.8)
            if close:
                raise _error(doc, (*where, key), "unknown key", f"Did you mean '{close}'?")
            notes.append(f"{label}{dotted((*where, key))} is not used by workbench; ignored.")
    _check_transport(doc, where, fields)
    return fields


def validate_server(data: Any, doc: YamlDocument, origins: FieldOrigins) -> McpServerConfig:
    """One server entry, or a :class:`ProfileError` naming its file, line and field."""
    try:
        return McpServerConfig.model_validate(data)
    except ValidationError as exc:
        raise explain_validation(exc, McpServerConfig, doc, origins) from None


def _read_json(path: Path) -> YamlDocument:
    """JSON, checked strictly, with the YAML node tree for line numbers (JSON is YAML's subset)."""
    if not path.is_file():
        raise ProfileError(
            "the mcp_config file does not exist" if not path.exists() else "not a file",
            path=path,
            field="mcp_config",
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"cannot read the file ({exc})", path=path) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProfileError(f"not valid JSON: {exc.msg}", path=path, line=exc.lineno) from None
    try:
        located = read_yaml(path)
    except ProfileError:  # JSON PyYAML cannot follow (tabs...): no lines, same data
        return YamlDocument(path=path, data=data, root=None)
    return YamlDocument(path=path, data=data, root=located.root)


def _error(
    doc: YamlDocument, where: KeyPath, message: str, suggestion: str | None = None
) -> ProfileError:
    return ProfileError(
        message, path=doc.path, line=doc.line_of(where), field=dotted(where), suggestion=suggestion
    )


def profile_servers(
    servers: Iterable[McpServerConfig], config: str | None, base_dir: Path
) -> tuple[list[McpServerConfig], list[str]]:
    """A profile's servers: its ``mcp_servers`` then those of its ``mcp_config`` file, checked
    for duplicate names. Raises :class:`ProfileError`."""
    out = list(servers)
    notes: list[str] = []
    if config:
        path = resolve_config_path(config, base_dir)
        from_file, notes = load_mcp_config(path)
        out.extend(from_file)
    try:
        check_unique(out)
    except ValueError as exc:
        raise ProfileError(str(exc), path=None, field="mcp_servers") from None
    return out, notes
