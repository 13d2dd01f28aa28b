"""Gemini through the official ``google-genai`` SDK: neutral requests in, provider events out.

The only module that imports ``google.genai``. Gemini has no parallel switch, so "parallel off" becomes an
instruction in the system prompt; calls arrive whole, each is announced as its chunk arrives; the model
Content is kept verbatim (thought signatures included) so it can be echoed unchanged; and every SDK or
transport failure becomes a :class:`ProviderError` with one readable line (transport failures named by
how far the stream had got).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from workbench.core.capabilities import Endpoint, row_for
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
from workbench.providers._shared import mode_without_tools, one_line, wire_name
from workbench.providers._transport import Peer, failure_of, transport_error

try:
    import httpx2
    from google import genai
    from google.genai import errors as genai_errors
    from google.genai import types
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ProviderError(
        "config",
        "the google-genai package is not installed: pip install google-genai",
        provider="gemini",
    ) from exc

NAME = "gemini"
ONE_CALL_INSTRUCTION = (
    "Call at most one function per response; wait for its result before calling the next."
)
"""Appended to the system instruction when parallel emission is off (Gemini has no switch for it)."""
_GENERATED_ID = "generated_id"
_MISSING_RESULT = "This call was not run (the turn ended before it finished)."


class GeminiProvider:
    """A :class:`workbench.core.provider.Provider` for the Gemini API (``streamGenerateContent``)."""

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
        retry_initial_delay_s: float = 0.5,
    ) -> None:
        self._model = model
        self._row = row_for("gemini", endpoint)
        self._base_url = base_url
        self._eager = eager_dispatch
        self._max_retries = max_retries
        self._timeout_s = timeout_s
        self._call_counter = 0
        # google-genai never retries unless told to; this gives 429/5xx the same treatment as the
        # other SDKs (max_retries extra attempts, exponential backoff).
        retry = types.HttpRetryOptions(
            attempts=max_retries + 1,
            initial_delay=retry_initial_delay_s,
            max_delay=max(8.0, retry_initial_delay_s),
            exp_base=2.0,
            jitter=retry_initial_delay_s / 2,
        )
        options = types.HttpOptions(timeout=int(timeout_s * 1000), retry_options=retry)
        if base_url is not None:
            # The SDK's default api_version is v1; the emulator and most proxies serve v1beta too.
            options.base_url = base_url
            options.api_version = "v1beta"
        # Held for the provider's life: a Client that is garbage-collected mid-stream closes itself.
        self._client = genai.Client(api_key=api_key, http_options=options)

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
        if not request.emission.parallel and request.tools and mode != "NONE":
            warnings.append(
                "Gemini has no switch for parallel function calls: with parallel off, workbench adds "
                f'"{ONE_CALL_INSTRUCTION}" to the system instruction. The model may still send several '
                "calls; all of them are run."
            )
        return warnings + mode_without_tools(request)

    async def aclose(self) -> None:
        await self._client.aio.aclose()

    def config(self, request: ModelRequest) -> types.GenerateContentConfig:
        """The request config: declarations only, the SDK's automatic function calling off."""
        system = request.system
        if (
            request.tools
            and not request.emission.parallel
            and request.emission.function_calling_mode != "NONE"
        ):
            system = f"{system}\n\n{ONE_CALL_INSTRUCTION}" if system else ONE_CALL_INSTRUCTION
        config = types.GenerateContentConfig(
            max_output_tokens=request.max_tokens,
            automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
        )
        if system:
            config.system_instruction = system
        if request.tools:
            config.tools = [
                types.Tool(function_declarations=[_declaration(t) for t in request.tools])
            ]
            config.tool_config = types.ToolConfig(
                function_calling_config=types.FunctionCallingConfig(
                    mode=types.FunctionCallingConfigMode(request.emission.function_calling_mode)
                )
            )
        return config

    async def stream(self, request: ModelRequest) -> AsyncIterator[ProviderEvent]:
        state = _StreamState(self._next_call_id)
        try:
            chunks = await self._client.aio.models.generate_content_stream(
                model=self._model,
                contents=to_gemini_contents(request.messages),
                config=self.config(request),
            )
            try:
                async for chunk in chunks:
                    state.chunks += 1
                    for out in state.feed(chunk):
                        if isinstance(out, CallReady) and not self._eager:
                            continue
                        yield out
            finally:
                # Close the SDK's generator (and its HTTP response) even when our caller stops early.
                aclose = getattr(chunks, "aclose", None)
                if aclose is not None:
                    await aclose()
        except genai_errors.APIError as exc:
            await _close_response(exc)
            raise self._api_error(exc, mid_stream=state.chunks > 0) from exc
        except genai_errors.UnknownApiResponseError as exc:
            raise self._error(
                "stream", f"Gemini sent a stream the SDK could not parse: {exc}"
            ) from exc
        except httpx2.HTTPError as exc:
            raise self._failure(exc, events=state.chunks) from exc
        yield state.complete()

    def _next_call_id(self) -> str:
        self._call_counter += 1
        return f"gemini_call_{self._call_counter}"

    def _error(
        self, kind: ProviderErrorKind, message: str, status: int | None = None
    ) -> ProviderError:
        return ProviderError(kind, one_line(message), status=status, provider=NAME)

    def _failure(self, exc: BaseException, *, events: int) -> ProviderError:
        failure = failure_of(exc)
        if failure is None:
            return self._error("stream", f"Gemini: {type(exc).__name__}: {exc}")
        peer = Peer(
            NAME,
            "Gemini",
            self._base_url or "the Gemini API",
            self._timeout_s,
            self._max_retries + 1,
        )
        return transport_error(failure, events=events, peer=peer, exc=exc)

    def _api_error(self, exc: genai_errors.APIError, *, mid_stream: bool) -> ProviderError:
        code = int(exc.code) if isinstance(exc.code, int) else 0
        detail = one_line(str(exc.message or exc.status or ""))
        suffix = f": {detail}" if detail else ""
        attempts = (
            f" after {self._max_retries + 1} attempts" if code in (429, 500, 502, 503, 504) else ""
        )
        if mid_stream:
            kind: ProviderErrorKind = "server" if code >= 500 else "stream"
            return self._error(kind, f"Gemini reported an error mid-stream ({code}){suffix}", code)
        if code in (401, 403) or (code == 400 and "api key" in detail.lower()):
            return self._error(
                "auth", f"Gemini rejected the API key ({code}): check GEMINI_API_KEY", code
            )
        if code == 404:
            return self._error(
                "not_found", f"model '{self._model}' was not found (404){suffix}", code
            )
        if code == 429:
            return self._error(
                "rate_limit",
                f"rate limited (429){attempts}; try again later or lower max_concurrent_tools",
                code,
            )
        if code >= 500:
            return self._error("server", f"Gemini server error ({code}){attempts}{suffix}", code)
        if 400 <= code < 500:
            return self._error("bad_request", f"Gemini rejected the request ({code}){suffix}", code)
        return self._error("stream", f"Gemini error ({code}){suffix}", code or None)


