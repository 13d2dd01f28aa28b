from decimal import Decimal

from inventory.discounts import add_code
from inventory.models import DiscountCode, Order, OrderLine, Product
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
    assert q.discount == Decimal(0)
    assert q.tax == Decimal("1.80")
    assert q.total == Decimal("13.80")


def test_discount_lowers_the_taxable_amount() -> None:
    add_code(DiscountCode("TENOFF", "percent", Decimal(10)))
    order = Order(lines=(OrderLine("tea", 2),), customer="c1", discount_code="tenoff")
    q = quote(order, make_store())
    assert q.discount == Decimal("0.90")
    assert q.tax == Decimal("1.62")
    assert q.total == Decimal("9.72")
