"""Reading a MassGen config (``agents:`` list, or one ``agent:``) as one profile per agent.

Only the backend keys that mean the same thing here are mapped; MassGen's many other features
(``cwd``, ``orchestrator``, ``ui``...) are reported as ignored, never as errors. A key
that looks like a misspelling of a mapped one is an error, so a typo cannot silently drop a knob.
This module produces plain profile data; validating it is the loader's job.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from workbench.config.errors import ProfileError, did_you_mean, quoted_list
from workbench.config.explain import FieldOrigins
from workbench.config.mcp import SEPARATOR, McpServerConfig, entry_fields, validate_server
from workbench.config.yaml_source import KeyPath, YamlDocument, dotted


@dataclass(frozen=True)
class Backend:
    """What one MassGen backend ``type`` means here."""

    type: str
    base_url: str | None = None
    api_key_env: str | None = None
    label: str = ""


BACKENDS: dict[str, Backend] = {
    "openai": Backend("openai-responses", None, "OPENAI_API_KEY", "OpenAI Responses API"),
    "claude": Backend("anthropic", None, "ANTHROPIC_API_KEY", "Anthropic"),
    "gemini": Backend("gemini", None, "GEMINI_API_KEY", "Gemini"),
    "chatcompletion": Backend("openai-chat", None, "OPENAI_API_KEY", "Chat Completions"),
    "grok": Backend("openai-chat", "https://api.x.ai/v1", "XAI_API_KEY", "xAI Grok"),
    "xai": Backend("openai-chat", "https://api.x.ai/v1", "XAI_API_KEY", "xAI Grok"),
    "groq": Backend("openai-chat", "https://api.groq.com/openai/v1", "GROQ_API_KEY", "Groq"),
    "openrouter": Backend(
        "openai-chat", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY", "OpenRouter"
    ),
    "together": Backend(
        "openai-chat", "https://api.together.xyz/v1", "TOGETHER_API_KEY", "Together AI"
    ),
    "fireworks": Backend(
        "openai-chat", "https://api.fireworks.ai/inference/v1", "FIREWORKS_API_KEY", "Fireworks"
    ),
    "cerebras": Backend(
        "openai-chat", "https://api.cerebras.ai/v1", "CEREBRAS_API_KEY", "Cerebras"
    ),
    "zai": Backend("openai-chat", "https://api.z.ai/api/paas/v4", "ZAI_API_KEY", "Z.ai"),
    "moonshot": Backend(
        "openai-chat", "https://api.moonshot.cn/v1", "MOONSHOT_API_KEY", "Moonshot"
    ),
    "nebius": Backend(
        "openai-chat", "https://api.studio.nebius.ai/v1", "NEBIUS_API_KEY", "Nebius AI Studio"
    ),
    "qwen": Backend(
        "openai-chat",
        "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
        "QWEN_API_KEY",
        "Qwen",
    ),
    # Local servers need no key; the provider then sends a placeholder.
    "lmstudio": Backend("openai-chat", "http://localhost:1234/v1", None, "LM Studio"),
    "vllm": Backend("openai-chat", "http://localhost:8000/v1", None, "vLLM"),
    "sglang": Backend("openai-chat", "http://localhost:30000/v1", None, "SGLang"),
    "ollama": Backend("openai-chat", "http://localhost:11434/v1", None, "Ollama"),
}
"""MassGen backend types workbench can run, with the endpoint and key variable MassGen uses."""

NOT_RUNNABLE: dict[str, str] = {
    "claude_code": (
        "a claude_code agent runs Claude Code's own agent loop and tools (the Claude Code SDK); "
        "workbench drives a model API itself"
    ),
    "ag2": "an ag2 agent runs inside the AG2 (AutoGen) framework, not on a model API",
    "autogen": "an autogen agent runs inside the AG2 (AutoGen) framework, not on a model API",
    "azure_openai": (
        "Azure OpenAI is not supported (its deployments need the openai SDK's AzureOpenAI client)"
    ),
}
"""MassGen backend types workbench knows and cannot run, with the reason: such an agent is listed
as not runnable while the others in its file load."""

_KEY_ENV_BY_HOST = {
    "groq.com": "GROQ_API_KEY",
    "openrouter.ai": "OPENROUTER_API_KEY",
    "together.xyz": "TOGETHER_API_KEY",
    "fireworks.ai": "FIREWORKS_API_KEY",
    "cerebras.ai": "CEREBRAS_API_KEY",
    "x.ai": "XAI_API_KEY",
    "z.ai": "ZAI_API_KEY",
    "bigmodel.cn": "ZAI_API_KEY",
    "moonshot.ai": "MOONSHOT_API_KEY",
    "moonshot.cn": "MOONSHOT_API_KEY",
    "nebius": "NEBIUS_API_KEY",
    "aliyuncs.com": "QWEN_API_KEY",
    "poe.com": "POE_API_KEY",
}
"""MassGen's ``chatcompletion`` picks the key variable from the base_url's host; so do we."""

MAPPED_BACKEND_KEYS = (
    "type",
    "model",
    "base_url",
    "api_key",
    "api_key_env",
    "parallel_tool_calls",
    "disable_parallel_tool_use",
    "function_calling_mode",
    "concurrent_tool_execution",
    "max_concurrent_tools",
    "max_tokens",
)

_SAMPLING_KEYS = frozenset(
    {"temperature", "top_p", "top_k", "frequency_penalty", "presence_penalty", "seed", "stop"}
)

_KNOWN_UNMODELLED = frozenset(
    {
        "cwd",
        "custom_tools",
        "context_paths",
        "enable_web_search",
        "enable_code_interpreter",
        "enable_code_execution",
        "enable_mcp_command_line",
        "command_line_execution_mode",
        "enable_image_generation",
        "enable_audio_generation",
        "enable_file_generation",
        "enable_video_generation",
        "enable_rate_limit",
        "enable_planning_mode",
        "enable_code_based_tools",
        "reasoning",
        "text",
        "thinking",
        "include_thoughts",
        "upload_files",
        "stream",
        "timeout",
        "extra_body",
    }
)
"""MassGen backend keys we know and deliberately do not model: ignored without a typo check."""

_AGENT_KEYS = ("id", "backend", "system_message")
_TOOL_FILTERS = ("allowed_tools", "exclude_tools")
_MCP_PREFIX = "mcp__"
_ENV_REFERENCE = re.compile(r"^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$")
_TYPO_CUTOFF = 0.8  # strict: MassGen has many legitimate keys we ignore, only near-misses are typos


@dataclass
class ProfileSpec:
    """One profile's data before validation, where each field came from, and loader notes."""

    data: dict[str, Any]
    origins: FieldOrigins
    notes: list[str] = field(default_factory=list)
    not_runnable: str | None = None
    """Why workbench cannot run this agent (its backend type), or None."""


