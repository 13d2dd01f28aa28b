"""Planning for the scripted model: from a neutral conversation to its next response, with no I/O.

A pure function of (system, messages, tools, emission settings), so the in-process ``ScriptedProvider``
and the loopback emulator answer alike. It reads the last user message -- explicit calls such as
``read_file(path="a.py") then run_linter(path="a.py")`` or plain requests such as "the weather in Tokyo
and the time in Paris" -- counts the calls already made since then, and returns the next batch, or a
final answer summarising every result. Same input, same output: nothing here is random or timed.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from workbench.core.messages import (
    AssistantMessage,
    Message,
    ToolCall,
    ToolResult,
    ToolResultsMessage,
    ToolSpec,
    Usage,
    UserMessage,
)
from workbench.core.settings import EmissionSettings
from workbench.tools.places import CITY_TIMEZONES, city_timezone


@dataclass(frozen=True)
class PlannedCall:
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class PlannedResponse:
    """One model response: ``text`` comes first, then ``calls`` (one batch, possibly empty)."""

    text: str
    calls: list[PlannedCall] = field(default_factory=list)


@dataclass(frozen=True)
class _Step:
    call: PlannedCall
    subject: str | None
    """What the call is about, in the user's words ("Paris", "a.py"), for lead-ins and the summary."""
    explicit: bool = False
    """Written by the user as call syntax; lead-ins then quote it as code."""


@dataclass(frozen=True)
class _TurnPlan:
    stages: list[list[_Step]]
    unavailable: list[str] = field(default_factory=list)
    """Tools the prompt asked for in words that are not registered."""

    @property
    def steps(self) -> list[_Step]:
        return [step for stage in self.stages for step in stage]


def plan_response(
    system: str, messages: Sequence[Message], tools: Sequence[ToolSpec], emission: EmissionSettings
) -> PlannedResponse:
    """The next response to ``messages``, given the registered ``tools`` and the emission knobs."""
    del system  # the scripted model follows the user's words only
    prompt, since = _current_turn(messages)
    specs: dict[str, ToolSpec] = {}
    for spec in tools:
        specs.setdefault(spec.name, spec)  # registration order; the first of duplicates wins
    plan = _plan_turn(prompt, specs)
    made = [call for m in since if isinstance(m, AssistantMessage) for call in m.tool_calls]
    results = [r for m in since if isinstance(m, ToolResultsMessage) for r in m.results]
    done = max(len(made), len(results))
    remaining = plan.steps[done:]
    mode = emission.function_calling_mode

    if mode == "NONE":
        return PlannedResponse(_disabled_text(prompt, plan, remaining, results, made, specs))
    if remaining:
        return _next_batch(plan, done, emission.parallel)
    first_response = not any(isinstance(m, AssistantMessage) for m in since)
    if mode == "ANY" and first_response and (forced := _forced_call(specs)) is not None:
        text = (
            f"Tool use is required (function calling mode ANY), so I'm calling {forced.name} first."
        )
        return PlannedResponse(text, [forced])
    if done == 0:
        return PlannedResponse(_help_text(prompt, plan, specs))
    return PlannedResponse(_summary(results, made, plan))


def _plan_turn(prompt: str, specs: dict[str, ToolSpec]) -> _TurnPlan:
    """Every call the prompt asks for, in stages: explicit call syntax wins over plain words."""
    explicit = _explicit_stages(prompt, specs)
    if explicit is not None:
        return _TurnPlan(explicit)
    return _natural_plan(prompt, specs)


def _current_turn(messages: Sequence[Message]) -> tuple[str, list[Message]]:
    for index in range(len(messages) - 1, -1, -1):
        message = messages[index]
        if isinstance(message, UserMessage):
            return message.content, list(messages[index + 1 :])
    return "", list(messages)


# --- Responses -------------------------------------------------------------------------------


