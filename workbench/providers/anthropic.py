"""Claude through the official ``anthropic`` SDK: neutral requests in, provider events out.

The only module that imports ``anthropic``. It maps the emission knobs onto ``tool_choice``, streams the
raw Messages events (the stream helper raises on malformed tool JSON; we want to pass it on), announces
each tool call at its ``content_block_stop``, and turns every SDK or transport failure into a
:class:`ProviderError` with one readable line (transport failures named by how far the stream had got).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, cast

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
    ProviderErrorKind,
    ProviderEvent,
    ResponseComplete,
    TextChunk,
)
from workbench.core.settings import EmissionSettings
from workbench.providers._shared import mode_without_tools, one_line, parse_call, wire_name
from workbench.providers._transport import Peer, failure_of, transport_error

try:
    import anthropic
    import httpx2
    from anthropic.types import (
        InputJSONDelta,
        MessageParam,
        RawContentBlockDeltaEvent,
        RawContentBlockStartEvent,
        RawContentBlockStopEvent,
        RawMessageDeltaEvent,
        RawMessageStartEvent,
        RawMessageStopEvent,
        RedactedThinkingBlock,
        SignatureDelta,
        TextBlock,
        TextDelta,
        ThinkingBlock,
        ThinkingDelta,
        ToolChoiceParam,
        ToolParam,
        ToolUseBlock,
    )
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ProviderError(
        "config",
        "the anthropic package is not installed: pip install anthropic",
        provider="anthropic",
    ) from exc

NAME = "anthropic"
_CONNECT_TIMEOUT_S = 5.0
_MISSING_RESULT = "This call was not run (the turn ended before it finished)."


class AnthropicProvider:
    """A :class:`workbench.core.provider.Provider` for the Claude Messages API."""

    def __init__(
        self,
        *,
        model: str,
        api_key: str,
        base_url: str | None = None,
        eager_dispatch: bool = True,
        endpoint: Endpoint | None = None,
        thinking_budget_tokens: int | None = None,
        max_retries: int = 2,
        timeout_s: float = 120.0,
    ) -> None:
        self._model = model
        self._base_url = base_url
        self._row = row_for("anthropic", endpoint or infer_endpoint("anthropic", base_url))
        self._thinking = thinking_budget_tokens
        self._eager = eager_dispatch
        self._max_retries = max_retries
        self._timeout_s = timeout_s
        self._client = anthropic.AsyncAnthropic(
            api_key=api_key,
            base_url=base_url,
            max_retries=max_retries,
            timeout=httpx2.Timeout(timeout_s, connect=_CONNECT_TIMEOUT_S),
        )

    @property
    def name(self) -> str:
        return NAME

    @property
    def model(self) -> str:
        return self._model

    @property
    def capabilities(self) -> ProviderCapabilities:
        return self._row.capabilities(eager_dispatch=self._eager)

    def preflight(self, request: ModelRequest) -> list[str]:
        warnings: list[str] = []
        mode = request.emission.function_calling_mode
        if mode == "NONE" and not request.emission.parallel:
            warnings.append(
                "Claude's tool_choice none allows no tool calls at all, so the parallel switch "
                "(disable_parallel_tool_use) does not apply and is not sent."
            )
        if mode == "ANY" and not request.emission.parallel:
            warnings.append(
                "With mode ANY and parallel off, Claude must call exactly one tool in every response: "
                "it cannot answer in plain text until the mode changes."
            )
        refusal = self._row.refusal("parallel")
        if refusal is not None and not request.emission.parallel and request.tools:
            warnings.append(f"Parallel off is not sent: {refusal}.")
        if request.emission.strict:
            warnings.append(f"Strict schemas are not sent: {self._row.rule('strict').reason}.")
        return warnings + mode_without_tools(request)

    def _refusal(self, request: ModelRequest) -> str | None:
        """What the API would refuse with a 400, checked before the request is sent."""
        if (
            self._thinking is not None
            and request.tools
            and request.emission.function_calling_mode == "ANY"
        ):
            return (
                "mode ANY is refused while extended thinking is on: Claude answers "
                "'Thinking may not be enabled when tool_choice forces tool use'"
            )
        return None

    async def aclose(self) -> None:
        await self._client.close()

    async def stream(self, request: ModelRequest) -> AsyncIterator[ProviderEvent]:
        kwargs: dict[str, Any] = {}
        if request.system:
            kwargs["system"] = request.system
        refusal = self._refusal(request)
        if refusal is not None:
            raise self._error("bad_request", refusal)
        if request.tools:
            kwargs["tools"] = [_tool_param(spec) for spec in request.tools]
            kwargs["tool_choice"] = tool_choice(
                request.emission, parallel_switch=self._row.sends("parallel")
            )
        if self._thinking is not None:
            kwargs["thinking"] = {"type": "enabled", "budget_tokens": self._thinking}
        state = _StreamState()
        received = 0
        try:
            async with await self._client.messages.create(
                model=self._model,
                max_tokens=request.max_tokens,
                messages=to_anthropic_messages(request.messages),
                stream=True,
                **kwargs,
            ) as events:
                async for event in events:
                    received += 1
                    for out in state.feed(event):
                        if isinstance(out, CallReady) and not self._eager:
                            continue
                        yield out
        except anthropic.APIStatusError as exc:
            raise self._status_error(exc) from exc
        except (anthropic.AnthropicError, httpx2.HTTPError) as exc:
            raise self._failure(exc, events=received) from exc
        if not state.stopped:
            raise self._error("stream", "the Anthropic stream ended before message_stop")
        yield state.complete()

    @property
    def _attempts(self) -> int:
        return self._max_retries + 1

    def _error(
        self, kind: ProviderErrorKind, message: str, status: int | None = None
    ) -> ProviderError:
        return ProviderError(kind, one_line(message), status=status, provider=NAME)

    def _failure(self, exc: BaseException, *, events: int) -> ProviderError:
        failure = failure_of(
            exc, timeouts=(anthropic.APITimeoutError,), broken=(anthropic.APIConnectionError,)
        )
        if failure is None:
            return self._error("stream", f"Anthropic SDK error: {one_line(str(exc))}")
        peer = Peer(
            NAME,
            "Anthropic",
            self._base_url or "the Anthropic API",
            self._timeout_s,
            self._attempts,
        )
        return transport_error(failure, events=events, peer=peer, exc=exc)

    def _status_error(self, exc: anthropic.APIStatusError) -> ProviderError:
        status = exc.status_code
        detail = one_line(exc.api_message or "")
        suffix = f": {detail}" if detail else ""
        if status == 200:
            # An `event: error` inside the stream: the SDK raises APIStatusError with the 200 of the
            # stream's status line, so the error type in the body is all there is to go on.
            err_type = str(exc.type or "error")
            msg = f"Anthropic reported {err_type} mid-stream{suffix}"
            if err_type in ("overloaded_error", "api_error"):
                return self._error("server", msg)
            if err_type == "rate_limit_error":
                return self._error("rate_limit", msg)
            return self._error("stream", msg)
        if status in (401, 403):
            return self._error(
                "auth",
                f"Anthropic rejected the API key ({status}): check ANTHROPIC_API_KEY",
                status,
            )
        if status == 404:
            return self._error(
                "not_found", f"model '{self._model}' was not found (404){suffix}", status
            )
        if status == 429:
            return self._error(
                "rate_limit",
                f"rate limited (429) after {self._attempts} attempts; "
                "try again later or lower max_concurrent_tools",
                status,
            )
        if status >= 500:
            label = f"{status} overloaded" if status == 529 else str(status)
            return self._error(
                "server",
                f"Anthropic server error ({label}) after {self._attempts} attempts{suffix}",
                status,
            )
        return self._error(
            "bad_request", f"Anthropic rejected the request ({status}){suffix}", status
        )


def tool_choice(emission: EmissionSettings, *, parallel_switch: bool = True) -> ToolChoiceParam:
    """The ``tool_choice`` for the emission knobs. ``none`` takes no parallel switch, and neither
    does an endpoint that rejects the key (Claude on Bedrock and Vertex: ``parallel_switch`` False)."""
    disable = not emission.parallel
    match emission.function_calling_mode:
        case "AUTO":
            if not parallel_switch:
                return {"type": "auto"}
            return {"type": "auto", "disable_parallel_tool_use": disable}
        case "ANY":
            if not parallel_switch:
                return {"type": "any"}
            return {"type": "any", "disable_parallel_tool_use": disable}
        case "NONE":
            return {"type": "none"}


def _tool_param(spec: ToolSpec) -> ToolParam:
    return cast(
        "ToolParam",
        {"name": spec.name, "description": spec.description, "input_schema": spec.parameters},
    )


def to_anthropic_messages(messages: list[Message]) -> list[MessageParam]:
    """Neutral history to Messages API turns: strictly alternating, results first in their user turn."""
    out: list[dict[str, Any]] = []
    unanswered: list[ToolCall] = []

    def add(role: str, blocks: list[dict[str, Any]]) -> None:
        if not blocks:
            return
        if out and out[-1]["role"] == role:
            out[-1]["content"].extend(blocks)  # the API requires alternation: merge
        else:
            out.append({"role": role, "content": list(blocks)})

    def settle_unanswered() -> None:
        # Every tool_use needs its tool_result in the next user turn, or the API answers 400.
        add("user", [_tool_result(c.id, _MISSING_RESULT, is_error=True) for c in unanswered])
        unanswered.clear()

    for message in messages:
        match message:
            case UserMessage():
                settle_unanswered()
                if message.content:
                    add("user", [{"type": "text", "text": message.content}])
            case AssistantMessage():
                settle_unanswered()
                add("assistant", _assistant_blocks(message))
                unanswered.extend(message.tool_calls)
            case ToolResultsMessage():
                answered = {r.call_id for r in message.results}
                blocks = [_tool_result(r.call_id, r.content, r.is_error) for r in message.results]
                blocks += [
                    _tool_result(c.id, _MISSING_RESULT, is_error=True)
                    for c in unanswered
                    if c.id not in answered
                ]
                unanswered.clear()
                add("user", blocks)
    settle_unanswered()
    return cast("list[MessageParam]", out)


def _tool_result(call_id: str, content: str, is_error: bool) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "tool_result", "tool_use_id": call_id, "content": content}
    if is_error:
        block["is_error"] = True
    return block


def _assistant_blocks(message: AssistantMessage) -> list[dict[str, Any]]:
    data = message.provider_data or {}
    content = data.get("content")
    if isinstance(content, list):
        return [dict(block) for block in content]  # the blocks as streamed, thinking included
    blocks: list[dict[str, Any]] = []
    if message.text:
        blocks.append({"type": "text", "text": message.text})
    for call in message.tool_calls:
        blocks.append(
            {"type": "tool_use", "id": call.id, "name": call.name, "input": call.arguments or {}}
        )
    return blocks


@dataclass
class _Block:
    kind: str
    id: str = ""
    name: str = ""
    parts: list[str] = field(default_factory=list)
    signature: str = ""
    data: str = ""


@dataclass
class _StreamState:
    """Assembles one streamed message from raw events."""

    blocks: dict[int, _Block] = field(default_factory=dict)
    content: list[dict[str, Any]] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    calls: list[ToolCall] = field(default_factory=list)
    input_tokens: int = 0
    output_tokens: int = 0
    usage_reported: bool = False
    response_id: str | None = None
    response_model: str | None = None
    stop_reason: str = "end_turn"
    stopped: bool = False

    def feed(self, event: object) -> list[ProviderEvent]:
        match event:
            case RawMessageStartEvent(message=message):
                self.response_id = wire_name(message.id)
                self.response_model = wire_name(message.model)
                usage = message.usage
                self.input_tokens = (
                    usage.input_tokens
                    + (usage.cache_creation_input_tokens or 0)
                    + (usage.cache_read_input_tokens or 0)
                )
                self.output_tokens = usage.output_tokens
                self.usage_reported = True
            case RawContentBlockStartEvent(index=index, content_block=block):
                self.blocks[index] = _start_block(block)
            case RawContentBlockDeltaEvent(index=index, delta=delta):
                return self._delta(self.blocks.get(index), delta)
            case RawContentBlockStopEvent(index=index):
                done = self.blocks.pop(index, None)
                return self._finish(done) if done is not None else []
            case RawMessageDeltaEvent(delta=delta, usage=usage):
                if delta.stop_reason:
                    self.stop_reason = delta.stop_reason
                self.output_tokens = usage.output_tokens  # cumulative, not a delta
                if usage.input_tokens is not None:
                    self.input_tokens = usage.input_tokens
            case RawMessageStopEvent():
                self.stopped = True
        return []

    def _delta(self, block: _Block | None, delta: object) -> list[ProviderEvent]:
        if block is None:
            return []
        match delta:
            case TextDelta(text=text):
                block.parts.append(text)
                return [TextChunk(text)] if text else []
            case InputJSONDelta(partial_json=partial):
                block.parts.append(partial)
            case ThinkingDelta(thinking=thinking):
                block.parts.append(thinking)
            case SignatureDelta(signature=signature):
                block.signature += signature
        return []

    def _finish(self, block: _Block) -> list[ProviderEvent]:
        joined = "".join(block.parts)
        match block.kind:
            case "text":
                if joined:
                    self.text.append(joined)
                    self.content.append({"type": "text", "text": joined})
            case "thinking":
                self.content.append(
                    {"type": "thinking", "thinking": joined, "signature": block.signature}
                )
            case "redacted_thinking":
                self.content.append({"type": "redacted_thinking", "data": block.data})
            case "tool_use":
                call = parse_call(block.id, block.name, joined)
                self.calls.append(call)
                self.content.append(
                    {
                        "type": "tool_use",
                        "id": call.id,
                        "name": call.name,
                        "input": call.arguments or {},
                    }
                )
                return [CallReady(call)]
        return []

    def complete(self) -> ResponseComplete:
        message = AssistantMessage(
            text="".join(self.text),
            tool_calls=list(self.calls),
            provider_data={"content": self.content},
        )
        usage = Usage(
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            reported=self.usage_reported,
        )
        return ResponseComplete(
            message=message,
            usage=usage,
            stop_reason=self.stop_reason,
            response_id=self.response_id,
            response_model=self.response_model,
        )


def _start_block(block: object) -> _Block:
    match block:
        case TextBlock(text=text):
            return _Block("text", parts=[text] if text else [])
        case ToolUseBlock(id=call_id, name=name):
            return _Block("tool_use", id=call_id, name=name)
        case ThinkingBlock(thinking=thinking, signature=signature):
            return _Block("thinking", parts=[thinking] if thinking else [], signature=signature)
        case RedactedThinkingBlock(data=data):
            return _Block("redacted_thinking", data=data)
    return _Block("other")  # server tools and the like: nothing workbench can echo or run