def is_massgen(data: Mapping[str, Any]) -> bool:
    """A mapping is a MassGen config when it has an ``agents`` list or an ``agent``."""
    return "agents" in data or "agent" in data


def agent_specs(doc: YamlDocument) -> list[ProfileSpec]:
    """Profile data for every agent in a MassGen config; raises :class:`ProfileError`."""
    data: Mapping[str, Any] = doc.data
    if "agents" in data and "agent" in data:
        raise ProfileError(
            "a MassGen config has either 'agent' or 'agents', not both",
            path=doc.path,
            line=doc.line_of(("agent",)),
            field="agent",
        )
    top_notes = [
        _note(doc, (key,), "is a MassGen setting workbench does not use; ignored")
        for key in data
        if key not in ("agents", "agent")
    ]
    if "agent" in data:
        entries: list[tuple[KeyPath, Any]] = [(("agent",), data["agent"])]
    else:
        agents = data["agents"]
        if not isinstance(agents, list) or not agents:
            raise ProfileError(
                "must be a list of agents, each with an 'id' and a 'backend' mapping",
                path=doc.path,
                line=doc.line_of(("agents",)),
                field="agents",
            )
        entries = [(("agents", i), agent) for i, agent in enumerate(agents)]
    specs: list[ProfileSpec] = []
    ids: dict[str, int | None] = {}
    for index, (where, agent) in enumerate(entries):
        spec = _agent_spec(doc, where, agent, index)
        name = spec.data["name"]
        if name in ids:
            raise ProfileError(
                f"duplicate agent id '{name}' (first on line {ids[name]})",
                path=doc.path,
                line=doc.line_of((*where, "id")),
                field=dotted((*where, "id")),
                suggestion="Give every agent its own id",
            )
        ids[name] = doc.line_of((*where, "id"))
        spec.notes[:0] = top_notes
        specs.append(spec)
    return specs


