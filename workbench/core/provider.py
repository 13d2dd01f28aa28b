"""The contract between the agent loop and a model provider.

A provider turns a neutral :class:`ModelRequest` into a stream of :class:`ProviderEvent`. Adapters for
vendor SDKs live in ``workbench.providers``, one file each; the core only sees this protocol.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

from workbench.core.messages import AssistantMessage, Message, ToolCall, ToolSpec, Usage
from workbench.core.settings import EmissionSettings


@dataclass(frozen=True, slots=True)
class ModelRequest:
    """One request to the model: everything an adapter needs to build its vendor's call, in neutral
    types. The loop builds one per round trip; the adapter must not keep it past the stream."""

    system: str
    """The system prompt, sent the vendor's way (a system message, ``system=``, an instruction)."""
    messages: list[Message]
    """The conversation so far, oldest first: user turns, assistant responses, tool results."""
    tools: list[ToolSpec]
    """The tools the model is offered, with their JSON schemas (in strict form when
    ``emission.strict`` is on and the provider takes it)."""
    emission: EmissionSettings
    """What the model may request in this response: parallel calls, function-calling mode, strict
    schemas. Fixed for the request: a live change applies from the next one."""
    max_tokens: int = 4096
    """Most tokens the model may generate in this response (each endpoint's own field carries it)."""


@dataclass(frozen=True, slots=True)
class TextChunk:
    """A piece of the assistant's text, as it streams."""

    text: str


@dataclass(frozen=True, slots=True)
class CallReady:
    """A call whose arguments are complete; the loop may start it while the stream goes on."""

    call: ToolCall
    eager: bool = True
    """False when the call is announced at the response's end (Chat Completions' finish_reason),
    so its batch is not marked as started eagerly."""


@dataclass(frozen=True, slots=True)
class ResponseComplete:
    """The end of one model response. ``message.tool_calls`` lists every call, in order."""

    message: AssistantMessage
    usage: Usage = field(default_factory=Usage)
    """``Usage()`` (not reported) when the provider sent none."""
    stop_reason: str = "stop"
    response_id: str | None = None
    """The provider's id for this response, when it sent one."""
    response_model: str | None = None
    """The model the provider says answered (often a dated version of the one asked for)."""


ProviderEvent = TextChunk | CallReady | ResponseComplete


@dataclass(frozen=True, slots=True)
class ProviderCapabilities:
    """What a provider's API can do with the knobs, as the adapter reports it; derived from the
    capability table's row (:meth:`workbench.core.capabilities.ProviderRow.capabilities`), so the
    knobs bar, the profile warnings and the adapter cannot disagree."""

    parallel_knob: str | None
    """The provider's own name for the parallel-emission switch, or None where it has none."""
    parallel_note: str = ""
    """Why the knob is missing or what it really does, shown wherever the knob is."""
    eager_dispatch: bool = False
    """Whether calls are announced (``CallReady``) before the response ends."""
    supports_function_calling_mode: bool = False
    """Whether AUTO/ANY/NONE map onto a real API parameter."""


@runtime_checkable
class Provider(Protocol):
    """A model that streams responses for neutral requests."""

    @property
    def name(self) -> str:
        """The provider type, e.g. ``openai-chat``."""
        ...

    @property
    def model(self) -> str: ...

    @property
    def capabilities(self) -> ProviderCapabilities: ...

    def stream(self, request: ModelRequest) -> AsyncIterator[ProviderEvent]:
        """Stream one response. Raises :class:`ProviderError` for anything that went wrong."""
        ...

    async def aclose(self) -> None: ...


@runtime_checkable
class SupportsPreflight(Protocol):
    """Optional: a provider that can warn, in plain words, about knob combinations before sending."""

    def preflight(self, request: ModelRequest) -> list[str]: ...


ProviderErrorKind = Literal[
    "config",
    "auth",
    "not_found",
    "bad_request",
    "rate_limit",
    "server",
    "connection",
    "timeout",
    "stream",
]


class ProviderError(Exception):
    """A failure talking to a model, with a one-line message a user understands."""

    def __init__(
        self,
        kind: ProviderErrorKind,
        message: str,
        *,
        status: int | None = None,
        provider: str | None = None,
    ) -> None:
        super().__init__(message)
        self.kind: ProviderErrorKind = kind
        self.message = message
        self.status = status
        self.provider = provider

    def __str__(self) -> str:
        return self.message
