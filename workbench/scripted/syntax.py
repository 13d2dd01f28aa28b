"""Explicit call syntax: reading ``name(key=value, ...)`` calls out of a prompt, with no I/O.

``read_file(path="a.py"), run_linter(path="b.py") then sleep(ms=100)`` becomes stages of planned steps:
calls joined by ``,`` or ``and`` share a stage (one batch), and ``then`` starts the next. Values are
JSON literals, quoted strings or bare words; positional values take the tool's parameters in order.
It also defines the step vocabulary (``PlannedCall``, ``Step``) that the plain-language reader reuses.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from typing import Any

from workbench.core.messages import ToolSpec


@dataclass(frozen=True)
class PlannedCall:
    """One tool call the model will emit: the tool's name and its JSON arguments."""

    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class Step:
    """A planned call, with what it is about for the prose around it."""

    call: PlannedCall
    subject: str | None
    """What the call is about, in the user's words ("Paris", "a.py"), for lead-ins and the summary."""
    explicit: bool = False
    """Written by the user as call syntax; lead-ins then quote it as code."""


_CALL_START = re.compile(r"(?<![\w./-])([A-Za-z_][\w-]*)\(")
# Starts the next stage (batch); the plain-language reader splits on it too.
THEN = re.compile(r"\b(?:and\s+)?then\b|\bafter\s+that\b|\bafterwards\b", re.IGNORECASE)
_KEYWORD_ARG = re.compile(r"\s*([A-Za-z_][\w-]*)\s*=(?!=)\s*(.*?)\s*\Z", re.DOTALL)
_CLOSERS = {"(": ")", "[": "]", "{": "}"}
_PYTHON_WORDS: dict[str, Any] = {"True": True, "False": False, "None": None}


def explicit_stages(text: str, specs: dict[str, ToolSpec]) -> list[list[Step]] | None:
    """Every call written as syntax in ``text``, in stages split by ``then``; None if there is none."""
    found: list[tuple[int, int, Step]] = []
    pos = 0
    while (match := _CALL_START.search(text, pos)) is not None:
        parsed = _argument_pieces(text, match.end() - 1)
        step = None if parsed is None else _explicit_step(match[1], parsed[1], specs)
        if parsed is None or step is None:
            pos = match.end()  # prose: keep looking, calls may sit inside its parentheses
            continue
        found.append((match.start(), parsed[0] + 1, step))
        pos = parsed[0] + 1
    if not found:
        return None
    stages: list[list[Step]] = [[found[0][2]]]
    for (_, prev_end, _), (start, _, step) in itertools.pairwise(found):
        if THEN.search(text, prev_end, start):
            stages.append([])
        stages[-1].append(step)
    return stages


def _argument_pieces(text: str, open_index: int) -> tuple[int, list[str]] | None:
    """The index of the matching ``)`` and the top-level comma-separated pieces, or None if unbalanced."""
    stack: list[str] = []
    pieces: list[str] = []
    start = open_index + 1
    last = "("
    i = open_index
    while i < len(text):
        ch = text[i]
        # A quote opens a string only where a value starts, so bare words like Xi'an stay words.
        if ch == '"' or (ch == "'" and last in "=(,[{:"):
            end = _string_end(text, i, ch)
            if end is None:
                return None
            i, last = end + 1, ch
            continue
        if ch in _CLOSERS:
            stack.append(_CLOSERS[ch])
        elif ch in ")]}":
            if not stack or stack.pop() != ch:
                return None
            if not stack:
                pieces.append(text[start:i])
                return i, pieces
        elif ch == "," and len(stack) == 1:
            pieces.append(text[start:i])
            start = i + 1
        if not ch.isspace():
            last = ch
        i += 1
    return None


def _string_end(text: str, start: int, quote: str) -> int | None:
    i = start + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
        elif text[i] == quote:
            return i
        else:
            i += 1
    return None


def _explicit_step(name: str, pieces: list[str], specs: dict[str, ToolSpec]) -> Step | None:
    positional: list[Any] = []
    keywords: dict[str, Any] = {}
    for piece in pieces:
        if not piece.strip():
            continue  # "f()" or a trailing comma
        if keyword := _KEYWORD_ARG.match(piece):
            keywords[keyword[1]] = _literal(keyword[2])
        else:
            positional.append(_literal(piece))
    spec = specs.get(name)
    if spec is None:
        # Unknown tools still get called (the executor answers with an error), but only when the
        # text is unmistakably call syntax: keyword arguments, or "()" on a snake_case name.
        if positional or (not keywords and "_" not in name):
            return None
        return Step(PlannedCall(name, keywords), call_subject(keywords), explicit=True)
    order = _parameter_order(spec)
    args: dict[str, Any] = {}
    for index, value in enumerate(positional):
        args[order[index] if index < len(order) else f"arg{index + 1}"] = value
    args.update(keywords)
    return Step(PlannedCall(name, args), call_subject(args), explicit=True)


def _literal(raw: str) -> Any:
    """A JSON literal, a quoted string, or the bare words as written (``city=New York``)."""
    value = raw.strip()
    try:
        return json.loads(value, parse_constant=_reject_constant)
    except ValueError:
        pass
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'`":
        return value[1:-1]
    return _PYTHON_WORDS.get(value, value)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a literal here")  # NaN/Infinity read as words, not floats


def required_params(spec: ToolSpec) -> list[str]:
    return [str(name) for name in spec.parameters.get("required", [])]


def _parameter_order(spec: ToolSpec) -> list[str]:
    required = required_params(spec)
    properties = [str(name) for name in spec.parameters.get("properties", {})]
    return required + [name for name in properties if name not in required]


def call_key(name: str, arguments: dict[str, Any] | None) -> str:
    """A call's identity, to drop repeats and to match results back to their steps."""
    return name + json.dumps(arguments or {}, sort_keys=True, default=str)


def call_subject(arguments: dict[str, Any]) -> str | None:
    """The one short scalar argument of a call, if that is all it has (``Tokyo``, ``a.py``)."""
    if len(arguments) != 1:
        return None
    (value,) = arguments.values()
    if (
        isinstance(value, str | int | float)
        and not isinstance(value, bool)
        and len(str(value)) <= 40
    ):
        return str(value)
    return None