def _agent_spec(doc: YamlDocument, where: KeyPath, agent: Any, index: int) -> ProfileSpec:
    if not isinstance(agent, dict):
        raise _error(doc, where, "must be a mapping with an 'id' and a 'backend'")
    notes: list[str] = []
    for key in agent:
        if key not in _AGENT_KEYS:
            _ignore_or_typo(doc, (*where, key), _AGENT_KEYS, notes)
    agent_id = agent.get("id", f"agent{index + 1}")
    if not isinstance(agent_id, str | int) or isinstance(agent_id, bool) or str(agent_id) == "":
        raise _error(doc, (*where, "id"), "must be a short name, like openai_agent")
    agent_id = str(agent_id)
    backend = agent.get("backend")
    if backend is None:
        raise _error(
            doc,
            where,
            "this agent has no 'backend' mapping",
            field_path=(*where, "backend"),
            suggestion="Add backend: with at least type and model",
        )
    backend_path = (*where, "backend")
    if not isinstance(backend, dict):
        raise _error(doc, backend_path, "must be a mapping with at least type and model")

    raw_type = backend.get("type")
    if isinstance(raw_type, str) and raw_type.strip().lower() in NOT_RUNNABLE:
        reason = NOT_RUNNABLE[raw_type.strip().lower()]
        return ProfileSpec(
            data={"name": agent_id}, origins=FieldOrigins(), notes=notes, not_runnable=reason
        )
    massgen_type, backend_def = _backend_type(doc, backend_path, backend, notes)
    data: dict[str, Any] = {
        "name": agent_id,
        "description": f"MassGen agent '{agent_id}' ({massgen_type} backend)",
        "type": backend_def.type,
    }
    renamed: dict[str, KeyPath] = {"name": (*where, "id"), "type": (*backend_path, "type")}
    filters: dict[str, list[str]] = {}

    for key, value in backend.items():
        path = (*backend_path, key)
        if key == "type":
            continue
        if key == "api_key":
            data["api_key_env"] = _api_key_reference(doc, path, value)
        elif key == "mcp_servers":
            data["mcp_servers"] = _mcp_servers(doc, path, value, notes, backend.get("cwd"))
        elif key in _TOOL_FILTERS:
            filters[key] = _names(doc, path, value)
        elif key in MAPPED_BACKEND_KEYS:
            data[key] = value
        elif key in _SAMPLING_KEYS:
            notes.append(_note(doc, path, "is not sent: workbench uses the provider's default"))
        else:
            _ignore_or_typo(doc, path, MAPPED_BACKEND_KEYS, notes)

    if filters:
        data["mcp_servers"] = _filter_tools(
            doc, backend_path, data.get("mcp_servers", []), filters, notes
        )
    if "base_url" not in data and backend_def.base_url is not None:
        data["base_url"] = backend_def.base_url
    if "api_key_env" not in data:
        data["api_key_env"] = _key_env_for(backend_def, data.get("base_url"))
    if "concurrent_tool_execution" not in data:
        # MassGen runs a response's tool calls one at a time unless this is set.
        data["concurrent_tool_execution"] = False
        notes.append(
            _note(
                doc,
                backend_path,
                "sets no concurrent_tool_execution; MassGen's default is false, so this profile "
                "runs tool calls one at a time",
            )
        )
    if "system_message" in agent:
        data["system_prompt"] = agent["system_message"]
        renamed["system_prompt"] = (*where, "system_message")
    return ProfileSpec(data=data, origins=FieldOrigins(backend_path, renamed), notes=notes)


