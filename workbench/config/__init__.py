"""Profiles: the strict model of one agent setup, YAML loading (ours and MassGen's), discovery and
friendly errors that name the file, the line and the field.

Nothing here imports Textual or a vendor SDK.
"""

from workbench.config.discovery import (
    BUILTIN_PROFILES_DIR,
    DEFAULT_PROFILE,
    ProfileEntry,
    default_search_dirs,
    discover_profiles,
    resolve_profile,
)
from workbench.config.errors import ProfileError
from workbench.config.loader import load_profile_file
from workbench.config.profile import (
    DEFAULT_API_KEY_ENV,
    PROVIDER_TYPES,
    Profile,
    ProviderType,
    ScriptedOptions,
    TelemetryOptions,
)

__all__ = [
    "BUILTIN_PROFILES_DIR",
    "DEFAULT_API_KEY_ENV",
    "DEFAULT_PROFILE",
    "PROVIDER_TYPES",
    "Profile",
    "ProfileEntry",
    "ProfileError",
    "ProviderType",
    "ScriptedOptions",
    "TelemetryOptions",
    "default_search_dirs",
    "discover_profiles",
    "load_profile_file",
    "resolve_profile",
]
