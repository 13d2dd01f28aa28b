"""Strict tool schemas, as OpenAI's ``strict: true`` wants them, and back again.

Strict form: every object lists all its properties in ``required`` and has ``additionalProperties:
false``, at every level; a property that was optional becomes nullable instead, so the model sends
``null`` for it. :func:`strict_arguments_back` removes those nulls again before the tool sees the
arguments, so a tool written for the original schema gets what it expects. Shared by the adapters
(which send strict schemas) and the emulator (which checks them as the real API does).
"""

from __future__ import annotations

import copy
from typing import Any, Final

NOT_STRICT_KEYWORDS: Final = (
    "allOf",
    "not",
    "if",
    "then",
    "else",
    "dependentRequired",
    "dependentSchemas",
    "patternProperties",
    "unevaluatedProperties",
    "propertyNames",
    "minProperties",
    "maxProperties",
)
"""Keywords strict mode does not support; a schema using one is sent non-strict."""


class StrictSchemaError(ValueError):
    """A schema that cannot be put in strict form; the message says why, in one line."""


def to_strict(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` in strict form (a new dict). Raises :class:`StrictSchemaError` saying why not."""
    if schema.get("type") != "object":
        raise StrictSchemaError("the top level must be an object schema")
    out = copy.deepcopy(schema)
    _strict_node(out, "the arguments", root=out)
    return out


def strict_problem(schema: Any) -> str | None:
    """Why ``schema`` is not already in strict form (the real API's 400), or None when it is."""
    if not isinstance(schema, dict):
        return "schema must be a JSON object"
    if schema.get("type") != "object":
        return f"schema must be a JSON Schema of 'type: \"object\"', got 'type: \"{schema.get('type')}\"'."
    return _problem(schema, ())


def _problem(node: Any, path: tuple[str, ...]) -> str | None:
    if not isinstance(node, dict):
        return None
    context = f"context=({', '.join(repr(p) for p in path)})"
    for keyword in NOT_STRICT_KEYWORDS:
        if keyword in node:
            return f"In {context}, '{keyword}' is not permitted."
    if node.get("type") == "object" or "properties" in node:
        if node.get("additionalProperties") is not False:
            return (
                f"In {context}, 'additionalProperties' is required to be supplied and to be false."
            )
        properties = node.get("properties") or {}
        required = node.get("required") or []
        missing = [name for name in properties if name not in required]
        if missing:
            return (
                f"In {context}, 'required' is required to be supplied and to be an array "
                f"including every key in properties. Missing '{missing[0]}'."
            )
        for name, sub in properties.items():
            found = _problem(sub, (*path, "properties", name))
            if found:
                return found
    for key in ("items",):
        if key in node:
            found = _problem(node[key], (*path, key))
            if found:
                return found
    for key in ("anyOf",):
        for i, sub in enumerate(node.get(key) or []):
            found = _problem(sub, (*path, key, str(i)))
            if found:
                return found
    for name, sub in (node.get("$defs") or {}).items():
        found = _problem(sub, (*path, "$defs", name))
        if found:
            return found
    return None


def _strict_node(node: Any, where: str, *, root: dict[str, Any]) -> None:
    if not isinstance(node, dict):
        return
    for keyword in NOT_STRICT_KEYWORDS:
        if keyword in node:
            raise StrictSchemaError(f"{where}: '{keyword}' is not supported in strict mode")
    for name, sub in (node.get("$defs") or {}).items():
        _strict_node(sub, f"$defs.{name}", root=root)
    if node.get("type") == "object" or "properties" in node:
        if node.get("additionalProperties", False) is not False:
            raise StrictSchemaError(
                f"{where}: additional properties are allowed, which strict mode cannot describe"
            )
        properties: dict[str, Any] = node.setdefault("properties", {})
        required = set(node.get("required") or [])
        for name, sub in properties.items():
            _strict_node(sub, f"'{name}'", root=root)
            if name not in required:
                properties[name] = _nullable(sub)
        node["required"] = list(properties)
        node["additionalProperties"] = False
    if "items" in node:
        _strict_node(node["items"], f"{where} items", root=root)
    for sub in node.get("anyOf") or []:
        _strict_node(sub, where, root=root)


def _nullable(schema: Any) -> Any:
    """``schema`` that also accepts null (how strict mode says "optional")."""
    if not isinstance(schema, dict):
        return schema
    out = dict(schema)
    out.pop("default", None)  # strict mode has no defaults; null stands for "not given"
    kind = out.get("type")
    if isinstance(kind, str):
        out["type"] = [kind, "null"] if kind != "null" else kind
    elif isinstance(kind, list):
        if "null" not in kind:
            out["type"] = [*kind, "null"]
    elif "anyOf" in out:
        if not any(isinstance(s, dict) and s.get("type") == "null" for s in out["anyOf"]):
            out["anyOf"] = [*out["anyOf"], {"type": "null"}]
        return out
    elif "$ref" in out:
        return {"anyOf": [out, {"type": "null"}]}
    else:
        return {"anyOf": [out, {"type": "null"}]} if out else out
    if "enum" in out and None not in out["enum"]:
        out["enum"] = [*out["enum"], None]
    return out


def strict_arguments_back(schema: dict[str, Any], arguments: dict[str, Any]) -> dict[str, Any]:
    """``arguments`` a strict schema produced, with the nulls that stand for "not given" removed
    (a property the original ``schema`` did not require), at every object level."""
    back: dict[str, Any] = _back(schema, arguments)
    return back


def _back(schema: Any, value: Any) -> Any:
    if not isinstance(schema, dict):
        return value
    if isinstance(value, dict) and isinstance(schema.get("properties"), dict):
        properties: dict[str, Any] = schema["properties"]
        required = set(schema.get("required") or [])
        out: dict[str, Any] = {}
        for key, item in value.items():
            if item is None and key in properties and key not in required:
                continue
            out[key] = _back(properties.get(key), item)
        return out
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [_back(schema["items"], item) for item in value]
    return value


def relaxed(schema: dict[str, Any]) -> dict[str, Any]:
    """A strict schema read the other way: properties that accept null are optional again (so a
    planner that fills in what is required does not make up values for them)."""
    out = copy.deepcopy(schema)
    _relax(out)
    return out


def _relax(node: Any) -> None:
    if not isinstance(node, dict):
        return
    properties = node.get("properties")
    if isinstance(properties, dict):
        node["required"] = [
            name for name in node.get("required") or [] if not _accepts_null(properties.get(name))
        ]
        for sub in properties.values():
            _relax(sub)
    if "items" in node:
        _relax(node["items"])
    for sub in node.get("anyOf") or []:
        _relax(sub)


def _accepts_null(schema: Any) -> bool:
    if not isinstance(schema, dict):
        return False
    kind = schema.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    return any(_accepts_null(sub) for sub in schema.get("anyOf") or [])


def with_nulls(schema: dict[str, Any], arguments: Any) -> Any:
    """``arguments`` with every property a strict ``schema`` lists but the arguments leave out set
    to null, at every object level: what a model under strict mode sends for "not given"."""
    if not isinstance(arguments, dict) or not isinstance(schema.get("properties"), dict):
        return arguments
    out = dict(arguments)
    for name, sub in schema["properties"].items():
        if name not in out:
            out[name] = None
        elif isinstance(sub, dict):
            out[name] = with_nulls(sub, out[name])
    return out