def _next_batch(plan: _TurnPlan, done: int, parallel: bool) -> PlannedResponse:
    stage_index, offset = 0, done
    while offset >= len(plan.stages[stage_index]):
        offset -= len(plan.stages[stage_index])
        stage_index += 1
    stage = plan.stages[stage_index]
    batch = stage[offset:] if parallel else stage[offset : offset + 1]
    text = f"Calling {_describe_steps(batch)}."
    if len(plan.stages) > 1:
        text = f"Step {stage_index + 1} of {len(plan.stages)}: c{text[1:]}"
    if not parallel and len(stage) > 1:
        text += (
            f" (Call {offset + 1} of {len(stage)}: parallel calls are off, so one per response.)"
        )
    if done == 0 and plan.unavailable:
        text += f" No {_join(plan.unavailable)} tool is registered, so I skip that part."
    return PlannedResponse(text, [step.call for step in batch])


def _describe_steps(steps: Sequence[_Step]) -> str:
    """ "get_weather for Tokyo and New York, and `read_file(path="a.py")`": grouped by tool."""
    groups: dict[str, list[_Step]] = {}
    for step in steps:
        groups.setdefault(step.call.name, []).append(step)
    parts: list[str] = []
    for name, group in groups.items():
        if all(step.explicit for step in group):
            parts.extend(f"`{_call_syntax(step.call)}`" for step in group)
        elif all(step.subject for step in group):
            parts.append(f"{name} for {_join([str(step.subject) for step in group])}")
        else:
            parts.append(name if len(group) == 1 else f"{name} ×{len(group)}")
    return _join(parts)


def _disabled_text(
    prompt: str,
    plan: _TurnPlan,
    remaining: Sequence[_Step],
    results: Sequence[ToolResult],
    made: Sequence[ToolCall],
    specs: dict[str, ToolSpec],
) -> str:
    note = "Tool calling is disabled (function calling mode NONE), so I answer without tools."
    if remaining:
        note += f" I would have called {_describe_steps(remaining)}."
    if results:
        return f"{note}\n\n{_summary(results, made, plan)}"
    if remaining:
        return note
    return f"{note}\n\n{_help_text(prompt, plan, specs)}"


def _forced_call(specs: dict[str, ToolSpec]) -> PlannedCall | None:
    """A cheap call for mode ANY when the prompt asks for none: get_date, else any satisfiable tool."""
    ordered = sorted(specs.values(), key=lambda s: (s.name != "get_date", bool(_required(s))))
    for spec in ordered:
        args = _placeholder_args(spec)
        if args is not None:
            return PlannedCall(spec.name, args)
    return None


_PLACEHOLDERS: dict[str, Any] = {
    "string": "",
    "integer": 0,
    "number": 0,
    "boolean": False,
    "array": [],
    "object": {},
}


def _placeholder_args(spec: ToolSpec) -> dict[str, Any] | None:
    properties: dict[str, Any] = spec.parameters.get("properties", {})
    args: dict[str, Any] = {}
    for name in _required(spec):
        schema = properties.get(name, {})
        if "default" in schema:
            args[name] = schema["default"]
        elif schema.get("enum"):
            args[name] = schema["enum"][0]
        elif schema.get("type") in _PLACEHOLDERS:
            args[name] = _PLACEHOLDERS[schema["type"]]
        else:
            return None
    return args


# --- Explicit call syntax: name(key=value, ...) ----------------------------------------------

_CALL_START = re.compile(r"(?<![\w./-])([A-Za-z_][\w-]*)\(")
_THEN = re.compile(r"\b(?:and\s+)?then\b|\bafter\s+that\b|\bafterwards\b", re.IGNORECASE)
_KEYWORD_ARG = re.compile(r"\s*([A-Za-z_][\w-]*)\s*=(?!=)\s*(.*?)\s*\Z", re.DOTALL)
_CLOSERS = {"(": ")", "[": "]", "{": "}"}
_PYTHON_WORDS: dict[str, Any] = {"True": True, "False": False, "None": None}


