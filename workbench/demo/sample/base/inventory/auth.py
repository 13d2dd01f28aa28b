"""Who may call the API: customers by session, staff by API token."""

from __future__ import annotations

import hmac

STAFF_TOKENS: dict[str, str] = {}


def register_staff(name: str, token: str) -> None:
    STAFF_TOKENS[name] = token


def staff_for(token: str) -> str | None:
    for name, known in STAFF_TOKENS.items():
        if hmac.compare_digest(known, token):
            return name
    return None