async def _close_response(exc: genai_errors.APIError) -> None:
    # After an in-stream error chunk the SDK leaves the HTTP response open (even after the client's
    # aclose), and asyncio prints a traceback at exit unless it is closed here.
    stream = getattr(getattr(exc, "response", None), "response_stream", None)
    if isinstance(stream, httpx2.Response):
        await stream.aclose()


def _declaration(spec: ToolSpec) -> types.FunctionDeclaration:
    return types.FunctionDeclaration(
        name=spec.name, description=spec.description, parameters_json_schema=spec.parameters
    )


def to_gemini_contents(messages: list[Message]) -> list[types.Content]:
    """Neutral history to Gemini Contents: the model turns verbatim, results in one user Content."""
    out: list[dict[str, Any]] = []
    pending: list[ToolCall] = []

    def add(role: str, parts: list[dict[str, Any]]) -> None:
        if not parts:
            return
        if out and out[-1]["role"] == role:
            out[-1]["parts"].extend(parts)  # Gemini wants user and model turns to alternate
        else:
            out.append({"role": role, "parts": list(parts)})

    def answer(results: list[ToolResult]) -> None:
        by_id = {r.call_id: r for r in results}
        parts = [
            _function_response(None if _is_generated(c) else c.id, c.name, by_id.pop(c.id, None))
            for c in pending
        ]
        pending.clear()
        # A result that answers no call is sent as is: the API, not workbench, should refuse it.
        parts += [_function_response(r.call_id, r.name, r) for r in by_id.values()]
        add("user", parts)

    for message in messages:
        match message:
            case UserMessage():
                answer([])
                if message.content:
                    add("user", [{"text": message.content}])
            case AssistantMessage():
                answer([])
                add("model", _model_parts(message))
                pending.extend(message.tool_calls)
            case ToolResultsMessage():
                answer(message.results)
    answer([])
    # Through JSON so base64 thought signatures become bytes again, exactly as the SDK read them.
    return [types.Content.model_validate_json(json.dumps(content)) for content in out]


