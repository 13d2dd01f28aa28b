"""What each knob does on each provider: the one table the profile checks, the CLI, the app and the
adapters ask. Pure data, no vendor SDK.

A provider is a type (the wire format) served by an endpoint (who answers it): ``openai-chat`` is
spoken by OpenAI and by Ollama, vLLM, Groq and OpenRouter, which differ in what they honour; Claude
is served by Anthropic and by Bedrock and Vertex, which refuse a key Anthropic accepts. Every cell
says one of four things, with the reason in one line:

- ``honoured``: the API has the knob and workbench sends it;
- ``emulated``: the API has no such knob; workbench gets the effect another way and says how;
- ``ignored``: the knob has no effect here (sent or not, the reason says which);
- ``rejected``: the endpoint refuses the knob, so turning it is refused before any request.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final, Literal, get_args
from urllib.parse import urlsplit

from workbench.core.knobs import KnobChange
from workbench.core.provider import ProviderCapabilities
from workbench.core.settings import StrictParallel

ProviderType = Literal["scripted", "openai-responses", "openai-chat", "anthropic", "gemini"]
PROVIDER_TYPES: tuple[ProviderType, ...] = get_args(ProviderType)

Endpoint = Literal[
    "scripted",
    "openai",
    "ollama",
    "vllm",
    "groq",
    "openrouter",
    "compatible",
    "anthropic",
    "bedrock",
    "vertex",
    "gemini",
]
ENDPOINTS: tuple[Endpoint, ...] = get_args(Endpoint)

Support = Literal["honoured", "emulated", "ignored", "rejected"]

Knob = Literal["parallel", "mode", "strict", "eager"]
KNOB_TITLES: Final[dict[Knob, str]] = {
    "parallel": "parallel emission",
    "mode": "function-calling mode",
    "strict": "strict schemas",
    "eager": "eager dispatch",
}

PARALLEL_FIELDS: Final[dict[str, str]] = {
    "parallel_tool_calls": "OpenAI",
    "disable_parallel_tool_use": "Claude",
}
"""The profile fields that are a vendor's parallel switch, and whose switch each is."""

TokenLimit = Literal["max_completion_tokens", "max_tokens", "max_output_tokens", "maxOutputTokens"]


@dataclass(frozen=True, slots=True)
class KnobRule:
    """What one knob does on one provider."""

    support: Support
    reason: str
    """One line: the parameter it maps to, or why it does nothing or is refused."""
    wire: str | None = None
    """The parameter sent for it, if any (``parallel_tool_calls``)."""


@dataclass(frozen=True, slots=True)
class ProviderRow:
    """One provider type as one endpoint serves it."""

    type: ProviderType
    endpoint: Endpoint
    title: str
    knobs: dict[Knob, KnobRule]
    token_limit: TokenLimit = "max_completion_tokens"
    """Which field carries the response's token limit on this endpoint."""
    profile_field: str | None = None
    """The profile field that is this API's parallel switch (``disable_parallel_tool_use``)."""

    def rule(self, knob: Knob) -> KnobRule:
        return self.knobs[knob]

    def sends(self, knob: Knob) -> bool:
        """Whether the knob's parameter goes into the request (rejected knobs never do)."""
        rule = self.knobs[knob]
        return rule.wire is not None and rule.support != "rejected"

    def refusal(self, knob: Knob) -> str | None:
        """The one-line reason a live change of ``knob`` is refused here, or None."""
        rule = self.knobs[knob]
        return rule.reason if rule.support == "rejected" else None

    def parallel_fields(self, parallel: bool) -> dict[str, bool]:
        """The profile field set that turns parallel emission on or off here (Claude's switch is
        the inverse); empty where there is no field (Gemini: the runtime applies it live)."""
        match self.profile_field:
            case None:
                return {}
            case "disable_parallel_tool_use":
                return {"disable_parallel_tool_use": not parallel}
            case field:
                return {field: parallel}

    def capabilities(self, *, eager_dispatch: bool) -> ProviderCapabilities:
        """The adapter's capabilities, derived from this row (so the two cannot disagree)."""
        parallel = self.knobs["parallel"]
        return ProviderCapabilities(
            # Named wherever it is sent (an ignoring server still gets it, and the note says so).
            parallel_knob=parallel.wire if self.sends("parallel") else None,
            parallel_note=parallel.reason,
            eager_dispatch=eager_dispatch and self.knobs["eager"].support == "honoured",
            supports_function_calling_mode=self.knobs["mode"].support == "honoured",
        )


