"""OpenAI Chat Completions adapter (also for OpenAI-compatible servers: Ollama, vLLM, Groq…).

Streams with the official async client and assembles tool calls itself, per ``index`` with the first
``id``/``name`` winning, because fragments of different calls may interleave. Eager dispatch follows
the one rule that is safe when they do: a call starts once a later index has begun *and* its arguments
so far parse as a whole JSON object (any further fragment would make them invalid, so they cannot
change). Every other call starts at ``finish_reason``. A server that sends more for a call after all
is refused with a stream error rather than run with arguments that differ from the recorded ones.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from workbench.core.capabilities import Endpoint, infer_endpoint, row_for
from workbench.core.messages import (
    AssistantMessage,
    Message,
    ToolCall,
    ToolResultsMessage,
    ToolSpec,
    Usage,
    UserMessage,
)
from workbench.core.provider import (
    CallReady,
    ModelRequest,
    ProviderCapabilities,
    ProviderError,
    ProviderEvent,
    ResponseComplete,
    TextChunk,
)
from workbench.providers._openai_common import (
    ToolSchemas,
    echo_arguments,
    make_client,
    parse_call,
    preflight,
    tool_choice,
)
from workbench.providers._openai_errors import ERRORS, ErrorContext, map_error
from workbench.providers._shared import wire_name


class OpenAIChatProvider:
    """Chat Completions through ``openai.AsyncOpenAI``."""

    def __init__(
        self,
        *,
        model: str,
        api_key: str,
        base_url: str | None = None,
        eager_dispatch: bool = True,
        endpoint: Endpoint | None = None,
        max_retries: int = 2,
        timeout_s: float = 120.0,
    ) -> None:
        self._model = model
        self._client = make_client(
            api_key=api_key, base_url=base_url, max_retries=max_retries, timeout_s=timeout_s
        )
        self._base_url = str(self._client.base_url).rstrip("/")
        self._row = row_for("openai-chat", endpoint or infer_endpoint("openai-chat", base_url))
        self._eager = eager_dispatch
        self._errors = ErrorContext(
            provider=self.name,
            model=model,
            base_url=self._base_url,
            attempts=max_retries + 1,
            timeout_s=timeout_s,
        )

    @property
    def name(self) -> str:
        return "openai-chat"

    @property
    def model(self) -> str:
        return self._model

    @property
    def capabilities(self) -> ProviderCapabilities:
        return self._row.capabilities(eager_dispatch=self._eager)

    def preflight(self, request: ModelRequest) -> list[str]:
        return preflight(request, row=self._row, knob="parallel_tool_calls")

    async def aclose(self) -> None:
        await self._client.close()

    def params(self, request: ModelRequest, schemas: ToolSchemas | None = None) -> dict[str, Any]:
        """The request body (without ``stream``), as sent to ``chat.completions.create``."""
        params: dict[str, Any] = {
            "model": self._model,
            "messages": to_chat_messages(request.system, request.messages),
            "stream_options": {"include_usage": True},
            self._row.token_limit: request.max_tokens,
        }
        if request.tools:
            schemas = schemas or ToolSchemas.of(request)
            params["tools"] = [_tool(spec, schemas) for spec in request.tools]
            params["tool_choice"] = tool_choice(request.emission.function_calling_mode)
            params["parallel_tool_calls"] = request.emission.wire_parallel
        return params

    async def stream(self, request: ModelRequest) -> AsyncIterator[ProviderEvent]:
        schemas = ToolSchemas.of(request)
        state = _Assembly(
            eager=self._eager, back=lambda call: schemas.arguments_back(request, call)
        )
        received = 0
        try:
            async with await self._client.chat.completions.create(
                **self.params(request, schemas), stream=True
            ) as chunks:
                async for chunk in chunks:
                    received += 1
                    for event in state.feed(chunk):
                        yield event
        except ERRORS as exc:
            raise map_error(exc, self._errors, events=received) from exc
        except _Regrown as exc:
            raise ProviderError(
                "stream",
                f"{self._base_url} sent more arguments for call {exc.call_id} after they had formed "
                "a whole JSON object and the call had started: the stream is invalid",
                provider=self.name,
            ) from None
        for event in state.finish():
            yield event


def _tool(spec: ToolSpec, schemas: ToolSchemas) -> dict[str, Any]:
    function: dict[str, Any] = {
        "name": spec.name,
        "description": spec.description,
        "parameters": schemas.schemas[spec.name],
    }
    if spec.name in schemas.strict:
        function["strict"] = True
    return {"type": "function", "function": function}


def to_chat_messages(system: str, messages: list[Message]) -> list[dict[str, Any]]:
    """Neutral history → Chat messages. Assistant turns are built here (no ``index`` keys)."""
    out: list[dict[str, Any]] = [{"role": "system", "content": system}] if system else []
    for message in messages:
        match message:
            case UserMessage(content=content):
                out.append({"role": "user", "content": content})
            case AssistantMessage(text=text, tool_calls=calls):
                entry: dict[str, Any] = {"role": "assistant", "content": text or None}
                if calls:
                    entry["tool_calls"] = [
                        {
                            "id": c.id,
                            "type": "function",
                            "function": {"name": c.name, "arguments": echo_arguments(c)},
                        }
                        for c in calls
                    ]
                elif not text:
                    entry["content"] = ""
                out.append(entry)
            case ToolResultsMessage(results=results):
                out.extend(
                    {"role": "tool", "tool_call_id": r.call_id, "content": r.content}
                    for r in results
                )
    return out


@dataclass
class _Partial:
    id: str | None = None
    name: str | None = None
    arguments: str = ""
    started: bool = False
    """Announced early (eager dispatch): its arguments may not change any more."""


class _Regrown(Exception):
    """A call that started eagerly got more arguments: the server broke the rule it relies on."""

    def __init__(self, call_id: str) -> None:
        super().__init__(call_id)
        self.call_id = call_id


class _Assembly:
    """Assembles one streamed completion: text, calls per index, finish reason and usage."""

    def __init__(
        self, *, eager: bool = False, back: Callable[[ToolCall], ToolCall] | None = None
    ) -> None:
        self.text: list[str] = []
        self.calls: dict[int, _Partial] = {}
        self.finish_reason: str | None = None
        self.usage = Usage()
        self.response_id: str | None = None
        self.response_model: str | None = None
        self.eager_started = 0
        """How many calls started before the response ended."""
        self._eager = eager
        self._back = back or (lambda call: call)
        self._announced = False

    def feed(self, chunk: Any) -> list[ProviderEvent]:
        events: list[ProviderEvent] = []
        # Every chunk repeats the completion's id and model: the first one given is kept.
        self.response_id = self.response_id or wire_name(getattr(chunk, "id", None))
        self.response_model = self.response_model or wire_name(getattr(chunk, "model", None))
        if getattr(chunk, "usage", None) is not None:
            self.usage = Usage(
                input_tokens=chunk.usage.prompt_tokens or 0,
                output_tokens=chunk.usage.completion_tokens or 0,
                reported=True,
            )
        # Streamed chunks are built without validation: compatible servers may leave keys out.
        for choice in getattr(chunk, "choices", None) or []:
            if getattr(choice, "index", 0) != 0:
                continue
            delta = getattr(choice, "delta", None)
            if delta is not None:
                if delta.content:
                    self.text.append(delta.content)
                    events.append(TextChunk(delta.content))
                for fragment in delta.tool_calls or []:
                    events.extend(self._add(fragment))
            finish_reason = getattr(choice, "finish_reason", None)
            if finish_reason is not None:
                self.finish_reason = finish_reason
                events.extend(self._announce())
        return events

    def _add(self, fragment: Any) -> list[ProviderEvent]:
        index = getattr(fragment, "index", None)
        if index is None:
            # Some compatible servers omit the index: a new id starts a new call.
            known = [k for k, p in self.calls.items() if fragment.id and p.id == fragment.id]
            if known:
                index = known[0]
            elif fragment.id or not self.calls:
                index = len(self.calls)
            else:
                index = max(self.calls)
        opened = index not in self.calls
        partial = self.calls.setdefault(index, _Partial())
        partial.id = partial.id or fragment.id
        function = fragment.function
        if function is not None:
            partial.name = partial.name or function.name
            more = function.arguments or ""
            if partial.started and more.strip():
                raise _Regrown(partial.id or f"call_{index}")
            partial.arguments += more
        if not (opened and self._eager):
            return []
        # A later index has begun: an earlier call whose arguments are already a whole JSON
        # object cannot change (any more text would make it invalid JSON), so it starts now.
        ready: list[ProviderEvent] = []
        for k, earlier in sorted(self.calls.items()):
            if k >= index or earlier.started or not _whole_object(earlier.arguments):
                continue
            earlier.started = True
            self.eager_started += 1
            ready.append(CallReady(self._call(k, earlier)))
        return ready

    def _call(self, index: int, partial: _Partial) -> ToolCall:
        return self._back(
            parse_call(partial.id or f"call_{index}", partial.name or "", partial.arguments)
        )

    def tool_calls(self) -> list[ToolCall]:
        return [self._call(k, p) for k, p in sorted(self.calls.items())]

    def _announce(self) -> list[ProviderEvent]:
        if self._announced:
            return []
        self._announced = True
        # At the end of the response: these calls did not start early.
        return [
            CallReady(self._call(k, p), eager=False)
            for k, p in sorted(self.calls.items())
            if not p.started
        ]

    def finish(self) -> list[ProviderEvent]:
        """The last events: calls not yet announced (a stream without finish_reason), then the end."""
        calls = self.tool_calls()
        message = AssistantMessage(text="".join(self.text), tool_calls=calls)
        stop = self.finish_reason or ("tool_calls" if calls else "stop")
        end = ResponseComplete(message, self.usage, stop, self.response_id, self.response_model)
        return [*self._announce(), end]


def _whole_object(text: str) -> bool:
    """Whether ``text`` is already a complete JSON object (so no fragment can extend it)."""
    stripped = text.strip()
    if not stripped.startswith("{") or not stripped.endswith("}"):
        return False
    try:
        return isinstance(json.loads(stripped), dict)
    except ValueError:
        return False
