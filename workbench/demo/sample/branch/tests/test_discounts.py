from decimal import Decimal

import pytest

from inventory.discounts import InvalidCode, add_code, discount_for, lookup
from inventory.models import DiscountCode


def test_codes_are_case_insensitive() -> None:
    add_code(DiscountCode("Spring5", "amount", Decimal(5)))
    assert lookup(" spring5 ").value == Decimal(5)


def test_unknown_code() -> None:
    with pytest.raises(InvalidCode):
        lookup("NOPE")


def test_amount_never_exceeds_subtotal() -> None:
    code = DiscountCode("BIG", "amount", Decimal(50))
    assert discount_for(code, Decimal("12.00")) == Decimal("12.00")


def test_minimum_subtotal() -> None:
    code = DiscountCode("MIN20", "percent", Decimal(10), min_subtotal=Decimal(20))
    assert discount_for(code, Decimal("19.99")) == Decimal(0)
