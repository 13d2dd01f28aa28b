"""The tool contract the executor runs against: a :class:`Tool`, a :class:`ToolSource` and the registry.

Core owns the contract; implementations sit above it: Python ``@tool`` functions
(:mod:`workbench.tools.base`), MCP servers (:mod:`workbench.tools.mcp`). A tool's schema is JSON
Schema, whether it came from a signature or arrived over the wire.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Literal, Protocol, runtime_checkable

from workbench.core.messages import ToolSpec

ToolKind = Literal["function", "extension"]
"""``function``: a Python tool in this process; ``extension``: a tool served by an outside server (MCP),
as OpenTelemetry's ``gen_ai.tool.type`` names them."""


class ToolArgumentsError(ValueError):
    """The model's arguments do not fit the tool's schema; the message says what was wrong."""


class ToolFailed(Exception):
    """The tool ran and failed; the message is worded for the model as it is (an MCP server's own
    error text, a server that went away), so no exception class name is shown with it."""


class ToolSourceError(Exception):
    """A tool source could not start; the message is one line naming the source and why."""


@runtime_checkable
class Tool(Protocol):
    """One tool the model may call."""

    @property
    def name(self) -> str: ...

    @property
    def description(self) -> str: ...

    @property
    def parameters(self) -> dict[str, Any]:
        """The arguments' JSON Schema."""
        ...

    @property
    def is_async(self) -> bool:
        """True: :meth:`invoke` returns an awaitable. False: it blocks, and runs in the thread pool."""
        ...

    @property
    def kind(self) -> ToolKind: ...

    @property
    def source(self) -> str | None:
        """The name of the source that provides it (an MCP server), or None for built-in tools."""
        ...

    @property
    def spec(self) -> ToolSpec: ...

    def validate(self, args: dict[str, Any] | None) -> dict[str, Any]:
        """Validated keyword arguments, or :class:`ToolArgumentsError` saying what was wrong."""
        ...

    def invoke(self, **kwargs: Any) -> Any:
        """Run the tool with validated arguments."""
        ...


@runtime_checkable
class ToolSource(Protocol):
    """Something that provides tools and has a life: started before the first turn, closed at the end."""

    @property
    def name(self) -> str: ...

    async def start(self) -> None:
        """Connect or load; :class:`ToolSourceError` with a one-line reason when it cannot."""
        ...

    async def aclose(self) -> None:
        """Release what :meth:`start` took; safe to call when start failed or never ran."""
        ...

    def tools(self) -> Sequence[Tool]:
        """The tools it provides once started."""
        ...


class ToolRegistry:
    """Tools by name. Registering a second tool with the same name is an error."""

    def __init__(self, tools: Iterable[Tool] = ()) -> None:
        self._tools: dict[str, Tool] = {}
        self._withheld: dict[str, str] = {}
        for t in tools:
            self.register(t)

    def register(self, t: Tool) -> None:
        if t.name in self._tools:
            raise ValueError(f"a tool named {t.name!r} is already registered")
        self._tools[t.name] = t

    def unregister(self, name: str) -> None:
        self._tools.pop(name, None)

    def get(self, name: str) -> Tool | None:
        return self._tools.get(name)

    def withhold(self, prefix: str, reason: str) -> None:
        """Remember why the tools named ``prefix...`` are missing (their server did not start),
        so a call to one says so instead of "unknown tool"."""
        self._withheld[prefix] = reason

    def why_missing(self, name: str) -> str | None:
        """Why ``name`` is not here, when its source failed; None for a name nobody offers."""
        for prefix, reason in self._withheld.items():
            if name.startswith(prefix):
                return reason
        return None

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __iter__(self) -> Iterator[Tool]:
        return iter(self._tools.values())

    def __len__(self) -> int:
        return len(self._tools)

    @property
    def names(self) -> list[str]:
        return list(self._tools)

    def specs(self) -> list[ToolSpec]:
        return [t.spec for t in self._tools.values()]