def _model_parts(message: AssistantMessage) -> list[dict[str, Any]]:
    data = message.provider_data or {}
    content = data.get("content")
    if isinstance(content, dict) and isinstance(content.get("parts"), list):
        return [dict(part) for part in content["parts"]]  # echoed unchanged, signatures included
    parts: list[dict[str, Any]] = []
    if message.text:
        parts.append({"text": message.text})
    for call in message.tool_calls:
        fc: dict[str, Any] = {"name": call.name, "args": call.arguments or {}}
        if not _is_generated(call):
            fc["id"] = call.id
        parts.append({"function_call": fc})
    return parts


def _function_response(call_id: str | None, name: str, result: ToolResult | None) -> dict[str, Any]:
    if result is None:
        response: dict[str, Any] = {"error": _MISSING_RESULT}
    elif result.is_error:
        response = {"error": result.content}
    else:
        response = {"output": result.content}
    fr: dict[str, Any] = {"name": name, "response": response}
    if call_id is not None:
        fr["id"] = call_id  # only an id the API gave; never one workbench made up
    return {"function_response": fr}


def _is_generated(call: ToolCall) -> bool:
    return bool(call.provider_data and call.provider_data.get(_GENERATED_ID))


@dataclass
class _StreamState:
    """Assembles one streamed response from GenerateContentResponse chunks."""

    new_id: Callable[[], str]
    parts: list[dict[str, Any]] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    calls: list[ToolCall] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    finish_reason: str = "stop"
    chunks: int = 0
    response_id: str | None = None
    response_model: str | None = None

    def feed(self, chunk: types.GenerateContentResponse) -> list[ProviderEvent]:
        self.response_id = self.response_id or wire_name(chunk.response_id)
        self.response_model = self.response_model or wire_name(chunk.model_version)
        meta = chunk.usage_metadata
        if meta is not None:
            # A running total on every chunk: keep the last one, never sum.
            self.usage = Usage(
                input_tokens=meta.prompt_token_count or 0,
                output_tokens=(meta.candidates_token_count or 0) + (meta.thoughts_token_count or 0),
                reported=True,
            )
        if not chunk.candidates:
            return []
        candidate = chunk.candidates[0]
        if candidate.finish_reason is not None:
            self.finish_reason = str(candidate.finish_reason.value).lower()
        if candidate.content is None or not candidate.content.parts:
            return []
        events: list[ProviderEvent] = []
        for part in candidate.content.parts:
            self._keep(part)
            if part.function_call is not None:
                call = self._call(part.function_call)
                self.calls.append(call)
                events.append(CallReady(call))
            elif part.text and not part.thought:
                self.text.append(part.text)
                events.append(TextChunk(part.text))
        return events

    def _call(self, fc: types.FunctionCall) -> ToolCall:
        name = fc.name or ""
        if fc.id:
            return ToolCall(id=fc.id, name=name, arguments=dict(fc.args or {}))
        return ToolCall(
            id=self.new_id(),
            name=name,
            arguments=dict(fc.args or {}),
            provider_data={_GENERATED_ID: True},
        )

    def _keep(self, part: types.Part) -> None:
        data = part.model_dump(mode="json", exclude_none=True)  # signatures as base64 strings
        last = self.parts[-1] if self.parts else None
        # Streamed text arrives as many small parts; join runs of them (as the SDK's chat history
        # does) while keeping any signature, which may come on the last, empty, text part.
        if (
            last is not None
            and set(data) <= {"text", "thought", "thought_signature"}
            and "text" in data
            and set(last) <= {"text", "thought", "thought_signature"}
            and "text" in last
            and "thought_signature" not in last
            and bool(last.get("thought")) == bool(data.get("thought"))
        ):
            last["text"] += data["text"]
            if "thought_signature" in data:
                last["thought_signature"] = data["thought_signature"]
            return
        self.parts.append(data)

    def complete(self) -> ResponseComplete:
        message = AssistantMessage(
            text="".join(self.text),
            tool_calls=list(self.calls),
            provider_data={"content": {"role": "model", "parts": self.parts}},
        )
        return ResponseComplete(
            message=message,
            usage=self.usage,
            stop_reason=self.finish_reason,
            response_id=self.response_id,
            response_model=self.response_model,
        )
