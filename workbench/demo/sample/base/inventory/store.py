"""Stock levels, kept in memory and guarded by one lock."""

from __future__ import annotations

import threading

from inventory.models import OrderLine, Product


class OutOfStock(Exception):
    def __init__(self, sku: str, wanted: int, available: int) -> None:
        super().__init__(f"{sku}: wanted {wanted}, {available} in stock")
        self.sku = sku


class Store:
    def __init__(self) -> None:
        self._products: dict[str, Product] = {}
        self._stock: dict[str, int] = {}
        self._lock = threading.Lock()

    def add(self, product: Product, quantity: int) -> None:
        with self._lock:
            self._products[product.sku] = product
            self._stock[product.sku] = self._stock.get(product.sku, 0) + quantity

    def product(self, sku: str) -> Product:
        return self._products[sku]

    def available(self, sku: str) -> int:
        return self._stock.get(sku, 0)

    def reserve(self, lines: tuple[OrderLine, ...]) -> None:
        """Take every line out of stock, or none of them."""
        with self._lock:
            for line in lines:
                have = self._stock.get(line.sku, 0)
                if have < line.quantity:
                    raise OutOfStock(line.sku, line.quantity, have)
            for line in lines:
                self._stock[line.sku] -= line.quantity
