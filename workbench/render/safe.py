"""Text from tools, files, MCP servers and models, made safe to show on a terminal.

Such text can hold escape sequences that a terminal obeys: an OSC that retitles the window or writes
the clipboard, colours, cursor moves that overwrite what was printed, a bell. Before it is shown it
passes through :func:`safe_text`, which spells every control character out (``\\x1b``, ``\\r``) so
the user sees what the tool sent instead of the terminal acting on it. Newlines and tabs are kept;
so is every printable character, in any script. The session file keeps the text as it came: only
what is shown is escaped.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from pydantic import BaseModel

_KEEP = frozenset("\n\t")
# Bidirectional overrides and isolates reorder what follows them on screen ("Trojan Source").
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def _unsafe_chars() -> str:
    c0_c1 = [chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)] if chr(c) not in _KEEP]
    return "".join([*c0_c1, *sorted(_BIDI), "\u2028", "\u2029"])


_UNSAFE = re.compile("[" + re.escape(_unsafe_chars()) + "]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_TABLE = {ord(ch): _escape(ch) for ch in _unsafe_chars()}


def safe_text(text: str) -> str:
    """``text`` with every control character, escape sequence introducer and bidi override shown
    escaped (``\\x1b]0;title\\x07`` prints as those characters); the same object when there is
    nothing to escape. Lone surrogates (undecodable bytes) become U+FFFD."""
    if _UNSAFE.search(text) is not None:
        text = text.translate(_TABLE)
    if not text.isascii() and _SURROGATE.search(text) is not None:
        text = _SURROGATE.sub("\ufffd", text)
    return text


def is_safe(text: str) -> bool:
    return safe_text(text) is text


_M = TypeVar("_M", bound=BaseModel)


def safe_event(event: _M) -> _M:
    """The event, or a copy whose every string (prompt, text, arguments, results, messages, nested
    values) is :func:`safe_text`; the same object when none needs escaping, which is the common
    case and costs one scan of its strings."""
    update = {}
    for name, value in event.__dict__.items():
        cleaned = _safe_value(value)
        if cleaned is not value:
            update[name] = cleaned
    return event.model_copy(update=update) if update else event


def _safe_value(value: Any) -> Any:
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, BaseModel):
        return safe_event(value)
    if isinstance(value, dict):
        pairs = [(k, v, _safe_value(k), _safe_value(v)) for k, v in value.items()]
        if all(k2 is k and v2 is v for k, v, k2, v2 in pairs):
            return value
        return {k2: v2 for _, _, k2, v2 in pairs}
    if isinstance(value, list | tuple):
        cleaned = [_safe_value(v) for v in value]
        if all(a is b for a, b in zip(value, cleaned, strict=True)):
            return value
        return tuple(cleaned) if isinstance(value, tuple) else cleaned
    return value


__all__ = ["is_safe", "safe_event", "safe_text"]
