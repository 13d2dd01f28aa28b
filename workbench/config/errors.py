"""The one error a bad profile produces: where it is (file, line, field), what is wrong, what to do.

Every failure while reading, parsing or validating a profile ends up as a :class:`ProfileError`, so the
CLI and the TUI print one paragraph and never a traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from pathlib import Path


class ProfileError(Exception):
    """A profile that cannot be used, worded for the person who wrote it."""

    def __init__(
        self,
        message: str,
        *,
        path: Path | None = None,
        line: int | None = None,
        field: str | None = None,
        suggestion: str | None = None,
        more: Sequence[ProfileError] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        """What is wrong, without the location (e.g. ``unknown key``)."""
        self.path = path
        self.line = line
        """1-based line in ``path``, when the problem has one."""
        self.field = field
        """Dotted key path as the user wrote it (``faults.get_weather.latency_ms``)."""
        self.suggestion = suggestion
        """What to do about it (``Did you mean 'max_concurrent_tools'?``)."""
        self.more: tuple[ProfileError, ...] = tuple(more)
        """Further problems found in the same file, reported after the first."""

    def location(self) -> str:
        """``profiles/bad.yaml, line 7, field 'x'`` (whichever parts are known)."""
        parts: list[str] = []
        if self.path is not None:
            parts.append(display_path(self.path))
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.field:
            parts.append(f"field '{self.field}'")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.location()
        text = _sentence(f"{where}: {self.message}" if where else self.message)
        if self.path is None:  # a path is printed as is; anything else starts a sentence
            text = _capitalised(text)
        if self.suggestion:
            text += " " + _sentence(self.suggestion)
        if self.more:
            others = "; ".join(_brief(err) for err in self.more[:3])
            extra = len(self.more) - 3
            text += f" Also: {others}" + (f"; and {extra} more." if extra > 0 else ".")
        return text


def display_path(path: Path) -> str:
    """The path relative to the working directory when it lies below it, else as given."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def did_you_mean(word: str, candidates: Iterable[str], *, cutoff: float = 0.6) -> str | None:
    """The candidate closest to ``word`` (case-insensitively), or None when none is close."""
    pool = {c.lower(): c for c in candidates}
    matches = difflib.get_close_matches(word.lower(), list(pool), n=1, cutoff=cutoff)
    return pool[matches[0]] if matches else None


def quoted_list(items: Iterable[str], *, conjunction: str = "and") -> str:
    """``'a', 'b' and 'c'``."""
    quoted = [f"'{item}'" for item in items]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + f" {conjunction} " + quoted[-1]


def _brief(err: ProfileError) -> str:
    parts = []
    if err.line is not None:
        parts.append(f"line {err.line}")
    if err.field:
        parts.append(f"field '{err.field}'")
    head = ", ".join(parts)
    return f"{head}: {err.message}" if head else err.message


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _sentence(text: str) -> str:
    text = text.rstrip()
    return text if text.endswith((".", "?", "!")) else text + "."
