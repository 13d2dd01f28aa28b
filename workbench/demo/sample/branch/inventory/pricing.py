"""Prices for an order: subtotal, discount, tax and total, in exact decimals."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from inventory.discounts import discount_for, lookup
from inventory.models import Order
from inventory.store import Store

TAX_RATE = Decimal("0.20")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Quote:
    subtotal: Decimal
    discount: Decimal
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
    discount = Decimal(0)
    if order.discount_code:
        discount = discount_for(lookup(order.discount_code), subtotal).quantize(CENT)
    # The discount lowers the taxable part in proportion to its share of the subtotal.
    if subtotal:
        taxable -= discount * taxable / subtotal
    tax = (taxable * TAX_RATE).quantize(CENT, rounding=ROUND_HALF_UP)
    return Quote(subtotal=subtotal, discount=discount, tax=tax, total=subtotal - discount + tax)
