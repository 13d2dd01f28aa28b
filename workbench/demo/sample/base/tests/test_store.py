from decimal import Decimal

import pytest

from inventory.models import OrderLine, Product
from inventory.store import OutOfStock, Store


def test_reserve_is_all_or_nothing() -> None:
    store = Store()
    store.add(Product("tea", "Green tea", Decimal("4.50")), 3)
    store.add(Product("mug", "Mug", Decimal("8.00")), 1)
    with pytest.raises(OutOfStock):
        store.reserve((OrderLine("tea", 2), OrderLine("mug", 2)))
    assert store.available("tea") == 3
