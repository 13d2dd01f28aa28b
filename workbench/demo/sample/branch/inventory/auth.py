"""Who may call the API: customers by session, staff by API token."""

from __future__ import annotations

import hmac

STAFF_TOKENS: dict[str, str] = {}


class Forbidden(Exception):
    pass


def register_staff(name: str, token: str) -> None:
    STAFF_TOKENS[name] = token


def staff_for(token: str) -> str | None:
    for name, known in STAFF_TOKENS.items():
        if hmac.compare_digest(known, token):
            return name
    return None


def require_staff(headers: dict[str, str]) -> str:
    """The staff member a request's bearer token belongs to, or Forbidden."""
    scheme, _, token = headers.get("authorization", "").partition(" ")
    # FIXME: accept the scheme case-insensitively ("bearer" is legal per RFC 6750).
    if scheme != "Bearer" or not token:
        raise Forbidden("a staff token is required")
    name = staff_for(token)
    if name is None:
        raise Forbidden("unknown staff token")
    return name