def _r(support: Support, reason: str, wire: str | None = None) -> KnobRule:
    return KnobRule(support, reason, wire)


_OPENAI_PARALLEL = _r(
    "honoured", "parallel_tool_calls: false limits the model to one call per response",
    "parallel_tool_calls",
)  # fmt: skip
_OPENAI_MODE = _r("honoured", "tool_choice auto / required / none", "tool_choice")
_OPENAI_STRICT = _r(
    "honoured",
    "strict: true on every tool, schemas in strict form; OpenAI warns that strict schemas may not "
    "hold with parallel calls (strict_parallel says what to do)",
    "strict",
)
_CHAT_EAGER = _r(
    "honoured",
    "a call starts once a later call has begun and its arguments parse as a whole JSON object "
    "(fragments of different calls may interleave; an unfinished call waits for the response end)",
)


def _compatible_strict(server: str) -> KnobRule:
    return _r(
        "ignored",
        f"strict is sent, but {server} does not document enforcing it: arguments are checked "
        "locally as always",
        "strict",
    )


def _chat(
    endpoint: Endpoint,
    title: str,
    *,
    token_limit: TokenLimit = "max_completion_tokens",
    parallel: KnobRule = _OPENAI_PARALLEL,
    mode: KnobRule = _OPENAI_MODE,
    strict: KnobRule = _OPENAI_STRICT,
) -> ProviderRow:
    base: dict[Knob, KnobRule] = {
        "parallel": parallel,
        "mode": mode,
        "strict": strict,
        "eager": _CHAT_EAGER,
    }
    return ProviderRow(
        "openai-chat", endpoint, title, base, token_limit, profile_field="parallel_tool_calls"
    )


_CLAUDE_CLOUDS: Final[tuple[tuple[Endpoint, str], ...]] = (
    ("bedrock", "Bedrock"),
    ("vertex", "Vertex AI"),
)

