"""Shared helpers for the emulator's wire handlers: the reply model, chunking and history checks.

A wire handler turns its API's request into neutral messages (workbench.core.messages), asks for a
:class:`Reply`, and streams it in its own wire format. What lives here is what every format shares:
the reply parts, realistic chunking of text and JSON, the history validation real APIs perform, and a
rough token count. Nothing here knows an HTTP detail or a vendor shape.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from workbench.core.messages import (
    AssistantMessage,
    Message,
    ToolResultsMessage,
    UserMessage,
)
from workbench.core.settings import EmissionSettings


class WireError(Exception):
    """A request the real API would refuse; the server answers it in the handler's error shape."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        param: str | None = None,
        body: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.param = param
        self.body = body
        """An error body in another shape than the handler's (Claude on Bedrock answers AWS-style)."""


@dataclass(frozen=True, slots=True)
class ReplyText:
    """A run of assistant text."""

    text: str


@dataclass(frozen=True, slots=True)
class ReplyCall:
    """One tool call, with its arguments exactly as the model would stream them."""

    name: str
    arguments: str
    """JSON text (may be malformed on purpose, to test how adapters cope)."""
    call_id: str | None = None
    """None: the handler makes an id (Gemini's handler may leave it out, as the real API does)."""

    @classmethod
    def of(cls, name: str, arguments: dict[str, Any], call_id: str | None = None) -> ReplyCall:
        return cls(name, json.dumps(arguments, ensure_ascii=False), call_id)


ReplyPart = ReplyText | ReplyCall


@dataclass(frozen=True, slots=True)
class Reply:
    """What the emulated model answers: text and calls, in the order they stream."""

    parts: tuple[ReplyPart, ...]

    @classmethod
    def of(cls, *parts: ReplyPart | str) -> Reply:
        return cls(tuple(ReplyText(p) if isinstance(p, str) else p for p in parts))

    @property
    def calls(self) -> list[ReplyCall]:
        return [p for p in self.parts if isinstance(p, ReplyCall)]

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.parts if isinstance(p, ReplyText))

    def within(self, emission: EmissionSettings) -> Reply:
        """The reply as the real APIs would cut it under these knobs.

        Mode NONE drops every call; parallel off keeps only the first call (and the text before it).
        """
        if emission.function_calling_mode == "NONE":
            return Reply(tuple(p for p in self.parts if isinstance(p, ReplyText)))
        if emission.parallel or len(self.calls) <= 1:
            return self
        kept: list[ReplyPart] = []
        for part in self.parts:
            kept.append(part)
            if isinstance(part, ReplyCall):
                break
        return Reply(tuple(kept))


class _PlannedCall(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def arguments(self) -> Any: ...


class _Planned(Protocol):
    @property
    def text(self) -> str: ...

    @property
    def calls(self) -> Sequence[_PlannedCall]: ...


def reply_from_plan(planned: _Planned) -> Reply:
    """Convert the scripted planner's answer (text first, then calls) into a :class:`Reply`."""
    parts: list[ReplyPart] = []
    if planned.text:
        parts.append(ReplyText(planned.text))
    for call in planned.calls:
        args = call.arguments
        raw = args if isinstance(args, str) else json.dumps(args, ensure_ascii=False)
        parts.append(ReplyCall(call.name, raw))
    return Reply(tuple(parts))


# Fragment sizes cycle through awkward lengths so splits land inside strings, escapes and
# multi-character unicode, the way real streams split them.
_FRAGMENT_SIZES = (1, 6, 3, 9, 4, 7, 2, 11)


def split_json(text: str) -> list[str]:
    """Split argument JSON into several fragments at awkward places (never zero fragments).

    Besides the cycling sizes, one cut always lands right after the first backslash (an escape cut in
    two) and one inside the first ``\\u`` escape, as real streams do now and then.
    """
    if not text:
        return [""]
    cuts: set[int] = set()
    pos = 0
    for k in itertools.count():
        pos += _FRAGMENT_SIZES[k % len(_FRAGMENT_SIZES)]
        if pos >= len(text):
            break
        cuts.add(pos)
    if (slash := text.find("\\")) >= 0:
        cuts.add(slash + 1)
    if (escape := text.find("\\u")) >= 0:
        cuts.add(escape + 3)
    bounds = [0, *sorted(c for c in cuts if 0 < c < len(text)), len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds)]


