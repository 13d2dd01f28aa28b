"""Prices for an order: subtotal, tax and total, in exact decimals."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from inventory.models import Order
from inventory.store import Store

TAX_RATE = Decimal("0.20")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Quote:
    subtotal: Decimal
    tax: Decimal
    total: Decimal


def quote(order: Order, store: Store) -> Quote:
    subtotal = Decimal(0)
    taxable = Decimal(0)
    for line in order.lines:
        product = store.product(line.sku)
        amount = product.price * line.quantity
        subtotal += amount
        if product.taxable:
            taxable += amount
    tax = (taxable * TAX_RATE).quantize(CENT, rounding=ROUND_HALF_UP)
    return Quote(subtotal=subtotal, tax=tax, total=subtotal + tax)