def _backend_type(
    doc: YamlDocument, backend_path: KeyPath, backend: dict[str, Any], notes: list[str]
) -> tuple[str, Backend]:
    raw = backend.get("type")
    type_path = (*backend_path, "type")
    if raw is None:
        inferred = _infer_type(backend.get("model"))
        if inferred is None:
            raise _error(
                doc,
                backend_path,
                "the backend has no 'type', and none can be inferred from its model",
                field_path=type_path,
                suggestion=f"Set type to one of {quoted_list(sorted(BACKENDS), conjunction='or')}",
            )
        notes.append(
            f"{dotted(type_path)} is not set; '{inferred}' inferred from the model name, as "
            "MassGen does."
        )
        return inferred, BACKENDS[inferred]
    if not isinstance(raw, str):
        raise _error(doc, type_path, "must be a backend name, like openai or claude")
    name = raw.strip().lower()
    if name in BACKENDS:
        return name, BACKENDS[name]
    close = did_you_mean(name, BACKENDS)
    raise _error(
        doc,
        type_path,
        f"backend type '{raw}' is not one workbench can run",
        suggestion=(f"Did you mean '{close}'? " if close else "")
        + f"Supported: {', '.join(sorted(BACKENDS))}",
    )


def _names(doc: YamlDocument, path: KeyPath, value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise _error(doc, path, "must be a list of tool names, like mcp__weather__get_forecast")


def _filter_tools(
    doc: YamlDocument,
    path: KeyPath,
    servers: list[McpServerConfig],
    filters: dict[str, list[str]],
    notes: list[str],
) -> list[McpServerConfig]:
    """MassGen's backend ``allowed_tools`` / ``exclude_tools`` onto each server: an
    ``mcp__{server}__{tool}`` name is that server's, a bare name every server's. A server's own
    ``allowed_tools`` wins over the backend's; the exclusions add up."""
    if not servers:
        for key in filters:
            notes.append(_note(doc, (*path, key), "has no effect: this agent has no MCP servers"))
        return servers
    by_server: dict[str, dict[str, list[str]]] = {s.name: {} for s in servers}
    for key, names in filters.items():
        for name in names:
            server, tool = _split_mcp_name(name)
            targets = [server] if server is not None else list(by_server)
            if server is not None and server not in by_server:
                notes.append(
                    _note(
                        doc, (*path, key), f"names '{name}', but no MCP server is named '{server}'"
                    )
                )
                continue
            for target in targets:
                by_server[target].setdefault(key, []).append(tool)
    out = []
    for config in servers:
        mine = by_server[config.name]
        update: dict[str, Any] = {}
        if "allowed_tools" in filters and config.allowed_tools is None:
            update["allowed_tools"] = mine.get("allowed_tools", [])
        if mine.get("exclude_tools"):
            update["exclude_tools"] = [*config.exclude_tools, *mine["exclude_tools"]]
        out.append(config.model_copy(update=update) if update else config)
    return out


def _split_mcp_name(name: str) -> tuple[str | None, str]:
    """``mcp__weather__get_forecast`` is ('weather', 'get_forecast'); a bare name has no server."""
    if name.startswith(_MCP_PREFIX) and SEPARATOR in name[len(_MCP_PREFIX) :]:
        server, _, tool = name[len(_MCP_PREFIX) :].partition(SEPARATOR)
        return server, tool
    return None, name


def _mcp_servers(
    doc: YamlDocument, path: KeyPath, value: Any, notes: list[str], cwd: Any = None
) -> list[McpServerConfig]:
    """MassGen's ``mcp_servers``: a list of entries with a ``name``, or a map of name to entry.

    ``${cwd}`` in a server's strings is the backend's ``cwd``, as MassGen substitutes it."""
    if value is None:
        return []
    if isinstance(value, dict):
        entries: list[tuple[KeyPath, Any, str | None]] = [
            ((*path, name), entry, str(name)) for name, entry in value.items()
        ]
    elif isinstance(value, list):
        entries = [((*path, i), entry, None) for i, entry in enumerate(value)]
    else:
        raise _error(doc, path, "must be a list of servers, each with a name and a type")
    servers = []
    for where, entry, name in entries:
        if not isinstance(entry, dict):
            raise _error(doc, where, "must be a mapping with name, type and command or url")
        if isinstance(cwd, str):
            entry = _substitute(entry, "${cwd}", cwd)
        fields = entry_fields(doc, where, entry, notes, _line_label(doc, where))
        if name is not None:
            fields.setdefault("name", name)
        servers.append(validate_server(fields, doc, FieldOrigins(prefix=where)))
    return servers


def _substitute(value: Any, variable: str, text: str) -> Any:
    if isinstance(value, str):
        return value.replace(variable, text)
    if isinstance(value, dict):
        return {k: _substitute(v, variable, text) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, variable, text) for v in value]
    return value


