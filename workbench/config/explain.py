"""Turning pydantic validation errors into a :class:`ProfileError` a person can act on.

Each pydantic error ``loc`` is cleaned of union-branch tags, mapped back to the key path the user
wrote (which differs for MassGen configs) and to its line in the YAML node tree. Unknown keys get a
"did you mean", bad choices list the allowed values. Values of secret-ish fields are never echoed.
"""

from __future__ import annotations

import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from workbench.config.errors import ProfileError, did_you_mean, quoted_list
from workbench.config.yaml_source import KeyPath, YamlDocument, dotted

_SENSITIVE = ("api_key", "base_url", "token", "secret", "password")

_TYPE_ALIASES = {
    "openai": "openai-responses",
    "responses": "openai-responses",
    "chatcompletion": "openai-chat",
    "chat": "openai-chat",
    "claude": "anthropic",
    "google": "gemini",
    "local": "scripted",
    "mock": "scripted",
}
"""MassGen and everyday names for provider types, so ``type: claude`` suggests ``anthropic``."""


@dataclass(frozen=True)
class FieldOrigins:
    """Where each profile field came from in the file (they differ for MassGen configs)."""

    prefix: KeyPath = ()
    """Key path of the mapping the fields were read from: ``()``, or ``("agents", 0, "backend")``."""
    renamed: Mapping[str, KeyPath] = field(default_factory=dict)
    """Fields read from elsewhere, e.g. ``system_prompt`` from ``agents[0].system_message``."""

    def yaml_path(self, loc: Sequence[str | int]) -> KeyPath:
        if not loc:
            return self.prefix
        head, *rest = loc
        base = self.renamed.get(str(head), (*self.prefix, head))
        return (*base, *rest)


@dataclass(frozen=True)
class _Problem:
    loc: tuple[str | int, ...]
    message: str
    suggestion: str | None


def explain_validation(
    exc: ValidationError,
    model: type[BaseModel],
    doc: YamlDocument,
    origins: FieldOrigins | None = None,
) -> ProfileError:
    """One error for a file: the first problem by line, the rest attached as ``more``."""
    origins = origins or FieldOrigins()
    found: dict[str, ProfileError] = {}
    for problem in _problems(exc, model):
        key_path = origins.yaml_path(problem.loc)
        label = dotted(key_path)
        if label in found:
            continue
        line, _ = doc.locate(key_path)
        found[label] = ProfileError(
            problem.message, path=doc.path, line=line, field=label, suggestion=problem.suggestion
        )
    errors = sorted(found.values(), key=lambda err: err.line or 0)
    first, rest = errors[0], errors[1:]
    first.more = tuple(rest)
    return first


def explain_overrides(exc: ValidationError, model: type[BaseModel]) -> ProfileError:
    """An error for values given on the command line (no file, no line)."""
    errors: dict[str, ProfileError] = {}
    for problem in _problems(exc, model):
        label = dotted(problem.loc)
        errors.setdefault(
            label,
            ProfileError(problem.message, field=label, suggestion=problem.suggestion),
        )
    first, *rest = errors.values()
    first.more = tuple(rest)
    return first


def _problems(exc: ValidationError, model: type[BaseModel]) -> list[_Problem]:
    problems = []
    for err in exc.errors():
        loc, leaf = _clean_loc(model, err["loc"])
        container = _type_at(model, loc[:-1]) if loc else model
        problems.append(_describe(err, loc, leaf, container))
    return problems


