"""Plain-language requests: "the weather in Tokyo and the time in Paris" → planned calls, with no I/O.

Keywords in the prompt (weather, time, read, list, search, lint, sleep, ...) pick a registered tool by
its usual name, and the words around each keyword fill its argument: places, paths, patterns and
durations. ``then`` splits the prompt into stages, one batch each; a request whose tool is not
registered is noted as unavailable instead of planned.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from workbench.core.messages import ToolSpec
from workbench.scripted.syntax import (
    THEN,
    PlannedCall,
    Step,
    call_key,
    required_params,
)
from workbench.tools.places import CITY_TIMEZONES, city_timezone


@dataclass(frozen=True)
class TurnPlan:
    """Every call one user turn asks for, in stages: each stage is one batch, run in order."""

    stages: list[list[Step]]
    unavailable: list[str] = field(default_factory=list)
    """Tools the prompt asked for in words that are not registered."""

    @property
    def steps(self) -> list[Step]:
        return [step for stage in self.stages for step in stage]


_QUOTED = re.compile(r'"([^"\n]*)"|“([^”\n]*)”|`([^`\n]*)`|(?<!\w)\'([^\'\n]*)\'(?!\w)')
_KEYWORDS = re.compile(
    r"(?<![\w./-])(?:(?P<weather>weather|temperatures?|forecast)|(?P<time>time|clock)"
    r"|(?P<date>date|what\s+day|which\s+day)|(?P<read>read|open|show|cat|view)"
    r"|(?P<list>list|ls|what\s+files|which\s+files)|(?P<search>search|grep|find|look\s+for)"
    r"|(?P<lint>lint|linter|linting)|(?P<sleep>sleep|wait|pause))(?![\w/-]|\.\w)",
    re.IGNORECASE,
)
_TIME_ASK = re.compile(
    r"what\s+time|the\s+time|current\s+time|local\s+time|time\s+is\s+it|time\s+now|clock",
    re.IGNORECASE,
)
_ZONE = re.compile(r"\b(?:[A-Z][A-Za-z_]+/[A-Za-z_]+(?:/[A-Za-z_]+)?|UTC|GMT)\b")
_CAPITALISED = r"[A-ZÀ-Ý][\w'’-]*(?:[ \t]+[A-ZÀ-Ý][\w'’-]*)*"
_PLACE_LIST = re.compile(
    rf"\b(?:in|for|at)\s+({_CAPITALISED}(?:\s*(?:,|&|\band\b)\s*{_CAPITALISED})*)"
)
_LIST_SEPARATOR = re.compile(r"\s*(?:,|&|\band\b)\s*")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|secs?|seconds?)\b", re.IGNORECASE)
_PATH_CHARS = re.compile(r"[\w./~-]+")
_FILE_NAME = re.compile(r"(?:[\w.-]*[\w-]\.[A-Za-z0-9]{1,10}|\.[\w-]+)")
_NOT_PATHS = frozenset({"e.g", "i.e", "etc", "vs"})
_FILLERS = frozenset(
    {"the", "a", "an", "file", "files", "on", "of", "me", "my", "please", "contents", "content"}
    | {"for", "in", "with", "over", "to", "run", "and"}
)
_PRONOUNS = frozenset({"it", "them", "those", "these", "that", "this", "both", "each"})
_NOT_DIRS = _FILLERS | _PRONOUNS | {"here", "workspace", "project"}
_PATTERN_LEAD = re.compile(
    r"^\s*(?:(?:for|the|code|pattern|regex|text|string|word|containing|occurrences\s+of"
    r"|usages?\s+of|uses\s+of)\b\s*)+",
    re.IGNORECASE,
)
_PATTERN_END = re.compile(r"[,;?!\n]|\s(?:in|across|within|under|inside)\s|\.\s*$", re.IGNORECASE)

# Intent → (tool names to look for, argument names to fill, in order of preference).
_INTENT_TOOLS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "weather": (("get_weather", "weather"), ("city", "location", "place", "name")),
    "time": (("get_time", "time"), ("timezone", "tz", "zone", "city", "location")),
    "date": (("get_date", "date", "today"), ()),
    "read": (("read_file", "cat"), ("path", "file", "filename")),
    "list": (("list_files", "list_dir", "ls"), ("dir", "path", "directory", "folder")),
    "search": (("search_code", "search_files", "search", "grep"), ("pattern", "query", "regex")),
    "lint": (("run_linter", "lint"), ("path", "file", "filename")),
    "sleep": (("sleep",), ("ms", "milliseconds", "seconds")),
}
_PLACE_INTENTS = ("weather", "time")


def _city_pattern() -> re.Pattern[str]:
    names = set(CITY_TIMEZONES)
    names |= {_unaccented(name) for name in CITY_TIMEZONES}
    alternatives = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def _unaccented(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_CITIES = _city_pattern()
_CITY_NAMES = {_unaccented(name).casefold(): name for name in CITY_TIMEZONES}


@dataclass(frozen=True)
class _Segment:
    kind: str
    keyword_start: int
    text: str
    """From the end of the keyword to the next keyword (or the end of the stage)."""
    masked: str


def _mask_quotes(text: str) -> str:
    """``text`` with quoted contents blanked, so keywords inside quotes are not requests."""
    return _QUOTED.sub(lambda m: m[0][0] + " " * (len(m[0]) - 2) + m[0][-1], text)


def natural_plan(prompt: str, specs: dict[str, ToolSpec]) -> TurnPlan:
    """The calls a plain-language ``prompt`` asks for, over the registered ``specs``."""
    masked = _mask_quotes(prompt)
    bounds = [0, *(i for m in THEN.finditer(masked) for i in (m.start(), m.end())), len(prompt)]
    stages: list[list[Step]] = []
    unavailable: list[str] = []
    last_paths: list[str] = []
    for start, end in zip(bounds[::2], bounds[1::2], strict=True):
        stage = _stage_steps(prompt[start:end], masked[start:end], specs, unavailable, last_paths)
        if stage:
            stages.append(stage)
    return TurnPlan(stages, unavailable)


def _stage_steps(
    text: str,
    masked: str,
    specs: dict[str, ToolSpec],
    unavailable: list[str],
    last_paths: list[str],
) -> list[Step]:
    keywords = list(_KEYWORDS.finditer(masked))
    segments: list[_Segment] = []
    for index, match in enumerate(keywords):
        end = keywords[index + 1].start() if index + 1 < len(keywords) else len(text)
        kind = next(name for name, value in match.groupdict().items() if value)
        segments.append(
            _Segment(kind, match.start(), text[match.end() : end], masked[match.end() : end])
        )
    prefix = text[: keywords[0].start()] if keywords else ""
    places = [_places(seg.text) if seg.kind in _PLACE_INTENTS else [] for seg in segments]
    steps: list[Step] = []
    for index, seg in enumerate(segments):
        spec = intent_tool(seg.kind, specs)
        wanted: list[tuple[str | None, Any]]  # (subject, argument value) per call
        match seg.kind:
            case "weather" | "time":
                found = places[index] or _borrowed_places(index, segments, places, prefix)
                wanted = [(name, zone if seg.kind == "time" else name) for name, zone in found]
                if seg.kind == "time" and not wanted and _asks_time(masked, seg):
                    wanted = [(None, None)]
            case "date":
                wanted = [(None, None)]
            case "read" | "lint":
                paths = _paths(seg) or (list(last_paths) if _mentions_pronoun(seg) else [])
                last_paths[:] = paths or last_paths
                wanted = [(path, path) for path in paths]
            case "list":
                directory = _directory(seg)
                wanted = [(directory, directory)]
            case "search":
                wanted = [(pattern, pattern) for pattern in _patterns(seg)]
            case "sleep":
                wanted = [(f"{ms} ms", ms) for ms in _durations_ms(seg.text)]
            case _:
                wanted = []
        if not wanted:
            continue
        if spec is None:
            missing = _INTENT_TOOLS[seg.kind][0][0]
            if missing not in unavailable:
                unavailable.append(missing)
            continue
        steps.extend(_intent_step(seg.kind, spec, subject, value) for subject, value in wanted)
    return _unique(steps)


def intent_tool(kind: str, specs: dict[str, ToolSpec]) -> ToolSpec | None:
    """The registered tool that serves a kind of request ("weather", "read", ...), if any."""
    return next((specs[name] for name in _INTENT_TOOLS[kind][0] if name in specs), None)


def _intent_step(kind: str, spec: ToolSpec, subject: str | None, value: Any) -> Step:
    preferred = _INTENT_TOOLS[kind][1]
    properties = list(spec.parameters.get("properties", {}))
    required = required_params(spec)
    param = next((name for name in preferred if name in properties), None)
    if param is None and preferred and properties:
        param = required[0] if required else properties[0]
    args: dict[str, Any] = {}
    if kind == "time":
        if param in ("city", "location") and subject is not None:
            value = subject  # this get_time takes a city, not a zone
        elif value is None and subject is not None:
            value = subject  # an unknown city: let the tool decide
        elif value is None and param in required:
            value, subject = "UTC", "UTC"
    if kind == "sleep" and param == "seconds":
        value = value / 1000
    if param is not None and value is not None:
        args[param] = value
    return Step(PlannedCall(spec.name, args), subject)


def _unique(steps: list[Step]) -> list[Step]:
    seen: set[str] = set()
    unique: list[Step] = []
    for step in steps:
        key = call_key(step.call.name, step.call.arguments)
        if key not in seen:
            seen.add(key)
            unique.append(step)
    return unique


def _places(text: str) -> list[tuple[str, str | None]]:
    """Places in order of mention: (display name, IANA zone or None when the city is unknown)."""
    spans: list[tuple[int, int, str, str | None]] = []

    def add(start: int, end: int, name: str, zone: str | None) -> None:
        if all(end <= s or start >= e for s, e, _, _ in spans):
            spans.append((start, end, name, zone))

    for match in _ZONE.finditer(text):
        add(match.start(), match.end(), match[0], match[0])
    for match in _CITIES.finditer(text):
        name = _CITY_NAMES.get(_unaccented(match[0]).casefold(), match[0])
        add(match.start(), match.end(), name, city_timezone(name))
    for match in _PLACE_LIST.finditer(text):
        offset = match.start(1)
        for part in _LIST_SEPARATOR.split(match[1]):
            start = text.index(part, offset)
            offset = start + len(part)
            if part:
                add(start, offset, part, city_timezone(part))
    return [(name, zone) for _, _, name, zone in sorted(spans)]


def _borrowed_places(
    index: int,
    segments: list[_Segment],
    places: list[list[tuple[str, str | None]]],
    prefix: str,
) -> list[tuple[str, str | None]]:
    """Places for "Tokyo weather" (before the keyword) or "weather and time in Tokyo" (shared)."""
    if index == 0 and (before := _places(prefix)):
        return before
    order = [*range(index + 1, len(segments)), *range(index - 1, -1, -1)]
    for other in order:
        if segments[other].kind in _PLACE_INTENTS and places[other]:
            return places[other]
    return []


def _asks_time(masked: str, seg: _Segment) -> bool:
    around = masked[max(0, seg.keyword_start - 15) : seg.keyword_start + 20]
    return _TIME_ASK.search(around) is not None


def _tokens(seg: _Segment) -> list[str]:
    tokens = []
    for match in re.finditer(r"\S+", seg.masked):
        token = seg.text[match.start() : match.end()].strip(",;:!?()[]{}<>")
        if token not in (".", ".."):
            token = token.rstrip(".")
        if token and not any(q in seg.masked[match.start() : match.end()] for q in "\"“`'"):
            tokens.append(token)
    return tokens


def _is_path(token: str) -> bool:
    if token in (".", ".."):
        return True
    if token.casefold() in _NOT_PATHS or re.fullmatch(r"[\d.]+", token):
        return False
    if "/" in token:
        return _PATH_CHARS.fullmatch(token) is not None
    return _FILE_NAME.fullmatch(token) is not None


def _quoted(text: str) -> list[str]:
    return [next(g for g in m.groups() if g is not None) for m in _QUOTED.finditer(text)]


def _paths(seg: _Segment) -> list[str]:
    """Quoted strings and path-like tokens; else the first plain word after the keyword."""
    found = [q for q in _quoted(seg.text) if q] + [t for t in _tokens(seg) if _is_path(t)]
    if found:
        return list(dict.fromkeys(found))
    for token in _tokens(seg):
        word = token.casefold()
        if word in _FILLERS:
            continue
        if word in _PRONOUNS or not _PATH_CHARS.fullmatch(token):
            return []
        return [token]
    return []


def _mentions_pronoun(seg: _Segment) -> bool:
    return any(token.casefold() in _PRONOUNS for token in _tokens(seg))


def _directory(seg: _Segment) -> str | None:
    tokens = _tokens(seg)
    for before, token in itertools.pairwise(tokens):
        after_preposition = before.casefold() in ("in", "under", "inside", "of")
        if after_preposition and _PATH_CHARS.fullmatch(token) and token.casefold() not in _NOT_DIRS:
            return token
    paths = [t for t in tokens if _is_path(t)]
    return paths[0] if paths else None


def _patterns(seg: _Segment) -> list[str]:
    quoted = [q for q in _quoted(seg.text) if q]
    if quoted:
        return quoted
    rest = _PATTERN_LEAD.sub("", seg.text)
    if end := _PATTERN_END.search(rest):
        rest = rest[: end.start()]
    rest = re.sub(r"\s+(?:and|or)\s*$", "", rest.strip())
    return [rest] if rest and rest.casefold() not in _FILLERS | _PRONOUNS else []


def _durations_ms(text: str) -> list[int]:
    durations = []
    for match in _DURATION.finditer(text):
        amount = float(match[1])
        durations.append(round(amount if match[2].casefold().startswith("m") else amount * 1000))
    return durations
