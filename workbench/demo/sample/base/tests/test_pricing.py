from decimal import Decimal

from inventory.models import Order, OrderLine, Product
from inventory.pricing import quote
from inventory.store import Store


def make_store() -> Store:
    store = Store()
    store.add(Product("tea", "Green tea", Decimal("4.50")), 10)
    store.add(Product("book", "Notebook", Decimal("3.00"), taxable=False), 5)
    return store


def test_tax_applies_to_taxable_lines_only() -> None:
    order = Order(lines=(OrderLine("tea", 2), OrderLine("book", 1)), customer="c1")
    q = quote(order, make_store())
    assert q.subtotal == Decimal("12.00")
    assert q.tax == Decimal("1.80")
    assert q.total == Decimal("13.80")