def _explicit_stages(text: str, specs: dict[str, ToolSpec]) -> list[list[_Step]] | None:
    found: list[tuple[int, int, _Step]] = []
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
    stages: list[list[_Step]] = [[found[0][2]]]
    for (_, prev_end, _), (start, _, step) in itertools.pairwise(found):
        if _THEN.search(text, prev_end, start):
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


def _explicit_step(name: str, pieces: list[str], specs: dict[str, ToolSpec]) -> _Step | None:
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
        return _Step(PlannedCall(name, keywords), _subject(keywords), explicit=True)
    order = _parameter_order(spec)
    args: dict[str, Any] = {}
    for index, value in enumerate(positional):
        args[order[index] if index < len(order) else f"arg{index + 1}"] = value
    args.update(keywords)
    return _Step(PlannedCall(name, args), _subject(args), explicit=True)


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


def _required(spec: ToolSpec) -> list[str]:
    return [str(name) for name in spec.parameters.get("required", [])]


def _parameter_order(spec: ToolSpec) -> list[str]:
    required = _required(spec)
    properties = [str(name) for name in spec.parameters.get("properties", {})]
    return required + [name for name in properties if name not in required]


# --- Plain-language requests over the built-in tools -----------------------------------------

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


def _natural_plan(prompt: str, specs: dict[str, ToolSpec]) -> _TurnPlan:
    masked = _mask_quotes(prompt)
    bounds = [0, *(i for m in _THEN.finditer(masked) for i in (m.start(), m.end())), len(prompt)]
    stages: list[list[_Step]] = []
    unavailable: list[str] = []
    last_paths: list[str] = []
    for start, end in zip(bounds[::2], bounds[1::2], strict=True):
        stage = _stage_steps(prompt[start:end], masked[start:end], specs, unavailable, last_paths)
        if stage:
            stages.append(stage)
    return _TurnPlan(stages, unavailable)


def _stage_steps(
    text: str,
    masked: str,
    specs: dict[str, ToolSpec],
    unavailable: list[str],
    last_paths: list[str],
) -> list[_Step]:
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
    steps: list[_Step] = []
    for index, seg in enumerate(segments):
        spec = _intent_tool(seg.kind, specs)
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


def _intent_tool(kind: str, specs: dict[str, ToolSpec]) -> ToolSpec | None:
    return next((specs[name] for name in _INTENT_TOOLS[kind][0] if name in specs), None)


def _intent_step(kind: str, spec: ToolSpec, subject: str | None, value: Any) -> _Step:
    preferred = _INTENT_TOOLS[kind][1]
    properties = list(spec.parameters.get("properties", {}))
    required = _required(spec)
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
    return _Step(PlannedCall(spec.name, args), subject)


def _unique(steps: list[_Step]) -> list[_Step]:
    seen: set[str] = set()
    unique: list[_Step] = []
    for step in steps:
        key = _call_key(step.call.name, step.call.arguments)
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


# --- The final answer ------------------------------------------------------------------------


def _summary(results: Sequence[ToolResult], made: Sequence[ToolCall], plan: _TurnPlan) -> str:
    if not results:
        return f"I made {len(made)} tool call(s) but no results came back."
    calls = {call.id: call for call in made}
    subjects = {_call_key(s.call.name, s.call.arguments): s.subject for s in plan.steps}
    seen = [_as_seen(result, calls.get(result.call_id)) for result in results]
    per_tool = Counter(result.name for result in seen)
    lines: list[str] = []
    for result in seen:
        call = calls.get(result.call_id)
        args = call.arguments if call is not None and call.arguments is not None else {}
        subject = subjects.get(_call_key(result.name, args)) or _subject(args)
        label = result.name
        if per_tool[result.name] > 1 and subject:
            label = f"{result.name} ({subject})"
        lines.append(f"- {_result_line(result, label, subject)}")
    counts: Counter[str] = Counter(str(result.status) for result in seen)
    total = len(seen)
    if counts["ok"] == total:
        header = f"All {total} tool calls succeeded:" if total > 1 else "The tool call succeeded:"
    else:
        parts = [f"{counts['ok']} succeeded"] if counts["ok"] else []
        for status, words in (
            ("error", "failed"),
            ("timeout", "timed out"),
            ("cancelled", "cancelled"),
        ):
            if counts[status]:
                parts.append(f"{counts[status]} {words}")
        header = f"{total} tool call{'s' if total > 1 else ''}: {_join(parts)}."
    return "\n".join([header, "", *lines])


