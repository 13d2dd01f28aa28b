"""A tiny JSON dispatcher: (method, path, body) in, (status, body) out."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from inventory.models import Order, OrderLine
from inventory.pricing import quote
from inventory.store import OutOfStock, Store

store = Store()


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def checkout(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    lines = tuple(OrderLine(item["sku"], int(item["quantity"])) for item in body["lines"])
    order = Order(lines=lines, customer=body["customer"])
    try:
        store.reserve(order.lines)
    except OutOfStock as exc:
        return 409, {"error": str(exc)}
    q = quote(order, store)
    return 200, {"subtotal": _money(q.subtotal), "tax": _money(q.tax), "total": _money(q.total)}


def handle(method: str, path: str, raw: bytes) -> tuple[int, bytes]:
    body = json.loads(raw or b"{}")
    if (method, path) == ("POST", "/checkout"):
        status, payload = checkout(body)
    else:
        status, payload = 404, {"error": f"no route for {method} {path}"}
    return status, json.dumps(payload).encode()
