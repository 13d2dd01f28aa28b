"""The ``@tool`` decorator: typed Python functions as tools (one implementation of core's contract).

A function tool is a typed Python function, sync or async. Its JSON schema is derived with pydantic from
the signature, and arguments are validated against it before the function runs.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, Literal, overload

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from workbench.core.messages import ToolSpec
from workbench.core.tools import ToolArgumentsError, ToolRegistry

__all__ = ["FunctionTool", "Tool", "ToolArgumentsError", "ToolRegistry", "tool"]


class FunctionTool:
    """A Python function as a tool: the function plus its schema and validator."""

    __slots__ = ("_args_model", "description", "fn", "invoke", "is_async", "name", "parameters")

    kind: Literal["function"] = "function"
    source: None = None

    def __init__(
        self, fn: Callable[..., Any], *, name: str | None = None, description: str | None = None
    ):
        self.fn = fn
        self.invoke = fn
        self.name = name or fn.__name__
        doc = inspect.getdoc(fn) or ""
        self.description = description or doc.split("\n\n", 1)[0].strip() or self.name
        self.is_async = inspect.iscoroutinefunction(fn)
        self._args_model = _args_model(fn, self.name)
        schema: dict[str, Any]
        if self._args_model is None:
            schema = {"type": "object", "properties": {}, "additionalProperties": False}
        else:
            schema = self._args_model.model_json_schema()
            schema.pop("title", None)
            for prop in schema.get("properties", {}).values():
                prop.pop("title", None)
        self.parameters = schema

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.fn(*args, **kwargs)

    def __repr__(self) -> str:
        return f"FunctionTool({self.name!r})"

    @property
    def spec(self) -> ToolSpec:
        return ToolSpec(name=self.name, description=self.description, parameters=self.parameters)

    def validate(self, args: dict[str, Any] | None) -> dict[str, Any]:
        """Validated keyword arguments, or :class:`ToolArgumentsError` saying what was wrong."""
        if args is None:
            args = {}
        if self._args_model is None:
            if args:
                unexpected = ", ".join(sorted(args))
                raise ToolArgumentsError(
                    f"tool '{self.name}' takes no arguments (got {unexpected})"
                )
            return {}
        try:
            model = self._args_model.model_validate(args)
        except ValidationError as exc:
            raise ToolArgumentsError(_describe(self.name, exc)) from None
        except Exception as exc:  # a tool's own validator raising what pydantic does not wrap
            raise ToolArgumentsError(
                f"tool '{self.name}' could not check its arguments: {type(exc).__name__}: {exc}"
            ) from None
        return {field: getattr(model, field) for field in type(model).model_fields}


def _args_model(fn: Callable[..., Any], name: str) -> type[BaseModel] | None:
    params = inspect.signature(fn, eval_str=True).parameters
    fields: dict[str, Any] = {}
    for param in params.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise TypeError(f"tool {name!r}: *args and **kwargs cannot be described to a model")
        annotation = Any if param.annotation is inspect.Parameter.empty else param.annotation
        default = ... if param.default is inspect.Parameter.empty else param.default
        fields[param.name] = (annotation, default)
    if not fields:
        return None
    model: type[BaseModel] = create_model(
        f"{name}_arguments", __config__=ConfigDict(extra="forbid"), **fields
    )
    return model


def _describe(name: str, exc: ValidationError) -> str:
    problems = []
    for err in exc.errors(include_url=False):
        where = ".".join(str(part) for part in err["loc"]) or "arguments"
        msg = "unexpected argument" if err["type"] == "extra_forbidden" else err["msg"]
        problems.append(f"{where}: {msg}")
    return f"invalid arguments for tool '{name}': " + "; ".join(problems)


@overload
def tool(fn: Callable[..., Any], /) -> FunctionTool: ...
@overload
def tool(
    *, name: str | None = None, description: str | None = None
) -> Callable[[Callable[..., Any]], FunctionTool]: ...
def tool(
    fn: Callable[..., Any] | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
) -> FunctionTool | Callable[[Callable[..., Any]], FunctionTool]:
    """Make a typed function (sync or async) a tool: ``@tool`` or ``@tool(name=..., description=...)``."""
    if fn is not None:
        return FunctionTool(fn)

    def wrap(f: Callable[..., Any]) -> FunctionTool:
        return FunctionTool(f, name=name, description=description)

    return wrap


Tool = FunctionTool
"""The name user code has always imported (``from workbench.tools import Tool``)."""
