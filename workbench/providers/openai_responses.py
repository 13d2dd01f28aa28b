"""OpenAI Responses API adapter, stateless: the full input is sent on every request (``store: false``).

Each ``function_call`` output item is complete at ``response.output_item.done``, so calls are
dispatched there while the response still streams (eager dispatch). The history goes back as input
items: user messages, the response's reasoning items echoed as they came (encrypted, asked for with
``include: ["reasoning.encrypted_content"]``: a reasoning model needs them to go on without server
state), assistant text, the ``function_call`` items echoed, then their ``function_call_output`` items.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
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
    is_openai,
    make_client,
    parse_call,
    preflight,
    tool_choice,
)
from workbench.providers._openai_errors import ERRORS, ErrorContext, map_error, one_line
from workbench.providers._shared import wire_name


class OpenAIResponsesProvider:
    """The Responses API through ``openai.AsyncOpenAI``."""

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
        self._eager = eager_dispatch
        self._client = make_client(
            api_key=api_key, base_url=base_url, max_retries=max_retries, timeout_s=timeout_s
        )
        self._base_url = str(self._client.base_url).rstrip("/")
        self._errors = ErrorContext(
            provider=self.name,
            model=model,
            base_url=self._base_url,
            attempts=max_retries + 1,
            timeout_s=timeout_s,
        )
        self._row = row_for(
            "openai-responses", endpoint or infer_endpoint("openai-responses", base_url)
        )
        self._capabilities = self._row.capabilities(eager_dispatch=eager_dispatch)

    @property
    def name(self) -> str:
        return "openai-responses"

    @property
    def model(self) -> str:
        return self._model

    @property
    def capabilities(self) -> ProviderCapabilities:
        return self._capabilities

    def preflight(self, request: ModelRequest) -> list[str]:
        return preflight(request, row=self._row, knob="parallel_tool_calls")

    async def aclose(self) -> None:
        await self._client.close()

    def params(self, request: ModelRequest, schemas: ToolSchemas | None = None) -> dict[str, Any]:
        """The request body (without ``stream``), as sent to ``responses.create``."""
        params: dict[str, Any] = {
            "model": self._model,
            "input": to_input_items(request.messages),
            "max_output_tokens": request.max_tokens,
            "store": False,
            "include": ["reasoning.encrypted_content"],
        }
        if request.system:
            params["instructions"] = request.system
        if request.tools:
            schemas = schemas or ToolSchemas.of(request)
            params["tools"] = [_tool(spec, schemas) for spec in request.tools]
            params["tool_choice"] = tool_choice(request.emission.function_calling_mode)
            params["parallel_tool_calls"] = request.emission.wire_parallel
        return params

    async def stream(self, request: ModelRequest) -> AsyncIterator[ProviderEvent]:
        schemas = ToolSchemas.of(request)
        text: list[str] = []
        calls: list[ToolCall] = []
        reasoning: list[dict[str, Any]] = []
        received = 0
        final: Any = None
        try:
            # ``async with`` closes the stream even when an error event ends it early.
            async with await self._client.responses.create(
                **self.params(request, schemas), stream=True
            ) as events:
                async for event in events:
                    received += 1
                    match event.type:
                        case "response.output_text.delta":
                            text.append(event.delta)
                            yield TextChunk(event.delta)
                        case "response.output_item.done" if event.item.type == "reasoning":
                            reasoning.append(_reasoning_item(event.item))
                        case "response.output_item.done" if event.item.type == "function_call":
                            item = event.item
                            call = schemas.arguments_back(
                                request, parse_call(item.call_id, item.name, item.arguments)
                            )
                            calls.append(call)
                            if self._eager:
                                yield CallReady(call)
                        case "response.completed" | "response.incomplete":
                            final = event.response
                        case "response.failed":
                            raise self._failed(event.response)
                        case "error":
                            raise ProviderError(
                                "stream",
                                one_line(
                                    f"{self._who} reported an error mid-stream: {event.message}"
                                ),
                                provider=self.name,
                            )
        except ERRORS as exc:
            raise map_error(exc, self._errors, events=received) from exc
        if final is None:
            raise ProviderError(
                "stream",
                f"the stream from {self._who} ended before the response completed",
                provider=self.name,
            )
        for call in _missed_calls(final, calls):
            call = schemas.arguments_back(request, call)
            # A server that lists a call only in the final output: announce it now.
            calls.append(call)
            if self._eager:
                yield CallReady(call)
        if not reasoning:
            reasoning = [
                _reasoning_item(item)
                for item in getattr(final, "output", None) or []
                if getattr(item, "type", None) == "reasoning"
            ]
        yield ResponseComplete(
            AssistantMessage(
                text="".join(text),
                tool_calls=calls,
                provider_data={"reasoning": reasoning} if reasoning else None,
            ),
            _usage(final),
            _stop_reason(final, calls),
            response_id=wire_name(getattr(final, "id", None)),
            response_model=wire_name(getattr(final, "model", None)),
        )

    @property
    def _who(self) -> str:
        return "OpenAI" if is_openai(self._base_url) else self._base_url

    def _failed(self, response: Any) -> ProviderError:
        error = getattr(response, "error", None)
        detail = getattr(error, "message", None) or "no details given"
        return ProviderError(
            "server",
            one_line(f"{self._who} could not complete the response: {detail}"),
            provider=self.name,
        )


def _tool(spec: ToolSpec, schemas: ToolSchemas) -> dict[str, Any]:
    return {
        "type": "function",
        "name": spec.name,
        "description": spec.description,
        "parameters": schemas.schemas[spec.name],
        "strict": spec.name in schemas.strict,
    }


def _reasoning_item(item: Any) -> dict[str, Any]:
    """A reasoning output item as it must be echoed: id, summary and the encrypted content."""
    data: dict[str, Any] = item.model_dump(mode="json", exclude_none=True)
    data.pop("status", None)  # output-only
    return data


def to_input_items(messages: list[Message]) -> list[dict[str, Any]]:
    """Neutral history → Responses input items (stateless: everything, every time)."""
    items: list[dict[str, Any]] = []
    for message in messages:
        match message:
            case UserMessage(content=content):
                items.append({"role": "user", "content": content})
            case AssistantMessage(text=text, tool_calls=calls, provider_data=data):
                # Reasoning items first, as they came: the calls they led to follow them.
                items.extend((data or {}).get("reasoning") or [])
                if text:
                    items.append({"role": "assistant", "content": text})
                items.extend(
                    {
                        "type": "function_call",
                        "call_id": c.id,
                        "name": c.name,
                        "arguments": echo_arguments(c),
                    }
                    for c in calls
                )
            case ToolResultsMessage(results=results):
                items.extend(
                    {"type": "function_call_output", "call_id": r.call_id, "output": r.content}
                    for r in results
                )
    return items


def _missed_calls(response: Any, seen: list[ToolCall]) -> list[ToolCall]:
    known = {c.id for c in seen}
    return [
        parse_call(item.call_id, item.name, item.arguments)
        for item in getattr(response, "output", None) or []
        if getattr(item, "type", None) == "function_call" and item.call_id not in known
    ]


def _usage(response: Any) -> Usage:
    usage = getattr(response, "usage", None)
    if usage is None:
        return Usage()
    return Usage(
        input_tokens=usage.input_tokens or 0, output_tokens=usage.output_tokens or 0, reported=True
    )


def _stop_reason(response: Any, calls: list[ToolCall]) -> str:
    if getattr(response, "status", None) == "incomplete":
        details = getattr(response, "incomplete_details", None)
        return str(getattr(details, "reason", None) or "incomplete")
    return "tool_calls" if calls else "stop"
