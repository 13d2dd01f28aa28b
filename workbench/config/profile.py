"""The profile: one agent setup (provider, knobs, tools), as a strict, documented pydantic model.

Keys are flat and named as in MassGen (``parallel_tool_calls``, ``concurrent_tool_execution``,
``max_concurrent_tools``...) so configs read the same in both. A profile never holds a secret: the API
key is referenced by the name of an environment variable. :meth:`Profile.run_settings` maps the
vendor-flavoured knobs onto the neutral core settings.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from workbench.config.explain import explain_overrides
from workbench.config.mcp import SEPARATOR, McpServerConfig, check_unique
from workbench.core.capabilities import (
    PARALLEL_FIELDS,
    PROVIDER_TYPES,
    Endpoint,
    ProviderRow,
    ProviderType,
    infer_endpoint,
    row_for,
    strict_parallel_note,
)
from workbench.core.knobs import TABLE, Layer, field_bounds
from workbench.core.settings import (
    EmissionSettings,
    ExecutionSettings,
    Fault,
    FunctionCallingMode,
    RunSettings,
    StrictParallel,
)
from workbench.session.redact import redact_url

__all__ = ["PROVIDER_TYPES", "Profile", "ProviderType", "ScriptedOptions", "redact_url"]


DEFAULT_API_KEY_ENV: dict[str, str | None] = {
    "scripted": None,
    "openai-responses": "OPENAI_API_KEY",
    "openai-chat": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "gemini": "GEMINI_API_KEY",
}
"""Where each provider type looks for its key unless the profile names another variable."""

DEFAULT_SYSTEM_PROMPT = (
    "You are a helpful assistant that uses tools. When several tool calls do not depend on each "
    "other, request them together in one response so they can run at the same time; when a call "
    "needs another call's result, wait for that result first. Answer briefly once you have what "
    "you need."
)

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_KEY_LIKE = re.compile(r"^(sk-|sk_|gsk_|xai-|AIza|pk-|ant-)|[-.]")


class ScriptedOptions(BaseModel):
    """Pacing of the scripted model (type ``scripted``), which needs no network or key."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    ttft_ms: float = Field(default=250.0, ge=0, strict=True)
    """Time to first token of each scripted response, in milliseconds."""
    tokens_per_s: float = Field(default=120.0, gt=0, strict=True)
    """How fast the scripted model streams text and tool-call arguments, in tokens per second."""


