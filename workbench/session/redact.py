"""Keeping secrets out of recorded sessions.

Profiles hold only the NAMES of environment variables, so a key should never reach a recording. This is
the safety net in case one does: header values under secret-looking keys are masked, and the values of
secret-looking environment variables are masked wherever they appear in the bytes written.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "***"

# Whole words only: ``api_key`` and ``access_token`` are secret, ``max_tokens`` is not.
_SECRET_KEY = re.compile(
    r"(?:^|_)(?:api_?key|token|secret|password|passwd|authorization|bearer|credentials?)(?:$|_)"
)
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
_SECRET_ENV_NAME = re.compile(r"(?:API_?KEY|TOKEN|SECRET|PASSWORD|CREDENTIALS?)(?:$|_)")
# Shorter values would risk masking ordinary text (and a digits-only one, a JSON number).
_MIN_SECRET_LEN = 12


def is_secret_key(key: str) -> bool:
    """Whether a mapping key names something secret (``api_key``, ``X-Api-Key``, ``token``...)."""
    return _SECRET_KEY.search(key.lower().replace("-", "_")) is not None


def scrub(value: Any) -> Any:
    """A copy of ``value`` with every value under a secret-looking key replaced by ``***``.

    A key ending in ``_env`` whose value looks like an environment variable NAME is kept: that is how
    profiles are meant to refer to keys (``api_key_env: OPENAI_API_KEY``).
    """
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            name = str(key)
            if is_secret_key(name) and not _is_env_reference(name, item):
                out[name] = MASK if item not in (None, "") else item
            else:
                out[name] = scrub(item)
        return out
    if isinstance(value, list | tuple):
        return [scrub(item) for item in value]
    return value


def _is_env_reference(key: str, value: Any) -> bool:
    return key.lower().endswith("_env") and isinstance(value, str) and bool(_ENV_NAME.match(value))


def _env_references(value: Any) -> Iterable[str]:
    """Every environment variable name a profile refers to through an ``*_env`` key."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            if _is_env_reference(str(key), item):
                yield item
            else:
                yield from _env_references(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _env_references(item)


class Redactor:
    """Masks known secret values in serialised bytes.

    Built once per recording from the environment: every variable whose name looks secret
    (``*_API_KEY``, ``*_TOKEN``...) plus every variable the profile names through an ``*_env`` key.
    """

    __slots__ = ("_secrets",)

    def __init__(self, secrets: Iterable[str]) -> None:
        usable = {s for s in secrets if _usable_secret(s)}
        # Longest first, so a secret that contains another is masked whole.
        self._secrets = [s.encode() for s in sorted(usable, key=len, reverse=True)]

    @classmethod
    def from_environment(
        cls, profile: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
    ) -> Redactor:
        env = os.environ if environ is None else environ
        names = {name for name in env if _SECRET_ENV_NAME.search(name.upper())}
        names.update(_env_references(profile or {}))
        return cls(env[name] for name in names if name in env)

    def __bool__(self) -> bool:
        return bool(self._secrets)

    def redact(self, data: bytes | bytearray) -> bytes | bytearray:
        for secret in self._secrets:
            if secret in data:
                data = data.replace(secret, MASK.encode())
        return data

    def redact_text(self, text: str) -> str:
        return self.redact(text.encode()).decode()


def _usable_secret(value: str) -> bool:
    return (
        len(value) >= _MIN_SECRET_LEN
        and not value.isdigit()
        and not any(c.isspace() for c in value)
    )


def redact_url(url: str) -> str:
    """``url`` without ``user:pass@`` and without the values of key/token-like query parameters."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    query = parts.query
    if query:
        pairs = [
            (k, "REDACTED" if _secret_param(k) else v)
            for k, v in parse_qsl(query, keep_blank_values=True)
        ]
        query = urlencode(pairs)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _secret_param(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in ("key", "token", "secret", "sig", "password", "auth"))
