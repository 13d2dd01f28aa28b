"""OpenAI Chat Completions adapter (also for OpenAI-compatible servers: Ollama, vLLM, Groq…).

Streams with the official async client and assembles tool calls itself, per ``index`` with the first
``id``/``name`` winning, because fragments of different calls may interleave. For the same reason calls
are dispatched only when ``finish_reason`` arrives, never mid-stream (no eager dispatch).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

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
    ProviderEvent,
    ResponseComplete,
    TextChunk,
)
from workbench.providers._openai_common import (
    echo_arguments,
    make_client,
    parse_call,
    preflight,
    tool_choice,
)
from workbench.providers._openai_errors import ERRORS, ErrorContext, map_error

CAPABILITIES = ProviderCapabilities(
    parallel_knob="parallel_tool_calls",
    parallel_note=(
        "Chat Completions may interleave the arguments of several calls, so calls start when "
        "the response ends"
    ),
    eager_dispatch=False,
    supports_function_calling_mode=True,
)


class OpenAIChatProvider:
    """Chat Completions through ``openai.AsyncOpenAI``."""

    def __init__(
        self,
        *,
        model: str,
        api_key: str,
        base_url: str | None = None,
        eager_dispatch: bool = True,
        max_retries: int = 2,
        timeout_s: float = 120.0,
    ) -> None:
        self._model = model
        self._client = make_client(
            api_key=api_key, base_url=base_url, max_retries=max_retries, timeout_s=timeout_s
        )
        self._base_url = str(self._client.base_url).rstrip("/")
        # Eager dispatch is not safe on this protocol; the flag is accepted for a uniform signature.
        del eager_dispatch
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
        return CAPABILITIES

    def preflight(self, request: ModelRequest) -> list[str]:
        return preflight(request, base_url=self._base_url, knob="parallel_tool_calls")

    async def aclose(self) -> None:
        await self._client.close()

    def params(self, request: ModelRequest) -> dict[str, Any]:
        """The request body (without ``stream``), as sent to ``chat.completions.create``."""
        params: dict[str, Any] = {
            "model": self._model,
            "messages": to_chat_messages(request.system, request.messages),
            "stream_options": {"include_usage": True},
            "max_completion_tokens": request.max_tokens,
        }
        if request.tools:
            params["tools"] = [_tool(spec) for spec in request.tools]
            params["tool_choice"] = tool_choice(request.emission.function_calling_mode)
            params["parallel_tool_calls"] = request.emission.parallel
        return params

    async def stream(self, request: ModelRequest) -> AsyncIterator[ProviderEvent]:
        state = _Assembly()
        streaming = False
        try:
            async with await self._client.chat.completions.create(
                **self.params(request), stream=True
            ) as chunks:
                streaming = True
                async for chunk in chunks:
                    for event in state.feed(chunk):
                        yield event
        except ERRORS as exc:
            raise map_error(exc, self._errors, streaming=streaming) from exc
        for event in state.finish():
            yield event


def _tool(spec: ToolSpec) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": spec.name,
            "description": spec.description,
            "parameters": spec.parameters,
        },
    }


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


class _Assembly:
    """Assembles one streamed completion: text, calls per index, finish reason and usage."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.calls: dict[int, _Partial] = {}
        self.finish_reason: str | None = None
        self.usage = Usage()
        self._announced = False

    def feed(self, chunk: Any) -> list[ProviderEvent]:
        events: list[ProviderEvent] = []
        if getattr(chunk, "usage", None) is not None:
            self.usage = Usage(
                input_tokens=chunk.usage.prompt_tokens or 0,
                output_tokens=chunk.usage.completion_tokens or 0,
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
                    self._add(fragment)
            finish_reason = getattr(choice, "finish_reason", None)
            if finish_reason is not None:
                self.finish_reason = finish_reason
                events.extend(self._announce())
        return events

    def _add(self, fragment: Any) -> None:
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
        partial = self.calls.setdefault(index, _Partial())
        partial.id = partial.id or fragment.id
        function = fragment.function
        if function is not None:
            partial.name = partial.name or function.name
            partial.arguments += function.arguments or ""

    def tool_calls(self) -> list[ToolCall]:
        return [
            parse_call(p.id or f"call_{k}", p.name or "", p.arguments)
            for k, p in sorted(self.calls.items())
        ]

    def _announce(self) -> list[ProviderEvent]:
        if self._announced:
            return []
        self._announced = True
        return [CallReady(call) for call in self.tool_calls()]

    def finish(self) -> list[ProviderEvent]:
        """The last events: calls not yet announced (a stream without finish_reason), then the end."""
        calls = self.tool_calls()
        message = AssistantMessage(text="".join(self.text), tool_calls=calls)
        stop = self.finish_reason or ("tool_calls" if calls else "stop")
        return [*self._announce(), ResponseComplete(message, self.usage, stop)]