_TIMED_OUT = re.compile(r"timed out after [\d.]+\s*(?:s|seconds?|ms)\b", re.IGNORECASE)


def _as_seen(result: ToolResult, call: ToolCall | None) -> ToolResult:
    """The result as the model sees it: some wire formats drop the status and even the tool name
    (OpenAI's tool messages carry only text), so read them back from the call and the wording."""
    name = result.name or (call.name if call is not None else "") or "tool"
    status = result.status
    if status == "ok" and result.content.lstrip().lower().startswith("error:"):
        lowered = result.content.lower()
        if "timed out" in lowered:
            status = "timeout"
        elif "was cancelled" in lowered:
            status = "cancelled"
        else:
            status = "error"
    return result.model_copy(update={"name": name, "status": status})


def _result_line(result: ToolResult, label: str, subject: str | None) -> str:
    match result.status:
        case "ok":
            return _describe_output(result.content, label, subject)
        case "error":
            return f"{label}: failed — {_sentence(_clip(_error_reason(result), 200))}"
        case "timeout":
            found = _TIMED_OUT.search(result.content)
            return f"{label}: {found[0] if found else 'timed out'}."
        case "cancelled":
            return f"{label}: cancelled."


_ERROR_PREFIX = re.compile(r"^(?:error:\s*)?(?:tool '[^']*'\s+)?(?:raised\s+)?", re.IGNORECASE)


def _error_reason(result: ToolResult) -> str:
    """ "Error: tool 'fail' raised RuntimeError: boom. More." → "RuntimeError: boom"."""
    text = _ERROR_PREFIX.sub("", _one_line(result.content), count=1)
    first_sentence = re.match(r"(.+?\.)(?:\s|$)", text)
    return first_sentence[1] if first_sentence else text or "no details"


def _describe_output(content: str, label: str, subject: str | None) -> str:
    if not content.strip():
        return f"{label}: done (no output)."
    try:
        value: Any = json.loads(content)
    except ValueError:
        value = content
    if isinstance(value, dict):
        return _describe_dict(value, label, subject)
    if isinstance(value, list):
        preview = ", ".join(_brief(item) for item in value[:3])
        more = f" (+{len(value) - 3} more)" if len(value) > 3 else ""
        return f"{label}: {_count(len(value), 'item')}" + (f": {preview}{more}." if value else ".")
    if isinstance(value, str):
        lines = [line for line in value.splitlines() if line.strip()]
        if len(lines) > 1:
            return f"{label}: {len(lines)} lines, starting {_code(lines[0])}."
        return f"{label}: {_sentence(_clip(value.strip(), 200))}"
    return f"{label}: {json.dumps(value)}."


