"""Discount codes: a percentage off or a fixed amount off the subtotal, before tax."""

from __future__ import annotations

from decimal import Decimal

from inventory.models import DiscountCode

_CODES: dict[str, DiscountCode] = {}


class InvalidCode(Exception):
    pass


def add_code(code: DiscountCode) -> None:
    _CODES[code.code.upper()] = code


def lookup(code: str) -> DiscountCode:
    try:
        return _CODES[code.strip().upper()]
    except KeyError:
        raise InvalidCode(f"unknown discount code {code!r}") from None


def discount_for(code: DiscountCode, subtotal: Decimal) -> Decimal:
    """How much the code takes off ``subtotal``; never more than the subtotal itself."""
    if subtotal < code.min_subtotal:
        return Decimal(0)
    if code.kind == "percent":
        off = subtotal * code.value / 100 
    else:
        off = code.value
    return min(off, subtotal)