def _describe(err: ErrorDetails, loc: tuple[str | int, ...], leaf: Any, container: Any) -> _Problem:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    value = err.get("input")
    name = str(loc[-1]) if loc else ""
    got = _got(value, loc)
    suggestion: str | None = None
    match kind:
        case "missing":
            message = "required, but not set"
            choices = _literal_choices(leaf)
            if choices:
                suggestion = f"Set it to one of {quoted_list(choices, conjunction='or')}"
        case "extra_forbidden":
            message = "unknown key"
            known = _field_names(container)
            close = did_you_mean(name, known)
            if close:
                suggestion = f"Did you mean '{close}'?"
            elif name == "api_key":
                message = "profiles never hold API keys"
                suggestion = (
                    "Put the key in an environment variable and name that variable with "
                    "api_key_env (e.g. api_key_env: OPENAI_API_KEY)"
                )
            elif known:
                suggestion = f"Keys allowed here: {', '.join(known)}"
        case "literal_error":
            choices = _literal_choices(leaf)
            allowed = quoted_list(choices, conjunction="or") if choices else ctx.get("expected", "")
            message = f"must be one of {allowed}{got}"
            if isinstance(value, str):
                close = _TYPE_ALIASES.get(value.lower()) if name == "type" else None
                close = close or did_you_mean(value, choices)
                if close:
                    suggestion = f"Did you mean '{close}'?"
        case "bool_type" | "bool_parsing":
            message = f"must be true or false{got}"
            if isinstance(value, str) and value.strip().lower() in ("true", "false"):
                suggestion = "Write it without quotes"
        case "int_type" | "int_parsing":
            message = f"must be a whole number{got}"
            if isinstance(value, str) and value.strip().lstrip("-").isdigit():
                suggestion = "Write the number without quotes"
        case "int_from_float":
            message = f"must be a whole number, not a fraction{got}"
        case "float_type" | "float_parsing":
            message = f"must be a number{got}"
            if isinstance(value, str) and _is_number(value):
                suggestion = "Write the number without quotes"
        case "string_type":
            message = f"must be text{got}"
            suggestion = "Put the value in quotes"
        case "list_type" | "tuple_type":
            message = f"must be a list{got}"
        case "dict_type" | "model_type" | "model_attributes_type":
            message = f"must be a mapping of keys to values{got}"
        case "too_short" | "too_long":
            message = str(err["msg"]).replace("Tuple", "list").replace("tuple", "list")
            message = message[:1].lower() + message[1:]
        case "greater_than_equal":
            message = f"must be at least {_num(ctx.get('ge'))}{got}"
        case "greater_than":
            message = f"must be greater than {_num(ctx.get('gt'))}{got}"
        case "less_than_equal":
            message = f"must be at most {_num(ctx.get('le'))}{got}"
        case "less_than":
            message = f"must be less than {_num(ctx.get('lt'))}{got}"
        case "value_error" | "assertion_error":
            message = (
                str(err["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
            )
        case _:
            text = str(err["msg"])
            message = text[:1].lower() + text[1:]
    if name == "latency_ms" and kind not in ("value_error", "greater_than_equal"):
        message = f"must be milliseconds: a number, or a [low, high] pair{got}"
        suggestion = None
    return _Problem(loc=loc, message=message, suggestion=suggestion)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _num(value: Any) -> str:
    """``1`` rather than ``1.0``: bounds read as the user would write them."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _got(value: Any, loc: Sequence[str | int]) -> str:
    """`` (got 'x')`` for short plain values; nothing for secret-ish fields or big structures."""
    if any(word in str(part).lower() for part in loc for word in _SENSITIVE):
        return ""
    if isinstance(value, bool):
        return f" (got {str(value).lower()})"
    if value is None:
        return " (got null)"
    if isinstance(value, int | float):
        return f" (got {value})"
    if isinstance(value, str) and len(value) <= 40:
        return f" (got '{value}')"
    if isinstance(value, list):
        return " (got a list)"
    if isinstance(value, dict):
        return " (got a mapping)"
    return ""


# --- walking the model's types along an error location ----------------------------------------


def _clean_loc(
    model: type[BaseModel], loc: Sequence[str | int]
) -> tuple[tuple[str | int, ...], Any]:
    """``loc`` without union-branch tags (``'float'``, ``'tuple[float, float]'``), and the leaf type."""
    current: Any = model
    clean: list[str | int] = []
    for part in loc:
        current = _strip_optional(current)
        if _is_model(current):
            clean.append(part)
            info = current.model_fields.get(str(part))
            current = info.annotation if info is not None else None
        elif get_origin(current) is dict:
            clean.append(part)
            current = get_args(current)[1]
        elif get_origin(current) in (list, tuple):
            if isinstance(part, int):
                clean.append(part)
                args = [a for a in get_args(current) if a is not Ellipsis]
                current = args[min(part, len(args) - 1)] if args else None
        elif _is_union(current):
            # A tag naming the union branch that failed: skip it, follow that branch.
            branches = {_type_name(arg): arg for arg in get_args(current)}
            current = branches.get(str(part))
        elif isinstance(part, int):
            clean.append(part)
            current = None
        elif current is not None:
            continue  # a tag under a scalar type, e.g. 'function-after[...]'
        else:
            clean.append(part)
    return tuple(clean), current


def _type_at(model: type[BaseModel], loc: Sequence[str | int]) -> Any:
    current: Any = model
    for part in loc:
        current = _strip_optional(current)
        if _is_model(current):
            info = current.model_fields.get(str(part))
            current = info.annotation if info is not None else None
        elif get_origin(current) is dict:
            current = get_args(current)[1]
        elif get_origin(current) in (list, tuple):
            args = get_args(current)
            current = args[0] if args else None
        else:
            return None
    return _strip_optional(current)


def _field_names(container: Any) -> list[str]:
    container = _strip_optional(container)
    return list(container.model_fields) if _is_model(container) else []


def _literal_choices(tp: Any) -> list[str]:
    tp = _strip_optional(tp)
    if get_origin(tp) is Literal:
        return [str(arg) for arg in get_args(tp)]
    return []


def _strip_optional(tp: Any) -> Any:
    if _is_union(tp):
        args = [arg for arg in get_args(tp) if arg is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def _is_union(tp: Any) -> bool:
    return get_origin(tp) in (Union, types.UnionType)


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _type_name(tp: Any) -> str:
    if get_origin(tp) is None and isinstance(tp, type):
        return tp.__name__
    return str(tp).replace("typing.", "")
