"""The two independent layers of parallelism, as neutral settings the loop and executor read.

Emission settings say what the model may request in one response; execution settings say how the calls
that arrived are run. Both are frozen snapshots: a live change replaces the snapshot, and it applies from
the next model request (emission) or the next batch (execution).

A live knob's bounds and choices are declared here once; :data:`workbench.core.knobs.TABLE` reads them
for every surface that offers the knob (slash commands, CLI flags, variants, the knobs bar).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

FunctionCallingMode = Literal["AUTO", "ANY", "NONE"]
FaultPreset = Literal["slow", "flaky", "hang", "off"]
StrictParallel = Literal["warn", "serialize"]


class EmissionSettings(BaseModel):
    """What the model may request in one response."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    parallel: bool = True
    """Whether the model may emit several tool calls in one response (each provider has its own knob)."""
    function_calling_mode: FunctionCallingMode = "AUTO"
    """AUTO: the model decides; ANY: at least one call; NONE: no calls."""
    strict: bool = False
    """Tool schemas are sent in strict form (``strict_tools``; only where the API takes it)."""
    strict_parallel: StrictParallel = "warn"
    """With strict and parallel both on: ``warn`` sends both, ``serialize`` sends parallel off."""

    @property
    def serialized(self) -> bool:
        """Whether strict schemas turn parallel emission off on the wire (strict_parallel: serialize)."""
        return self.strict and self.parallel and self.strict_parallel == "serialize"

    @property
    def wire_parallel(self) -> bool:
        """The parallel switch as sent: off when strict_parallel serializes."""
        return self.parallel and not self.serialized


class Fault(BaseModel):
    """Fault injection for one tool, applied by the executor around the real call."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    latency_ms: float | tuple[float, float] | None = None
    """Added latency: a fixed number of milliseconds, or a [low, high] range drawn uniformly."""
    failure_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    """Probability that a call fails with an injected error instead of running."""
    hang: bool = False
    """The call never returns (until the per-call timeout or a cancellation)."""

    @model_validator(mode="after")
    def _check_range(self) -> Fault:
        if isinstance(self.latency_ms, tuple):
            low, high = self.latency_ms
            if low < 0 or high < low:
                raise ValueError("latency_ms range must be [low, high] with 0 <= low <= high")
        elif self.latency_ms is not None and self.latency_ms < 0:
            raise ValueError("latency_ms must be >= 0")
        return self

    @property
    def active(self) -> bool:
        return self.hang or self.failure_rate > 0 or self.latency_ms is not None

    @classmethod
    def preset(cls, name: FaultPreset) -> Fault | None:
        """The quick switches the TUI and ``/fault`` offer."""
        match name:
            case "slow":
                return cls(latency_ms=(1000.0, 2500.0))
            case "flaky":
                return cls(failure_rate=0.5)
            case "hang":
                return cls(hang=True)
            case "off":
                return None


class ExecutionSettings(BaseModel):
    """How a batch of calls that arrived is executed locally."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    concurrent: bool = True
    """Run the calls of a batch concurrently (``concurrent_tool_execution``)."""
    max_concurrent: int = Field(default=10, ge=1, le=10_000)
    """Cap on calls running at once (``max_concurrent_tools``); ignored when not concurrent."""
    timeout_s: float | None = Field(default=30.0, gt=0)
    """Per-call timeout in seconds (``tool_timeout_s``); None waits forever."""
    retries: int = Field(default=0, ge=0, le=10)
    """Extra attempts for a call whose tool raised (not for bad arguments or unknown tools)."""
    retry_backoff_s: float = Field(default=0.5, ge=0)
    """Delay before the first retry; doubled for each further one."""
    retry_on_timeout: bool = False
    """Whether a timed-out attempt is retried too."""
    faults: dict[str, Fault] = Field(default_factory=dict)
    """Per-tool fault injection, by tool name."""
    seed: int | None = None
    """Seed for injected failures and latency ranges, for reproducible demos."""

    @property
    def cap(self) -> int:
        """How many calls may run at once under these settings."""
        return self.max_concurrent if self.concurrent else 1


class RunSettings(BaseModel):
    """Both layers together: the live knobs of a session."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    emission: EmissionSettings = Field(default_factory=EmissionSettings)
    execution: ExecutionSettings = Field(default_factory=ExecutionSettings)

    @classmethod
    def defaults(cls) -> RunSettings:
        """The defaults, equal to ``RunSettings()`` but built without validating (defaults need
        none): the app shows them before its first frame, which then builds no pydantic schema."""
        return cls.model_construct(
            emission=EmissionSettings.model_construct(),
            execution=ExecutionSettings.model_construct(),
        )
