"""Typed events: the one stream the CLI, the TUI, the recorder and replay all consume.

Every event has ``type`` and ``t`` (seconds since the session started, monotonic). Tool-call events also
carry ``batch_id``, ``call_id``, ``tool`` and ``args``. One batch is the calls of one model response.
The union is discriminated on ``type`` and round-trips through JSON with :data:`EVENT_ADAPTER`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from workbench.core.messages import CallStatus, Usage
from workbench.core.settings import EmissionSettings, ExecutionSettings, RunSettings
from workbench.core.trusted import TrustedModel

TurnStatus = Literal["completed", "cancelled", "error", "max_turns"]


class _Event(TrustedModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    t: float
    """Seconds since the session started."""


class SettingsChanged(_Event):
    """The user changed a knob; it applies from the next model request or batch."""

    type: Literal["settings_changed"] = "settings_changed"
    changes: dict[str, Any]
    """What changed, as ``{"execution.max_concurrent": 2}``."""
    settings: RunSettings
    """The settings in force after the change."""
    source: str = "user"
    note: str = ""
    """Why part of the change has no effect on this provider (a knob it ignores), in one line; the
    ignored part is not in ``changes``."""


class TurnStarted(_Event):
    type: Literal["turn_started"] = "turn_started"
    turn: int
    prompt: str


class ModelRequestStarted(_Event):
    """A request to the model is sent: one round trip begins."""

    type: Literal["model_request_started"] = "model_request_started"
    turn: int
    round_trip: int
    """1 for the first request of the session, and so on."""
    provider: str
    model: str
    emission: EmissionSettings


class TextDelta(_Event):
    type: Literal["text_delta"] = "text_delta"
    turn: int
    text: str


class ToolCallEmitted(_Event):
    """The model emitted a call (its arguments are complete)."""

    type: Literal["tool_call_emitted"] = "tool_call_emitted"
    turn: int
    batch_id: str
    call_id: str
    tool: str
    args: dict[str, Any] | None
    index: int
    """Position of the call in its model response."""


class ModelResponseFinished(_Event):
    type: Literal["model_response_finished"] = "model_response_finished"
    turn: int
    round_trip: int
    batch_id: str | None
    """The batch the response's calls form, or None when it had none."""
    calls: int
    usage: Usage
    duration_s: float
    stop_reason: str
    response_id: str | None = None
    """The provider's id for the response; None when it sent none (or the file predates it)."""
    response_model: str | None = None
    """The model the provider says answered; None when it did not say (or the file predates it)."""


class BatchStarted(_Event):
    type: Literal["batch_started"] = "batch_started"
    turn: int
    batch_id: str
    settings: ExecutionSettings
    """The execution settings the whole batch runs under."""
    eager: bool = False
    """Calls start as they stream in, before the model response has ended."""


class CallQueued(_Event):
    type: Literal["call_queued"] = "call_queued"
    batch_id: str
    call_id: str
    tool: str
    args: dict[str, Any] | None
    index: int


class CallStarted(_Event):
    type: Literal["call_started"] = "call_started"
    batch_id: str
    call_id: str
    tool: str
    args: dict[str, Any] | None
    attempt: int = 1


class CallRetrying(_Event):
    """An attempt failed and the call will be tried again after ``delay_s``."""

    type: Literal["call_retrying"] = "call_retrying"
    batch_id: str
    call_id: str
    tool: str
    args: dict[str, Any] | None
    attempt: int
    error: str
    delay_s: float


class CallFinished(_Event):
    type: Literal["call_finished"] = "call_finished"
    batch_id: str
    call_id: str
    tool: str
    args: dict[str, Any] | None
    status: CallStatus
    result: str
    """What the model is sent (the tool output, or the worded error)."""
    error: str | None = None
    attempts: int = 1
    queued_t: float
    started_t: float | None
    """None when the call never got a slot (cancelled or refused before running)."""
    finished_t: float


class BatchStats(TrustedModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    calls: int
    wall_s: float
    """From the first call queued to the last call finished."""
    sum_s: float
    """Sum of the calls' run times (excluding time waiting for a slot)."""
    speedup: float
    """sum_s / wall_s: how much running concurrently saved."""
    peak_concurrency: int
    wait_s: float
    """Total time calls spent waiting for a slot: counted for the calls queued while every slot
    was taken (the moment a fresh worker takes to pick a call up is not waiting)."""
    ok: int
    errors: int
    timeouts: int
    cancelled: int

    @property
    def failures(self) -> int:
        return self.errors + self.timeouts + self.cancelled


class BatchFinished(_Event):
    type: Literal["batch_finished"] = "batch_finished"
    turn: int
    batch_id: str
    stats: BatchStats


class TurnStats(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    round_trips: int
    model_time_s: float
    tool_time_s: float
    """Wall time spent with at least one batch running."""
    wall_s: float
    batches: int
    calls: int
    usage: Usage


class TurnFinished(_Event):
    type: Literal["turn_finished"] = "turn_finished"
    turn: int
    status: TurnStatus
    text: str
    """The final answer (empty when the turn did not complete)."""
    stats: TurnStats


class Notice(_Event):
    """Something the user should know that is not a failure (a knob that does not apply, say)."""

    type: Literal["notice"] = "notice"
    turn: int | None
    level: Literal["info", "warning"] = "warning"
    message: str


class ErrorEvent(_Event):
    """Something failed at run time (a provider error, say); the session goes on."""

    type: Literal["error"] = "error"
    turn: int | None
    kind: str
    message: str


Event = Annotated[
    SettingsChanged
    | TurnStarted
    | ModelRequestStarted
    | TextDelta
    | ToolCallEmitted
    | ModelResponseFinished
    | BatchStarted
    | CallQueued
    | CallStarted
    | CallRetrying
    | CallFinished
    | BatchFinished
    | TurnFinished
    | Notice
    | ErrorEvent,
    Field(discriminator="type"),
]
EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event, config=ConfigDict(defer_build=True))
