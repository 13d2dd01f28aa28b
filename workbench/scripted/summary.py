"""The scripted model's prose: the final answer that summarises tool results, and the help text.

Results are read back as a model would see them (some wire formats drop the status and even the tool
name), then described one line each: weather, times, files, matches and lint issues in words, anything
else as its fields. The help text lists example requests for the tools that are registered.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from workbench.core.messages import ToolCall, ToolResult, ToolSpec
from workbench.scripted.intents import intent_tool
from workbench.scripted.syntax import Step, call_key, call_subject, required_params


def final_answer(
    results: Sequence[ToolResult], made: Sequence[ToolCall], steps: Sequence[Step]
) -> str:
    """One line per result under a header that counts outcomes; ``steps`` give subjects back."""
    if not results:
        return f"I made {len(made)} tool call(s) but no results came back."
    calls = {call.id: call for call in made}
    subjects = {call_key(s.call.name, s.call.arguments): s.subject for s in steps}
    seen = [_as_seen(result, calls.get(result.call_id)) for result in results]
    per_tool = Counter(result.name for result in seen)
    lines: list[str] = []
    for result in seen:
        call = calls.get(result.call_id)
        args = call.arguments if call is not None and call.arguments is not None else {}
        subject = subjects.get(call_key(result.name, args)) or call_subject(args)
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
        header = f"{total} tool call{'s' if total > 1 else ''}: {join_words(parts)}."
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
            return f"{label}: failed — {_sentence(clip(_error_reason(result), 200))}"
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
        return f"{label}: {_sentence(clip(value.strip(), 200))}"
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
    return f"{label}: {clip(fields, 160) or 'empty result'}."


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


def help_text(prompt: str, unavailable: Sequence[str], specs: dict[str, ToolSpec]) -> str:
    """What the model can do here, for a prompt it could not act on (``unavailable``: missing tools)."""
    intro = "I'm the workbench's built-in scripted model: I turn requests into tool calls, offline."
    if unavailable:
        reason = f"That needs the {join_words(unavailable)} tool, which is not registered here."
    elif prompt.strip():
        reason = "I didn't find a request I can act on in that message."
    else:
        reason = "Send me a request."
    if not specs:
        return f"{intro} {reason}\n\nNo tools are registered, so I can only answer in text."
    examples = [f"- {text}" for kind, text in _EXAMPLES if intent_tool(kind, specs) is not None]
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
        args = ", ".join(f'{name}="..."' for name in required_params(spec))
        examples.append(f"{spec.name}({args})")
    return " then ".join(examples)


# --- Small text helpers ------------------------------------------------------------------------


def join_words(items: Sequence[str]) -> str:
    """ "a", "a and b", "a, b, and c": shared with the planner's batch lead-ins."""
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + f", and {items[-1]}"


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else plural or singular + 's'}"


def _number(value: float) -> str:
    return f"{value:g}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when it was longer."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def _code(text: str) -> str:
    return "`" + clip(_one_line(text), 60).replace("`", "'") + "`"


def _brief(value: Any, limit: int = 40) -> str:
    if isinstance(value, str):
        return clip(_one_line(value), limit)
    if isinstance(value, dict):
        return "{…}" if value else "{}"
    if isinstance(value, list):
        return f"[{_count(len(value), 'item')}]"
    return clip(json.dumps(value), limit)
