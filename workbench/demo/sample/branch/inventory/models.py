"""The shop's records: products, order lines and discount codes, as plain frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    price: Decimal
    taxable: bool = True


@dataclass(frozen=True)
class OrderLine:
    sku: str
    quantity: int

    def __post_init__(self) -> None:
        if self.quantity <= 0:
            raise ValueError(f"quantity must be positive, got {self.quantity}")


@dataclass(frozen=True)
class DiscountCode:
    code: str
    kind: Literal["percent", "amount"]
    value: Decimal
    min_subtotal: Decimal = Decimal(0)


@dataclass(frozen=True)
class Order:
    lines: tuple[OrderLine, ...]
    customer: str
    discount_code: str | None = None
