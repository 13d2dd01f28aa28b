"""Small formatting helpers shared by the terminal renderers: durations, arguments, settings, colour.

Colour is plain ANSI SGR; every helper takes ``color`` so the caller decides once (tty, NO_COLOR).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal

from workbench.core.durations import setting_seconds
from workbench.core.knobs import TABLE
from workbench.core.settings import EmissionSettings, ExecutionSettings

if TYPE_CHECKING:
    from workbench.core.events import SettingsChanged

Style = Literal["bold", "dim", "green", "red", "yellow", "grey", "cyan"]

_SGR: dict[Style, str] = {
    "bold": "1",
    "dim": "2",
    "green": "32",
    "red": "31",
    "yellow": "33",
    "grey": "90",
    "cyan": "36",
}
RESET = "\x1b[0m"


def paint(text: str, style: Style | None, color: bool) -> str:
    """``text`` wrapped in the ANSI codes for ``style`` when colour is on."""
    if not color or style is None or not text:
        return text
    return f"\x1b[{_SGR[style]}m{text}{RESET}"


def truncate(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, ending in ``…`` when cut."""
    if width <= 0:
        return ""
    if len(text) <= width:
        return text
    return text[: width - 1] + "…"


def truncate_tool(name: str, width: int) -> str:
    """A tool name cut to ``width`` keeping what tells tools apart: ``github_enterprise__create_issue``
    becomes ``githu…__create_issue``, not ``github_enterprise__…`` for every tool of that server;
    a tool part too long itself keeps its start and end."""
    if len(name) <= width:
        return name
    server, sep, tool = name.partition("__")
    if sep and tool and len(tool) + len(sep) + 2 <= width:
        room = width - len(tool) - len(sep) - 1
        return f"{server[:room]}…{sep}{tool}"
    if width < 5:
        return truncate(name, width)
    head = (width - 1) // 2
    return f"{name[:head]}…{name[len(name) - (width - 1 - head) :]}"


def format_args(args: dict[str, Any] | None, width: int | None = None) -> str:
    """Arguments as ``city=Tokyo units="deg C"``; None (unparsable arguments) says so."""
    if args is None:
        text = "(unparsable arguments)"
    else:
        text = " ".join(f"{key}={_value(value)}" for key, value in args.items())
    return text if width is None else truncate(text, width)


def _value(value: Any) -> str:
    if isinstance(value, str):
        plain = value and not any(ch.isspace() or ch in '="' for ch in value)
        return value if plain else json.dumps(value, ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def format_settings(settings: ExecutionSettings, *, eager: bool = False, sep: str = ", ") -> str:
    """How a batch ran: ``concurrent ≤10, timeout 30 s`` or ``sequential, no timeout`` (the app
    joins the parts with ``" · "``)."""
    parts = [f"concurrent ≤{settings.max_concurrent}" if settings.concurrent else "sequential"]
    parts.append(
        "no timeout"
        if settings.timeout_s is None
        else f"timeout {setting_seconds(settings.timeout_s)}"
    )
    if settings.retries:
        parts.append(f"retries {settings.retries}")
    faulty = [name for name, fault in settings.faults.items() if fault.active]
    if faulty:
        parts.append("faults on " + ", ".join(faulty))
    if eager:
        parts.append("eager")
    return sep.join(parts)


def plural(count: int, word: str) -> str:
    """``1 call``, ``2 calls``, ``3 batches``."""
    if count == 1:
        return f"{count} {word}"
    return f"{count} {word}es" if word.endswith(("s", "sh", "ch", "x")) else f"{count} {word}s"


def wrap_pieces(
    pieces: Sequence[tuple[str, Style | None]],
    width: int,
    color: bool,
    *,
    indent: str = "",
    continuation: str = "  ",
    sep: str = " · ",
) -> list[str]:
    """Join ``pieces`` with ``sep``, breaking lines only between pieces to fit ``width``."""
    lines: list[str] = []
    plain_len = len(indent)
    line = indent
    first_on_line = True
    for text, style in pieces:
        add = len(text) if first_on_line else len(sep) + len(text)
        if not first_on_line and plain_len + add > width:
            lines.append(line)
            line, plain_len, first_on_line = continuation, len(continuation), True
            add = len(text)
        if not first_on_line:
            line += paint(sep, "dim", color)
        line += paint(text, style, color)
        plain_len += add
        first_on_line = False
    lines.append(line)
    return lines


def join_styled(runs: Iterable[tuple[str, Style | None]], color: bool) -> str:
    """Concatenate (glyph, style) cells, with one escape sequence per run of the same style."""
    out: list[str] = []
    current: Style | None = None
    buffer: list[str] = []
    for glyph, style in runs:
        if style != current and buffer:
            out.append(paint("".join(buffer), current, color))
            buffer = []
        current = style
        buffer.append(glyph)
    if buffer:
        out.append(paint("".join(buffer), current, color))
    return "".join(out)


_KNOB_NAMES = {f"{knob.layer}.{knob.field}": knob.title for knob in TABLE}
"""``execution.max_concurrent``: ``max concurrent tools``, from the knob table."""


def describe_changes(changes: dict[str, Any]) -> str:
    """``parallel emission off, max concurrent tools 2, fault on get_weather: slow``: a settings
    change as the user names the knobs (the TUI and the terminal printer both say it this way)."""
    parts = []
    for key, value in changes.items():
        if key.startswith("execution.faults."):
            tool = key.removeprefix("execution.faults.")
            parts.append(f"no fault on {tool}" if value == "off" else f"fault on {tool}: {value}")
            continue
        name = _KNOB_NAMES.get(key, key)
        if isinstance(value, bool):
            shown = "on" if value else "off"
        elif value is None:
            shown = "off"
        elif key == "execution.timeout_s":
            shown = setting_seconds(float(value))
        else:
            shown = str(value)
        parts.append(f"{name} {shown}")
    return ", ".join(parts) or "unchanged"


def settings_line(event: SettingsChanged) -> str:
    """The chat's ⚙ line for a settings change: what changed and when it applies, and what this
    provider ignores (``⚙ strict schemas are ignored on scripted (local): …``)."""
    parts = []
    if event.changes or not event.note:
        parts.append(f"{describe_changes(event.changes)} (from the next request or batch)")
    if event.note:
        parts.append(event.note)
    return "⚙ " + "; ".join(parts)


def strict_label(emission: EmissionSettings | None) -> str:
    """What strict schemas did to one request: ``strict, parallel serialized`` (strict_parallel:
    serialize sent parallel_tool_calls false), ``strict + parallel`` (warn), ``strict``, or ``""``."""
    if emission is None or not emission.strict:
        return ""
    if emission.serialized:
        return "strict, parallel serialized"
    return "strict + parallel (warned)" if emission.parallel else "strict"


def schema_signature(schema: dict[str, Any]) -> str:
    """``path: string, limit?: integer``: a tool's JSON Schema properties in one line (optional
    ones marked ``?``), as ``workbench mcp list`` and the app's servers view show them."""
    props = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    parts = []
    for name, prop in props.items():
        kind = prop.get("type", "any") if isinstance(prop, dict) else "any"
        if isinstance(kind, list):
            kind = " | ".join(str(k) for k in kind)
        parts.append(f"{name}{'' if name in required else '?'}: {kind}")
    return ", ".join(parts)
