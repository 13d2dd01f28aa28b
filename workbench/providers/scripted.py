"""The scripted model ``local``: a deterministic, network-free provider with realistic pacing.

It answers with :func:`~workbench.scripted.plan.plan_response` and streams like a real model:
time to first token, text a few words at a time, then each call announced once its JSON would have
streamed, so eager dispatch starts early calls while later ones are still arriving. Timing uses an
injectable clock and sleep; ``ttft_s=0`` with ``tokens_per_s=0`` never sleeps at all.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Awaitable, Callable

from workbench.core.capabilities import row_for
from workbench.core.messages import AssistantMessage, ToolCall, Usage
from workbench.core.provider import (
    CallReady,
    ModelRequest,
    ProviderCapabilities,
    ProviderEvent,
    ResponseComplete,
    TextChunk,
)
from workbench.scripted.plan import (
    PlannedResponse,
    call_ids,
    call_json,
    estimate_tokens,
    estimate_usage,
    plan_response,
    split_text,
)

CAPABILITIES = row_for("scripted").capabilities(eager_dispatch=True)


class ScriptedProvider:
    """Implements :class:`workbench.core.provider.Provider` without any network."""

    def __init__(
        self,
        *,
        model: str = "scripted",
        ttft_s: float = 0.25,
        tokens_per_s: float = 120.0,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """``clock``: seconds on the clock the stream is paced by; ``time.monotonic`` (the session
        clock's), as it is when the provider is made, by default."""
        if ttft_s < 0:
            raise ValueError(f"ttft_s must be >= 0, got {ttft_s}")
        if tokens_per_s < 0:
            raise ValueError(f"tokens_per_s must be >= 0 (0 means instant), got {tokens_per_s}")
        self._model = model
        self._ttft_s = ttft_s
        self._tokens_per_s = tokens_per_s
        self._clock = clock if clock is not None else time.monotonic
        self._sleep = sleep

    @property
    def name(self) -> str:
        return "scripted"

    @property
    def model(self) -> str:
        return self._model

    @property
    def capabilities(self) -> ProviderCapabilities:
        return CAPABILITIES

    async def stream(self, request: ModelRequest) -> AsyncGenerator[ProviderEvent, None]:
        # Planning a response to a prompt of a thousand calls, or summing up a thousand results,
        # takes 10-20 ms of CPU: in a thread, so the event loop (the app's drawing, a batch's
        # timers) keeps its turns meanwhile.
        planned, usage = await asyncio.to_thread(_plan, request)
        ids = call_ids(request.messages, len(planned.calls))
        calls = [
            ToolCall(id=call_id, name=call.name, arguments=dict(call.arguments))
            for call_id, call in zip(ids, planned.calls, strict=True)
        ]
        # Deadlines are offsets from the start, so slow consumers do not stretch the total.
        start = self._clock()
        offset = self._ttft_s
        await self._wait_until(start + offset)
        for piece in split_text(planned.text):
            offset += self._stream_time(len(piece))
            await self._wait_until(start + offset)
            yield TextChunk(piece)
        for planned_call, call in zip(planned.calls, calls, strict=True):
            offset += self._stream_time(len(call_json(planned_call)))
            await self._wait_until(start + offset)
            yield CallReady(call)
        yield ResponseComplete(
            message=AssistantMessage(text=planned.text, tool_calls=calls),
            usage=usage,
            stop_reason="tool_use" if calls else "stop",
        )

    async def aclose(self) -> None:
        """Nothing to release: the scripted model holds no connections."""

    def _stream_time(self, chars: int) -> float:
        if self._tokens_per_s == 0:
            return 0.0
        return estimate_tokens(chars) / self._tokens_per_s

    async def _wait_until(self, deadline: float) -> None:
        delay = deadline - self._clock()
        if delay > 0:
            await self._sleep(delay)


def _plan(request: ModelRequest) -> tuple[PlannedResponse, Usage]:
    planned = plan_response(request.system, request.messages, request.tools, request.emission)
    return planned, estimate_usage(request.system, request.messages, request.tools, planned)