ROWS: Final[tuple[ProviderRow, ...]] = (
    ProviderRow(
        "scripted",
        "scripted",
        "scripted (local)",
        {
            "parallel": _r(
                "honoured",
                "Scripted model: with parallel calls off it emits exactly one call per response, "
                "as a real model does with parallel_tool_calls=false.",
                "parallel_tool_calls",
            ),
            "mode": _r("honoured", "AUTO / ANY / NONE, as the real APIs treat them", "mode"),
            "strict": _r("ignored", "the scripted model's arguments always fit the schema"),
            "eager": _r("honoured", "each call starts as soon as its arguments have streamed"),
        },
        profile_field="parallel_tool_calls",
    ),
    ProviderRow(
        "openai-responses",
        "openai",
        "OpenAI Responses",
        {
            "parallel": _OPENAI_PARALLEL,
            "mode": _OPENAI_MODE,
            "strict": _OPENAI_STRICT,
            "eager": _r("honoured", "each call starts at its response.output_item.done"),
        },
        "max_output_tokens",
        profile_field="parallel_tool_calls",
    ),
    ProviderRow(
        "openai-responses",
        "compatible",
        "OpenAI-compatible (Responses)",
        {
            "parallel": _r(
                "ignored",
                "sent, but OpenAI-compatible servers may ignore it: workbench runs whatever calls "
                "come back",
                "parallel_tool_calls",
            ),
            "mode": _OPENAI_MODE,
            "strict": _compatible_strict("this server"),
            "eager": _r("honoured", "each call starts at its response.output_item.done"),
        },
        "max_output_tokens",
        profile_field="parallel_tool_calls",
    ),
    _chat("openai", "OpenAI Chat Completions"),
    _chat(
        "ollama",
        "Ollama (Chat Completions)",
        parallel=_r(
            "ignored",
            "sent, but not among the request fields Ollama's OpenAI-compatible endpoint reads: "
            "the model may still return several calls",
            "parallel_tool_calls",
        ),
        mode=_r(
            "ignored",
            "tool_choice is sent, but Ollama's OpenAI-compatible endpoint does not document it",
            "tool_choice",
        ),
        strict=_compatible_strict("Ollama"),
        token_limit="max_tokens",  # the documented field; max_completion_tokens is not listed
    ),
    _chat(
        "vllm",
        "vLLM (Chat Completions)",
        parallel=_r(
            "ignored",
            "sent; vLLM accepts it, but whether it limits the calls depends on the version and "
            "tool parser, so workbench does not count on it",
            "parallel_tool_calls",
        ),
        mode=_r(
            "honoured",
            "tool_choice auto / required / none (auto needs --enable-auto-tool-choice; required "
            "needs vLLM 0.8.3 or newer)",
            "tool_choice",
        ),
        strict=_compatible_strict("vLLM"),
    ),
    _chat(
        "groq",
        "Groq (Chat Completions)",
        parallel=_r(
            "honoured",
            "parallel_tool_calls, on the models Groq documents parallel tool use for",
            "parallel_tool_calls",
        ),
        strict=_compatible_strict("Groq"),
    ),
    _chat(
        "openrouter",
        "OpenRouter (Chat Completions)",
        parallel=_r(
            "honoured",
            "parallel_tool_calls is passed on to the routed model; its vendor decides",
            "parallel_tool_calls",
        ),
        strict=_compatible_strict("OpenRouter"),
        token_limit="max_tokens",  # the documented field; max_completion_tokens is not listed
    ),
    _chat(
        "compatible",
        "OpenAI-compatible (Chat)",
        parallel=_r(
            "ignored",
            "sent, but OpenAI-compatible servers may ignore it: workbench runs whatever calls "
            "come back",
            "parallel_tool_calls",
        ),
        strict=_compatible_strict("this server"),
        token_limit="max_tokens",  # the documented field; max_completion_tokens is not listed
    ),
    ProviderRow(
        "anthropic",
        "anthropic",
        "Anthropic",
        {
            "parallel": _r(
                "honoured",
                "Claude's disable_parallel_tool_use: with parallel off Claude emits at most one tool "
                "call per response (exactly one when the mode is ANY).",
                "tool_choice.disable_parallel_tool_use",
            ),
            "mode": _r(
                "honoured",
                "tool_choice auto / any / none; a forced choice (ANY) is refused while extended "
                "thinking is on",
                "tool_choice",
            ),
            "strict": _r("ignored", "strict_tools applies to OpenAI's APIs; not sent to Claude"),
            "eager": _r("honoured", "each call starts at its content_block_stop"),
        },
        "max_tokens",
        profile_field="disable_parallel_tool_use",
    ),
    *(
        ProviderRow(
            "anthropic",
            endpoint,
            f"Claude on {title}",
            {
                "parallel": _r(
                    "rejected",
                    f"Claude on {title} has rejected tool_choice.disable_parallel_tool_use "
                    "('extraneous key'): never sent, so the model may always return several calls "
                    "(where your endpoint accepts it, set endpoint: anthropic)",
                    "tool_choice.disable_parallel_tool_use",
                ),
                "mode": _r(
                    "honoured",
                    "tool_choice auto / any / none; a forced choice (ANY) is refused while "
                    "extended thinking is on",
                    "tool_choice",
                ),
                "strict": _r(
                    "ignored", "strict_tools applies to OpenAI's APIs; not sent to Claude"
                ),
                "eager": _r("honoured", "each call starts at its content_block_stop"),
            },
            "max_tokens",
            profile_field="disable_parallel_tool_use",
        )
        for endpoint, title in _CLAUDE_CLOUDS
    ),
    ProviderRow(
        "gemini",
        "gemini",
        "Gemini",
        {
            "parallel": _r(
                "emulated",
                "Gemini has no switch for parallel function calls; with parallel off, workbench "
                "asks for one call per response in the system instruction",
            ),
            "mode": _r(
                "honoured",
                "toolConfig.functionCallingConfig.mode AUTO / ANY / NONE",
                "function_calling_config.mode",
            ),
            "strict": _r("ignored", "strict_tools applies to OpenAI's APIs; not sent to Gemini"),
            "eager": _r("honoured", "each functionCall part starts as its chunk arrives"),
        },
        "maxOutputTokens",
    ),
)
"""Every provider, in the order ``workbench providers`` prints them."""

_BY_KEY: Final[dict[tuple[str, str], ProviderRow]] = {(r.type, r.endpoint): r for r in ROWS}