def _describe_dict(data: dict[str, Any], label: str, subject: str | None) -> str:
    temp_key = next(
        (k for k in ("temp_c", "temperature_c", "temperature", "temp", "temp_f") if k in data), None
    )
    conditions = next(
        (data[k] for k in ("conditions", "condition", "summary", "description") if k in data), None
    )
    if temp_key and isinstance(data[temp_key], int | float) and isinstance(conditions, str):
        unit = "°F" if temp_key == "temp_f" else "°C"
        place = data.get("city") or subject or label
        return f"{place}: {_number(data[temp_key])} {unit}, {conditions}."
    zone = next((data[k] for k in ("timezone", "zone", "tz") if k in data), None)
    if isinstance(data.get("time"), str) and zone is not None:
        place = subject if subject and "/" not in subject else _zone_place(str(zone))
        clock = re.match(r"\d{1,2}:\d{2}", data["time"])
        return f"The time in {place} is {clock[0] if clock else data['time']}."
    if "date" in data and "weekday" in data:
        return f"Today is {data['weekday']}, {data['date']}."
    if isinstance(data.get("content"), str) and "path" in data:
        lines = data["content"].splitlines()
        first = next((line for line in lines if line.strip()), "")
        size = f"{data['bytes']:,} bytes, " if isinstance(data.get("bytes"), int) else ""
        start = f", starting {_code(first)}" if first else ""
        return f"{data['path']}: {size}{_count(len(lines), 'line')}{start}."
    if isinstance(data.get("entries"), list):
        entries = data["entries"]
        names = [_entry_name(entry) for entry in entries[:8]]
        more = f" (+{len(entries) - 8} more)" if len(entries) > 8 else ""
        where = data.get("dir", subject or label)
        return f"{where}: {_count(len(entries), 'entry', 'entries')}" + (
            f" — {', '.join(names)}{more}." if names else "."
        )
    if isinstance(data.get("matches"), list):
        matches = data["matches"]
        pattern = data.get("pattern", subject or "")
        first = f", first {_code(_brief(matches[0], 80))}" if matches else ""
        return (
            f"Search for {_code(str(pattern))}: {_count(len(matches), 'match', 'matches')}{first}."
        )
    if "issues" in data and "path" in data:
        issues = data["issues"]
        count = len(issues) if isinstance(issues, list) else issues
        if not count:
            return f"{data['path']}: no lint issues."
        codes = data.get("by_code")
        detail = ""
        if isinstance(codes, dict) and codes:
            detail = " (" + ", ".join(f"{code} ×{n}" for code, n in codes.items()) + ")"
        return f"{data['path']}: {_count(count, 'lint issue')}{detail}."
    fields = ", ".join(f"{key}={_brief(value)}" for key, value in data.items())
    return f"{label}: {_clip(fields, 160) or 'empty result'}."


def _entry_name(entry: Any) -> str:
    if isinstance(entry, dict):
        return str(entry.get("name", "?")) + ("/" if entry.get("type") == "dir" else "")
    return _brief(entry)


def _zone_place(zone: str) -> str:
    return zone.rsplit("/", 1)[-1].replace("_", " ")


# --- Help --------------------------------------------------------------------------------------

_EXAMPLES: tuple[tuple[str, str], ...] = (
    ("weather", "What's the weather in Tokyo and New York, and the time in Paris?"),
    ("time", "What time is it in Sydney?"),
    ("date", "What's the date today?"),
    ("read", "Read README.md"),
    ("list", "List the files in src"),
    ("search", "Search for TODO"),
    ("lint", "Run the linter on a.py and b.py"),
    ("sleep", "Sleep 500 ms"),
)


def _help_text(prompt: str, plan: _TurnPlan, specs: dict[str, ToolSpec]) -> str:
    intro = "I'm the workbench's built-in scripted model: I turn requests into tool calls, offline."
    if plan.unavailable:
        reason = f"That needs the {_join(plan.unavailable)} tool, which is not registered here."
    elif prompt.strip():
        reason = "I didn't find a request I can act on in that message."
    else:
        reason = "Send me a request."
    if not specs:
        return f"{intro} {reason}\n\nNo tools are registered, so I can only answer in text."
    examples = [f"- {text}" for kind, text in _EXAMPLES if _intent_tool(kind, specs) is not None]
    syntax = (
        "Or call tools directly: `name(key=value, ...)`. Calls joined by `,` or `and` form one "
        f"batch; `then` starts the next batch, e.g. `{_syntax_example(specs)}`."
    )
    names = ", ".join(f"`{name}`" for name in sorted(specs))
    parts = [f"{intro} {reason}"]
    if examples:
        parts.append("Try:\n" + "\n".join(examples))
    parts += [syntax, f"Registered tools: {names}."]
    return "\n\n".join(parts)


