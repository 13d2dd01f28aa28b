"""One tool of an MCP server as a workbench tool: its offered name, its schema check, its call.

A tool is offered as ``{server}__{tool}``. Providers accept only ``^[a-zA-Z0-9_-]{1,64}$`` as a tool
name, and one bad name in a request fails the whole request, so a name outside that is offered in a
safe spelling (mapped back to the server's own name when called) and the source says so.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import jsonschema
import mcp_types

from workbench.config.mcp import SEPARATOR
from workbench.core.messages import ToolSpec
from workbench.core.tools import ToolArgumentsError, ToolKind

if TYPE_CHECKING:
    from workbench.tools.mcp.source import McpServerSource

MAX_NAME = 64
_SAFE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_UNSAFE_CHAR = re.compile(r"[^A-Za-z0-9_-]")


def offered_name(server: str, tool: str, taken: Iterable[str] = ()) -> str:
    """``{server}__{tool}`` when providers accept it; otherwise a spelling they do (other
    characters as ``_``, cut to 64 with a short digest so two long names stay apart)."""
    name = f"{server}{SEPARATOR}{tool}"
    used = set(taken)
    if _SAFE.match(name) and name not in used:
        return name
    safe = f"{server}{SEPARATOR}{_UNSAFE_CHAR.sub('_', tool) or 'tool'}"
    if len(safe) <= MAX_NAME and safe not in used and safe != name:
        return safe
    digest = hashlib.sha1(tool.encode()).hexdigest()[:8]
    return f"{safe[: MAX_NAME - 9]}_{digest}"


def needs_tasks(tool: mcp_types.Tool) -> bool:
    """A tool that can only be called with task augmentation, which workbench does not send."""
    execution = getattr(tool, "execution", None)
    return getattr(execution, "task_support", None) == "required"


class McpTool:
    """One tool of an MCP server, as a :class:`~workbench.core.tools.Tool`."""

    __slots__ = ("_server", "_validator", "description", "mcp_name", "name", "parameters")

    is_async = True
    kind: ToolKind = "extension"

    def __init__(
        self, server: McpServerSource, tool: mcp_types.Tool, name: str | None = None
    ) -> None:
        self._server = server
        self.mcp_name = tool.name
        """The server's own name for it, sent in ``tools/call``."""
        self.name = name or offered_name(server.name, tool.name)
        """The name the model is offered: ``{server}__{tool}`` or its safe spelling."""
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
