"""A tiny JSON dispatcher: (method, path, headers, body) in, (status, body) out."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from inventory.auth import Forbidden, require_staff
from inventory.discounts import InvalidCode, add_code
from inventory.models import DiscountCode, Order, OrderLine
from inventory.pricing import quote
from inventory.ratelimit import RateLimiter
from inventory.store import OutOfStock, Store

store = Store()
limiter = RateLimiter(rate_per_s=2.0, burst=5)


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def checkout(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    if not limiter.allow(body["customer"]):
        return 429, {"error": "too many checkouts; try again in a moment"}
    lines = tuple(OrderLine(item["sku"], int(item["quantity"])) for item in body["lines"])
    order = Order(lines=lines, customer=body["customer"], discount_code=body.get("discount_code"))
    try:
        q = quote(order, store)
    except InvalidCode as exc:
        return 400, {"error": str(exc)}
    try:
        store.reserve(order.lines)
    except OutOfStock as exc:
        return 409, {"error": str(exc)}
    return 200, {"subtotal": _money(q.subtotal), "discount": _money(q.discount), "tax": _money(q.tax), "total": _money(q.total)}


def create_code(headers: dict[str, str], body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    try:
        require_staff(headers)
    except Forbidden as exc:
        return 403, {"error": str(exc)}
    add_code(DiscountCode(body["code"], body["kind"], Decimal(body["value"])))
    return 201, {"code": body["code"].upper()}


def handle(method: str, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, bytes]:
    body = json.loads(raw or b"{}")
    if (method, path) == ("POST", "/checkout"):
        status, payload = checkout(body)
    elif (method, path) == ("POST", "/discount-codes"):
        status, payload = create_code(headers, body)
    else:
        status, payload = 404, {"error": f"no route for {method} {path}"}
    return status, json.dumps(payload).encode()