def _syntax_example(specs: dict[str, ToolSpec]) -> str:
    if "read_file" in specs and "run_linter" in specs:
        return 'read_file(path="README.md") then run_linter(path="README.md")'
    examples = []
    for spec in list(specs.values())[:2]:
        args = ", ".join(f'{name}="..."' for name in _required(spec))
        examples.append(f"{spec.name}({args})")
    return " then ".join(examples)


# --- Small text helpers ------------------------------------------------------------------------


def _call_key(name: str, arguments: dict[str, Any] | None) -> str:
    return name + json.dumps(arguments or {}, sort_keys=True, default=str)


def _subject(arguments: dict[str, Any]) -> str | None:
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


def _call_syntax(call: PlannedCall) -> str:
    args = ", ".join(
        f"{key}={json.dumps(value, ensure_ascii=False)}" for key, value in call.arguments.items()
    )
    return _clip(f"{call.name}({args})", 80).replace("`", "'")


def _join(items: Sequence[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + f", and {items[-1]}"


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else plural or singular + 's'}"


def _number(value: float) -> str:
    return f"{value:g}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def _code(text: str) -> str:
    return "`" + _clip(_one_line(text), 60).replace("`", "'") + "`"


def _brief(value: Any, limit: int = 40) -> str:
    if isinstance(value, str):
        return _clip(_one_line(value), limit)
    if isinstance(value, dict):
        return "{…}" if value else "{}"
    if isinstance(value, list):
        return f"[{_count(len(value), 'item')}]"
    return _clip(json.dumps(value), limit)


# --- Helpers the provider and the emulator share -----------------------------------------------


def call_ids(messages: Sequence[Message], count: int) -> list[str]:
    """Ids for the next response's calls: ``call_{round}_{i}``, skipping any already in use."""
    round_trip = 1 + sum(isinstance(m, AssistantMessage) for m in messages)
    used = {c.id for m in messages if isinstance(m, AssistantMessage) for c in m.tool_calls}
    used |= {r.call_id for m in messages if isinstance(m, ToolResultsMessage) for r in m.results}
    ids: list[str] = []
    for index in range(1, count + 1):
        candidate, suffix = f"call_{round_trip}_{index}", 1
        while candidate in used:
            suffix += 1
            candidate = f"call_{round_trip}_{index}_{suffix}"
        used.add(candidate)
        ids.append(candidate)
    return ids


def split_text(text: str, words: int = 3) -> list[str]:
    """``text`` in streaming pieces of a few words each; joined, they give ``text`` back exactly."""
    tokens = re.findall(r"\s+|\S+\s*", text)
    return ["".join(tokens[i : i + words]) for i in range(0, len(tokens), words)]


def estimate_tokens(chars: int) -> int:
    """About four characters per token, the usual rule of thumb for English and JSON."""
    return math.ceil(chars / 4)


def estimate_usage(
    system: str, messages: Sequence[Message], tools: Sequence[ToolSpec], response: PlannedResponse
) -> Usage:
    prompt_chars = len(system) + sum(len(m.model_dump_json()) for m in messages)
    prompt_chars += sum(len(spec.model_dump_json()) for spec in tools)
    output_chars = len(response.text) + sum(len(call_json(c)) for c in response.calls)
    return Usage(
        input_tokens=estimate_tokens(prompt_chars), output_tokens=estimate_tokens(output_chars)
    )


def call_json(call: PlannedCall) -> str:
    """The call as a model would stream it: name plus its JSON arguments."""
    return call.name + json.dumps(call.arguments, ensure_ascii=False)


__all__ = [
    "PlannedCall",
    "PlannedResponse",
    "call_ids",
    "call_json",
    "estimate_tokens",
    "estimate_usage",
    "plan_response",
    "split_text",
]