class TelemetryOptions(BaseModel):
    """Live OpenTelemetry export: spans of each batch and turn sent to an OTLP/HTTP collector as the
    run goes (Jaeger, Langfuse, Phoenix, an OpenTelemetry Collector...). Without this block, the
    standard OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT variables turn it on."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    endpoint: str | None = None
    """Base URL of the collector's OTLP/HTTP endpoint, e.g. http://localhost:4318 (/v1/traces is
    added); null uses the OTEL_EXPORTER_OTLP_* variables, and nothing is sent when none is set."""
    headers_env: str | None = None
    """NAME of an environment variable holding request headers as name=value,name=value (e.g. an
    Authorization header); never the headers themselves. Null uses OTEL_EXPORTER_OTLP_HEADERS."""
    include_content: bool = Field(default=False, strict=True)
    """Also send prompts, answers, tool arguments and results (cut to 4096 characters each)."""
    enabled: bool = Field(default=True, strict=True)
    """False turns live export off for this profile even when the OTEL variables are set."""
    project: str | None = None
    """The Arize Phoenix project the spans are filed under (OpenInference's
    ``openinference.project.name``); null: Phoenix's "default" project."""

    @field_validator("endpoint")
    @classmethod
    def _check_endpoint(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an http:// or https:// URL, like http://localhost:4318")
        return value

    @field_validator("headers_env")
    @classmethod
    def _check_headers_env(cls, value: str | None) -> str | None:
        if value is None or _ENV_NAME.match(value):
            return value
        raise ValueError("must be the name of an environment variable, like OTLP_HEADERS")


class Profile(BaseModel):
    """One agent setup: which model, how it may emit tool calls, how the calls are run."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    name: str = "profile"
    """The profile's name; a file's profile defaults to the file name without its extension."""
    description: str = ""
    """One line saying what this profile is for, shown by ``workbench profiles``."""

    # --- provider -------------------------------------------------------------------------------
    type: ProviderType
    """The provider: scripted (offline, no key), openai-responses, openai-chat, anthropic or gemini."""
    model: str = Field(default="", validate_default=True)
    """The model id sent to the provider (e.g. gpt-5-mini); the scripted type needs none."""
    base_url: str | None = None
    """Endpoint of an OpenAI-compatible or self-hosted server; None uses the vendor's default."""
    endpoint: Endpoint | None = None
    """Who serves this API, when it matters for what the knobs do: openai, ollama, vllm, groq,
    openrouter or compatible for openai-chat; anthropic, bedrock or vertex for Claude. Null infers
    it from base_url. ``workbench providers`` shows what each knob does on each."""
    api_key_env: str | None = Field(default="", validate_default=True)
    """NAME of the environment variable holding the API key (never the key itself). Defaults per
    type (OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY); null for servers that need no key, in
    which case the provider sends a placeholder."""

    # --- emission: what the model may request in one response ----------------------------------
    parallel_tool_calls: bool | None = Field(default=None, strict=True)
    """OpenAI's switch: may the model emit several tool calls in one response (default: yes)."""
    disable_parallel_tool_use: bool | None = Field(default=None, strict=True)
    """Claude's inverse switch: true limits the model to one tool call per response."""
    function_calling_mode: FunctionCallingMode = "AUTO"
    """Gemini's calling intent: AUTO (model decides), ANY (must call a tool), NONE (no calls)."""
    strict_tools: bool = Field(default=False, strict=True)
    """Send every tool's schema in strict form (OpenAI's ``strict: true``: every property required,
    optional ones nullable, no additional properties), so the model's arguments always fit it."""
    strict_parallel: StrictParallel = "warn"
    """What happens with strict_tools and parallel emission both on, which OpenAI says may not hold
    together: warn (send both and say so) or serialize (send parallel_tool_calls: false)."""
    thinking_budget_tokens: int | None = Field(default=None, ge=1024, strict=True)
    """Claude's extended thinking: the token budget for it, or null for none. A forced tool
    choice (function_calling_mode ANY) is refused while thinking is on."""
    eager_dispatch: bool = Field(default=True, strict=True)
    """Start a call as soon as its arguments are complete while the model still streams, where the
    protocol allows it."""

    # --- execution: how the calls that arrived are run ------------------------------------------
    concurrent_tool_execution: bool = Field(default=True, strict=True)
    """Run the calls of one response at the same time (false: one after another)."""
    max_concurrent_tools: int = Field(default=10, strict=True, **field_bounds("max"))
    """Cap on calls running at once when concurrent_tool_execution is on."""
    tool_timeout_s: float | None = Field(default=30.0, strict=True, **field_bounds("timeout"))
    """Per-call timeout in seconds; null waits forever."""
    tool_retries: int = Field(default=0, strict=True, **field_bounds("retries"))
    """Extra attempts for a call whose tool raised an error."""
    tool_retry_backoff_s: float = Field(default=0.5, ge=0, strict=True)
    """Delay before the first retry in seconds; doubled for each further one."""
    retry_on_timeout: bool = Field(default=False, strict=True)
    """Whether a timed-out attempt is retried too."""
    seed: int | None = Field(default=None, strict=True)
    """Seed for injected failures and latency ranges, so a demo fails the same way every time."""

    # --- tools ----------------------------------------------------------------------------------
    tools: list[str] | None = None
    """Names of the tools the model is offered; null offers every registered tool."""
    tool_modules: list[str] = Field(default_factory=list)
    """Python modules (dotted names) or .py files whose @tool functions are registered too. A
    relative file path is relative to the profile file's folder."""
    workspace: str = "."
    """Folder the file tools are confined to. A relative path is relative to the directory
    workbench is started from (not to the profile file)."""
    faults: dict[str, Fault] = Field(default_factory=dict)
    """Fault injection per tool name: latency_ms (fixed or [low, high]), failure_rate, hang."""
    mcp_servers: list[McpServerConfig] = Field(default_factory=list)
    """MCP servers whose tools are offered as ``{server}__{tool}``, in MassGen's shape: each a
    ``name`` with ``type: stdio`` (``command``, ``args``, ``env``, ``cwd``) or ``type:
    streamable-http`` (``url``, ``headers``). ``${VAR}`` in env and headers is read from the
    environment when the server starts and never recorded."""
    mcp_config: str | None = None
    """A JSON file with an ``mcpServers`` map (Claude Desktop, Cursor, oterm), whose servers are
    added to mcp_servers. ``~`` is expanded; a relative path is relative to the profile's folder."""

    # --- conversation ---------------------------------------------------------------------------
    system_prompt: str = DEFAULT_SYSTEM_PROMPT
    """The system prompt sent with every request."""
    max_turns: int = Field(default=10, ge=1, le=1000, strict=True)
    """Most model round trips for one user message before the turn is stopped."""
    max_tokens: int = Field(default=4096, ge=1, strict=True)
    """Most tokens the model may generate in one response."""

    scripted: ScriptedOptions = Field(default_factory=ScriptedOptions)
    """Pacing of the scripted model; only used when type is scripted."""

    telemetry: TelemetryOptions | None = None
    """Live OpenTelemetry export of the session's spans (see TelemetryOptions); null: only the
    standard OTEL_EXPORTER_OTLP_* variables turn it on."""

    _source_path: str | None = PrivateAttr(default=None)
    _notes: tuple[str, ...] = PrivateAttr(default=())
    _overridden: frozenset[str] = PrivateAttr(default=frozenset())
    """Fields set by :meth:`with_overrides` (CLI flags) rather than the file."""

    # --- validation -----------------------------------------------------------------------------

    @field_validator("model")
    @classmethod
    def _model_required(cls, value: str, info: ValidationInfo) -> str:
        kind = info.data.get("type")
        value = value.strip()
        if value or kind is None:
            return value
        if kind == "scripted":
            return "scripted"
        raise ValueError(f"a model id is required for type '{kind}'")

    @field_validator("base_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an http:// or https:// URL, like http://localhost:11434/v1")
        return value

    @field_validator("api_key_env")
    @classmethod
    def _check_env_name(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value == "":  # not given: the provider type's usual variable
            return DEFAULT_API_KEY_ENV.get(str(info.data.get("type")))
        if value is None or _ENV_NAME.match(value):
            return value
        # Never echo the value: it is probably the key itself.
        if _KEY_LIKE.search(value) or len(value) > 40:
            raise ValueError(
                "this looks like an API key itself; put the key in an environment variable and "
                "write the variable's NAME here (e.g. OPENAI_API_KEY)"
            )
        raise ValueError("must be the name of an environment variable, like OPENAI_API_KEY")

    @model_validator(mode="after")
    def _check_provider_rules(self) -> Profile:
        if self.endpoint is not None:
            row_for(self.type, self.endpoint)  # ValueError names the endpoints that serve the type
        if self.thinking_budget_tokens is not None:
            if self.thinking_budget_tokens >= self.max_tokens:
                raise ValueError(
                    f"thinking_budget_tokens ({self.thinking_budget_tokens}) must be less than "
                    f"max_tokens ({self.max_tokens})"
                )
            if self.type == "anthropic" and self.function_calling_mode == "ANY":
                raise ValueError(
                    "function_calling_mode ANY is refused with extended thinking on: Claude "
                    "answers 'Thinking may not be enabled when tool_choice forces tool use'"
                )
        return self

    @field_validator("mcp_servers")
    @classmethod
    def _unique_servers(cls, value: list[McpServerConfig]) -> list[McpServerConfig]:
        check_unique(value)
        return value

    @field_validator("function_calling_mode", mode="before")
    @classmethod
    def _upper_mode(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    # --- mapping to the core --------------------------------------------------------------------

    @property
    def source_path(self) -> str | None:
        """The file this profile was loaded from, if any."""
        return self._source_path

    @property
    def emits_parallel(self) -> bool:
        """Whether the model may emit several calls per response under this profile's knobs."""
        openai_switch = self.parallel_tool_calls if self.parallel_tool_calls is not None else True
        claude_switch = not self.disable_parallel_tool_use
        if self.provider_row.refusal("parallel") is not None:
            return True  # the switch is never sent there (the warnings say so)
        match self.type:
            case "openai-responses" | "openai-chat":
                return openai_switch
            case "anthropic":
                return claude_switch
            case "gemini":
                return True  # Gemini has no switch: it may always return several calls
            case "scripted":
                return openai_switch and claude_switch

    @property
    def provider_row(self) -> ProviderRow:
        """What each knob does for this profile's provider and endpoint (the capability table)."""
        return row_for(self.type, self.endpoint or infer_endpoint(self.type, self.base_url))

    def _knob_fields(self, layer: Layer) -> dict[str, Any]:
        """Each knob's profile field of ``layer``, under its settings field (from the knob table)."""
        return {
            knob.field: getattr(self, knob.profile_field)
            for knob in TABLE
            if knob.layer == layer and knob.profile_field is not None
        }

    def emission_settings(self) -> EmissionSettings:
        return EmissionSettings(
            **{
                **self._knob_fields("emission"),
                # The vendor's switch, and strict only where it is sent (the capability table).
                "parallel": self.emits_parallel,
                "strict": self.strict_tools and self.provider_row.sends("strict"),
            },
            strict_parallel=self.strict_parallel,
        )

    def execution_settings(self) -> ExecutionSettings:
        return ExecutionSettings(
            **{**self._knob_fields("execution"), "faults": dict(self.faults)},
            retry_backoff_s=self.tool_retry_backoff_s,
            retry_on_timeout=self.retry_on_timeout,
            seed=self.seed,
        )

    def run_settings(self) -> RunSettings:
        """The neutral settings the loop and executor start from."""
        return RunSettings(emission=self.emission_settings(), execution=self.execution_settings())

    def with_overrides(self, **changes: Any) -> Profile:
        """A copy with ``changes`` applied and validated again (CLI flags win over the file).

        Raises :class:`~workbench.config.errors.ProfileError` naming the offending option.
        """
        data = self.model_dump(exclude_unset=True)
        data.update(changes)
        # Defaults derived from the type (api_key_env, model) are re-derived when the type changes.
        try:
            profile = Profile.model_validate(data)
        except ValidationError as exc:
            raise explain_overrides(exc, Profile) from None
        profile._source_path = self._source_path
        profile._notes = self._notes
        profile._overridden = self._overridden | changes.keys()
        return profile

    def with_source(self, path: str | None, notes: tuple[str, ...] = ()) -> Profile:
        """A copy that remembers where it was loaded from and what the loader noticed."""
        profile = self.model_copy()
        profile._source_path = path
        profile._notes = notes
        return profile

    def public_dict(self) -> dict[str, Any]:
        """The profile as JSON-able data for session headers, with nothing secret in it."""
        data = self.model_dump(mode="json")
        if self.base_url is not None:
            data["base_url"] = redact_url(self.base_url)
        if self.telemetry is not None and self.telemetry.endpoint is not None:
            data["telemetry"]["endpoint"] = redact_url(self.telemetry.endpoint)
        # Names, commands and URLs only: env, headers and arguments may hold secrets.
        data["mcp_servers"] = [server.public_dict() for server in self.mcp_servers]
        return data

    def warnings(self) -> list[str]:
        """Plain-word notes on knobs that do not apply to this provider, and loader notes."""
        notes = list(self._notes)
        notes += self._provider_notes()
        kind = self.type
        if kind == "scripted":
            for knob in ("base_url", "api_key_env"):
                if getattr(self, knob) is not None:
                    notes.append(f"{knob} is ignored: the scripted model makes no network calls.")
        elif "scripted" in self.model_fields_set:
            notes.append(f"the scripted: options only apply to type scripted, not {kind}.")
        if not self.concurrent_tool_execution and self._shadowed(
            "max_concurrent_tools", by="concurrent_tool_execution"
        ):
            notes.append(
                "max_concurrent_tools has no effect while concurrent_tool_execution is false: "
                "calls run one at a time."
            )
        if self.tool_retries == 0 and self._shadowed("tool_retry_backoff_s", by="tool_retries"):
            notes.append("tool_retry_backoff_s has no effect while tool_retries is 0.")
        if (
            self.tool_retries == 0
            and self.retry_on_timeout
            and self._shadowed("retry_on_timeout", by="tool_retries")
        ):
            notes.append("retry_on_timeout has no effect while tool_retries is 0.")
        if self.tools is not None:
            for name in self.faults:
                if name not in self.tools:
                    notes.append(f"faults names '{name}', which is not in tools, so it never runs.")
            servers = {server.name for server in self.mcp_servers}
            for name in self.tools:
                server, sep, _ = name.partition(SEPARATOR)
                if sep and server and server not in servers and self.mcp_config is None:
                    notes.append(
                        f"tools names '{name}', but no MCP server is named '{server}'; "
                        "it is never offered."
                    )
        return notes

    def _shadowed(self, field: str, *, by: str) -> bool:
        """Whether a note that ``by`` makes ``field`` do nothing is worth saying: ``field`` was set,
        and not just left in the file by a flag that turned ``by`` for this run (``run --sequential``
        on a profile with a cap is what the user asked for, not a mistake in the file)."""
        if field not in self.model_fields_set:
            return False
        return not (by in self._overridden and field not in self._overridden)

    def _provider_notes(self) -> list[str]:
        """What the capability table says about the knobs this profile sets."""
        notes: list[str] = []
        row = self.provider_row
        kind = self.type
        parallel = row.rule("parallel")
        own = row.profile_field
        for knob, owner in PARALLEL_FIELDS.items():
            if getattr(self, knob) is None or knob == own or kind == "scripted":
                continue
            if own is None:
                notes.append(
                    f"Gemini has no parallel-call switch; {knob} is ignored and the model may "
                    "always return several calls. Use concurrent_tool_execution: false or "
                    "max_concurrent_tools: 1 to run them one at a time."
                )
            else:
                off = "false" if own == "parallel_tool_calls" else "true"
                notes.append(
                    f"{knob} is {owner}'s switch and does nothing on {kind}; "
                    f"use {own}: {off} to get one call per response."
                )
        if (
            kind == "scripted"
            and self.parallel_tool_calls is not None
            and self.disable_parallel_tool_use is not None
            and self.parallel_tool_calls == self.disable_parallel_tool_use
        ):
            notes.append(
                "parallel_tool_calls and disable_parallel_tool_use disagree; the scripted model "
                "emits one call per response when either asks for it."
            )
        one_call = own != "parallel_tool_calls"  # the value asking for one call (Claude's: inverse)
        asks_off = own is not None and getattr(self, own) is one_call
        if asks_off and parallel.support in ("ignored", "rejected"):
            notes.append(
                f"{own} is {parallel.support} on {row.title}: {_sentence(parallel.reason)}"
            )
        if self.strict_tools:
            strict = row.rule("strict")
            if strict.support != "honoured":
                notes.append(f"strict_tools is ignored on {row.title}: {_sentence(strict.reason)}")
            elif self.emits_parallel:
                notes.append(strict_parallel_note(self.strict_parallel))
        elif "strict_parallel" in self.model_fields_set:
            notes.append("strict_parallel has no effect while strict_tools is false.")
        if self.thinking_budget_tokens is not None and kind != "anthropic":
            notes.append(f"thinking_budget_tokens is Claude's setting and does nothing on {kind}.")
        if self.function_calling_mode != "AUTO":
            mode = row.rule("mode")
            if mode.support != "honoured":
                notes.append(
                    f"function_calling_mode is ignored on {row.title}: {_sentence(mode.reason)}"
                )
        return notes


def _sentence(text: str) -> str:
    return text if text.endswith(".") else f"{text}."