_DEFAULT_ENDPOINT: Final[dict[ProviderType, Endpoint]] = {
    "scripted": "scripted",
    "openai-responses": "openai",
    "openai-chat": "openai",
    "anthropic": "anthropic",
    "gemini": "gemini",
}

_HOSTS: Final[tuple[tuple[str, Endpoint], ...]] = (
    ("api.openai.com", "openai"),
    ("api.groq.com", "groq"),
    ("openrouter.ai", "openrouter"),
    ("api.anthropic.com", "anthropic"),
    ("bedrock-runtime", "bedrock"),
    ("aiplatform.googleapis.com", "vertex"),
    ("generativelanguage.googleapis.com", "gemini"),
)


def endpoints_for(kind: ProviderType) -> tuple[Endpoint, ...]:
    """The endpoints that serve ``kind``, the vendor's own first."""
    return tuple(r.endpoint for r in ROWS if r.type == kind)


def infer_endpoint(kind: ProviderType, base_url: str | None) -> Endpoint:
    """Who answers ``kind`` at ``base_url``: the vendor when no URL is given, a known host, Ollama's
    usual port, else a generic compatible server (Claude behind an unknown URL counts as Anthropic)."""
    if base_url is None:
        return _DEFAULT_ENDPOINT[kind]
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    for fragment, endpoint in _HOSTS:
        if fragment in host and (kind, endpoint) in _BY_KEY:
            return endpoint
    if kind == "openai-chat" and parts.port == 11434:
        return "ollama"
    if kind in ("openai-chat", "openai-responses"):
        return "compatible"
    return _DEFAULT_ENDPOINT[kind]


def row_for(kind: ProviderType, endpoint: Endpoint | None = None) -> ProviderRow:
    """The row for ``kind`` served by ``endpoint`` (None: the vendor's own).

    Raises ``ValueError`` naming the endpoints that serve ``kind`` when the pair does not exist.
    """
    chosen = endpoint or _DEFAULT_ENDPOINT[kind]
    row = _BY_KEY.get((kind, chosen))
    if row is None:
        served = ", ".join(endpoints_for(kind))
        raise ValueError(f"endpoint '{chosen}' does not serve {kind} (choose one of: {served})")
    return row


def refuse_change(row: ProviderRow, change: KnobChange, *, thinking: bool = False) -> str | None:
    """Why ``change`` cannot apply on ``row``'s provider, in one line, or None when it can.

    Checked before the change is made, so a knob the provider rejects is refused with the reason
    instead of failing the next request.
    """
    if change.parallel is False and row.refusal("parallel") is not None:
        return f"parallel off is refused: {row.refusal('parallel')}"
    if change.function_calling_mode == "ANY" and thinking and row.type == "anthropic":
        return (
            "mode ANY is refused while extended thinking is on: Claude answers 'Thinking may not "
            "be enabled when tool_choice forces tool use'"
        )
    if change.function_calling_mode is not None and row.knobs["mode"].support == "rejected":
        return f"mode is refused: {row.knobs['mode'].reason}"
    if change.strict and row.knobs["strict"].support == "rejected":
        return f"strict schemas are refused on {row.title}: {row.knobs['strict'].reason}"
    return None


def ignored_part(row: ProviderRow, change: KnobChange) -> tuple[KnobChange, str]:
    """``change`` without what ``row``'s provider ignores, and a line saying so (empty: nothing).

    An ignored knob is not refused (``workbench providers`` says "ignored", the profile accepts it
    with a warning): the change goes on without it, and the line says why, as the profile's does.
    """
    rule = row.knobs["strict"]
    if change.strict and rule.support == "ignored" and not row.sends("strict"):
        return replace(
            change, strict=None
        ), f"strict schemas are ignored on {row.title}: {rule.reason}"
    return change, ""


def strict_parallel_note(choice: StrictParallel) -> str:
    """The one-line caveat for strict schemas with parallel emission on, saying what applies."""
    if choice == "serialize":
        return (
            "strict schemas with parallel calls: OpenAI says strict may not hold with parallel "
            "tool calls, so strict_parallel: serialize sends parallel_tool_calls: false."
        )
    return (
        "strict schemas with parallel calls: OpenAI says strict may not hold with parallel "
        "tool calls; strict_parallel: warn sends both (serialize would send "
        "parallel_tool_calls: false)."
    )
