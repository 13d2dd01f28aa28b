"""Loading a profile file: our own format (one profile) or a MassGen config (one per agent).

Reads the YAML (with lines), picks the format, checks for literal keys, validates with pydantic and
turns every failure into a :class:`ProfileError` naming the file, line and field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from workbench.config import massgen
from workbench.config.errors import ProfileError
from workbench.config.explain import FieldOrigins, explain_validation
from workbench.config.mcp import profile_servers, resolve_config_path
from workbench.config.profile import Profile
from workbench.config.yaml_source import YamlDocument, read_yaml

PROFILE_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class NotRunnable:
    """A MassGen agent workbench cannot run (``claude_code``, ``ag2``...), and why."""

    name: str
    reason: str


@dataclass
class LoadedFile:
    """What one file holds: the profiles workbench can run, and the agents it cannot."""

    profiles: list[Profile]
    not_runnable: list[NotRunnable] = field(default_factory=list)


def load_profile_file(path: Path) -> list[Profile]:
    """Every profile in ``path`` workbench can run: one for our format, one per runnable agent
    for a MassGen config.

    Raises :class:`ProfileError` for anything wrong with the file, and when no agent in it can
    be run (saying why for each).
    """
    loaded = load_file(path)
    if not loaded.profiles:
        raise none_runnable(path, loaded.not_runnable)
    return loaded.profiles


def none_runnable(path: Path, agents: list[NotRunnable]) -> ProfileError:
    """The error for a MassGen file none of whose agents workbench can run."""
    why = "; ".join(f"'{a.name}': {a.reason}" for a in agents)
    return ProfileError(
        f"no agent in this file can be run by workbench ({why})",
        path=path,
        suggestion=f"Supported backend types: {', '.join(sorted(massgen.BACKENDS))}",
    )


def load_file(path: Path) -> LoadedFile:
    """The profiles of ``path`` and the MassGen agents in it that workbench cannot run.

    Raises :class:`ProfileError` for anything wrong with the file.
    """
    doc = read_yaml(path)
    if doc.data is None:
        raise ProfileError(
            "the file is empty",
            path=path,
            line=1,
            suggestion="A profile needs at least 'type' (and 'model' for a real provider); "
            "see the shipped profiles with 'workbench profiles'",
        )
    if not isinstance(doc.data, dict):
        found = "a list" if isinstance(doc.data, list) else "a single value"
        raise ProfileError(
            f"expected settings as 'key: value' lines at the top level, found {found}",
            path=path,
            line=doc.line_of(()),
            suggestion="Start the file with e.g. 'type: scripted'",
        )
    if massgen.is_massgen(doc.data):
        specs = massgen.agent_specs(doc)
        return LoadedFile(
            profiles=[_validate(doc, s) for s in specs if s.not_runnable is None],
            not_runnable=[
                NotRunnable(s.data["name"], s.not_runnable)
                for s in specs
                if s.not_runnable is not None
            ],
        )
    return LoadedFile([_validate(doc, _own_spec(doc))])


def _own_spec(doc: YamlDocument) -> massgen.ProfileSpec:
    data: dict[str, Any] = dict(doc.data)
    if "api_key" in data:
        raise ProfileError(
            "profiles never hold API keys",
            path=doc.path,
            line=doc.line_of(("api_key",)),
            field="api_key",
            suggestion="Remove it, put the key in an environment variable, and name that "
            "variable with api_key_env (e.g. api_key_env: OPENAI_API_KEY)",
        )
    data.setdefault("name", doc.path.stem)
    modules = data.get("tool_modules")
    if isinstance(modules, list):
        data["tool_modules"] = [_resolve_module(item, doc.path.parent) for item in modules]
    config = data.get("mcp_config")
    if isinstance(config, str):
        data["mcp_config"] = str(resolve_config_path(config, doc.path.parent).resolve())
    return massgen.ProfileSpec(data=data, origins=FieldOrigins())


def _resolve_module(item: Any, folder: Path) -> Any:
    """A .py path is made absolute against the profile's folder; a dotted module name is kept."""
    if not isinstance(item, str) or not _is_path(item):
        return item
    candidate = Path(item).expanduser()
    if not candidate.is_absolute():
        candidate = folder / candidate
    return str(candidate.resolve())


def _is_path(item: str) -> bool:
    return item.endswith(".py") or "/" in item or "\\" in item


def _validate(doc: YamlDocument, spec: massgen.ProfileSpec) -> Profile:
    try:
        profile = Profile.model_validate(spec.data)
    except ValidationError as exc:
        raise explain_validation(exc, Profile, doc, spec.origins) from None
    notes = list(spec.notes)
    if profile.mcp_config is not None or profile.mcp_servers:
        # The mcpServers file is read now so a bad one is a profile error, with its own lines.
        _, file_notes = profile_servers(profile.mcp_servers, profile.mcp_config, doc.path.parent)
        notes.extend(file_notes)
    return profile.with_source(str(doc.path), tuple(notes))