def split_text(text: str, *, words_per_delta: int = 2) -> list[str]:
    """Split text into word-sized deltas that join back to exactly ``text``."""
    if not text:
        return []
    pieces: list[str] = []
    current = ""
    words = 0
    for ch in text:
        current += ch
        if ch == " ":
            words += 1
            if words >= words_per_delta:
                pieces.append(current)
                current = ""
                words = 0
    if current:
        pieces.append(current)
    return pieces


_OPENAI_DATED = re.compile(r"-\d{4}-\d{2}-\d{2}$")
_ANTHROPIC_DATED = re.compile(r"-\d{8}$")


def served_model(requested: str, api: Literal["openai", "anthropic"]) -> str:
    """The model a provider says answered: an undated name resolves to a dated snapshot.

    OpenAI answers ``gpt-4.1-mini`` as ``gpt-4.1-mini-2025-04-14``; Anthropic answers
    ``claude-sonnet-4-5`` (or ``...-latest``) as ``claude-sonnet-4-5-20250929``. The dates are the
    emulator's own; a name that already ends in one comes back unchanged.
    """
    if api == "openai":
        return requested if _OPENAI_DATED.search(requested) else f"{requested}-2025-04-14"
    base = requested.removesuffix("-latest")
    return requested if _ANTHROPIC_DATED.search(base) else f"{base}-20250929"


def estimate_tokens(text: str) -> int:
    """A rough token count (four characters a token), so usage is plausible and non-zero."""
    return max(1, len(text) // 4)


def reply_tokens(reply: Reply) -> int:
    return estimate_tokens(reply.text + "".join(c.name + c.arguments for c in reply.calls))


def validate_history(messages: Iterable[Message]) -> None:
    """Refuse a history the real APIs refuse: every call answered once, no result without its call.

    The messages are the neutral form each handler built from its wire request; the wording is
    generic; handlers catch :class:`UnansweredCallsError` / :class:`UnexpectedResultError` to word it
    as their API does.
    """
    pending: dict[str, str] = {}
    for message in messages:
        match message:
            case AssistantMessage(tool_calls=calls):
                _refuse_unanswered(pending)
                pending = {c.id: c.name for c in calls}
            case ToolResultsMessage(results=results):
                for result in results:
                    if result.call_id not in pending:
                        raise UnexpectedResultError(result.call_id)
                    del pending[result.call_id]
                _refuse_unanswered(pending)
            case UserMessage():
                _refuse_unanswered(pending)
    _refuse_unanswered(pending)


class UnansweredCallsError(WireError):
    """An assistant tool call has no result before the conversation goes on."""

    def __init__(self, call_ids: list[str]) -> None:
        super().__init__(f"tool calls without a result: {', '.join(call_ids)}")
        self.call_ids = call_ids


class UnexpectedResultError(WireError):
    """A tool result answers no call of the assistant message before it."""

    def __init__(self, call_id: str) -> None:
        super().__init__(
            f"tool result for call id '{call_id}' does not answer any tool call of the "
            "preceding assistant message"
        )
        self.call_id = call_id


def _refuse_unanswered(pending: dict[str, str]) -> None:
    if pending:
        raise UnansweredCallsError(list(pending))


def sse(data: Any, *, event: str | None = None, separator: str = "\n\n") -> bytes:
    """One server-sent event, framed: optional ``event:`` line, one ``data: `` line, a blank line."""
    payload = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    head = f"event: {event}\n" if event is not None else ""
    return f"{head}data: {payload}{separator}".encode()