def _line_label(doc: YamlDocument, path: KeyPath) -> str:
    line = doc.line_of(path)
    return f"line {line}: " if line is not None else ""


def _infer_type(model: Any) -> str | None:
    if not isinstance(model, str):
        return None
    lowered = model.lower()
    for prefix, kind in (
        ("gpt", "openai"),
        ("o1", "openai"),
        ("o3", "openai"),
        ("o4", "openai"),
        ("claude", "claude"),
        ("gemini", "gemini"),
        ("grok", "grok"),
    ):
        if lowered.startswith(prefix):
            return kind
    return None


def _key_env_for(backend: Backend, base_url: Any) -> str | None:
    if backend.type == "openai-chat" and backend.base_url is None and isinstance(base_url, str):
        for host, env in _KEY_ENV_BY_HOST.items():
            if host in base_url:
                return env
    return backend.api_key_env


def _api_key_reference(doc: YamlDocument, path: KeyPath, value: Any) -> str | None:
    """``api_key: ${GROQ_API_KEY}`` names a variable; a literal key is refused (and not echoed)."""
    if value is None:
        return None
    match = _ENV_REFERENCE.match(value) if isinstance(value, str) else None
    if match:
        return match.group(1)
    raise _error(
        doc,
        path,
        "holds a literal API key; workbench never reads keys from a file",
        suggestion=(
            "Remove it, put the key in an environment variable, and name the variable with "
            "api_key_env: GROQ_API_KEY (or write api_key: ${GROQ_API_KEY})"
        ),
    )


def _ignore_or_typo(
    doc: YamlDocument, path: KeyPath, mapped: tuple[str, ...], notes: list[str]
) -> None:
    key = str(path[-1])
    if key not in _KNOWN_UNMODELLED:
        close = did_you_mean(key, mapped, cutoff=_TYPO_CUTOFF)
        if close and close != key:
            raise _error(doc, path, "unknown key", suggestion=f"Did you mean '{close}'?")
    notes.append(_note(doc, path, "is a MassGen setting workbench does not use; ignored"))


def _note(doc: YamlDocument, path: KeyPath, text: str) -> str:
    line = doc.line_of(path)
    where = f"line {line}: " if line is not None else ""
    return f"{where}{dotted(path)} {text}."


def _error(
    doc: YamlDocument,
    path: KeyPath,
    message: str,
    *,
    field_path: KeyPath | None = None,
    suggestion: str | None = None,
) -> ProfileError:
    return ProfileError(
        message,
        path=doc.path,
        line=doc.line_of(path),
        field=dotted(field_path or path),
        suggestion=suggestion,
    )
