"""Building pydantic models from values the core computed itself, without validating them again.

The executor builds three events and a result per tool call. Validating them would cost more than
scheduling the call, and even ``model_construct`` does more than needed. :func:`trusted` sets the
instance's field dict and nothing else; :class:`TrustedModel` makes pydantic's three bookkeeping slots,
left unset, read as they would on a validated model (every field set, no extras, no private state).
tests/core/test_events.py holds that a trusted model compares, serialises, copies and pickles exactly
like a validated one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ConfigDict


class TrustedModel(BaseModel):
    """A model that :func:`trusted` may build."""

    # Its own schema is never used: built at import, it would pull in pydantic's validator and
    # plugin machinery (~20 ms) before the app's first frame, which validates nothing.
    model_config = ConfigDict(defer_build=True)

    if not TYPE_CHECKING:  # as in BaseModel: hidden from type checkers, so typos stay errors

        def __getattr__(self, item: str) -> Any:
            # Reached only when normal lookup fails, i.e. for the slots trusted() leaves unset.
            if item == "__pydantic_fields_set__":
                return set(type(self).model_fields)
            if item == "__pydantic_extra__" or item == "__pydantic_private__":
                return None
            return super().__getattr__(item)


_T = TypeVar("_T", bound=TrustedModel)
new_model = object.__new__
"""With :data:`set_fields`, :func:`trusted` in two steps, for a hot path that cannot afford the call:
``event = new_model(CallStarted)``, then ``set_fields(event, data)``, under the same rules."""
set_fields = BaseModel.__dict__["__dict__"].__set__
"""BaseModel's own ``__dict__`` slot setter, called directly (setattr on a frozen model refuses)."""


def trusted(cls: type[_T], data: dict[str, Any]) -> _T:
    """``cls`` holding ``data``, unvalidated.

    ``data`` must hold every field, in declaration order (so the JSON is byte-identical to a validated
    model's), with values of the declared types: the caller vouches for them.
    """
    model = new_model(cls)
    set_fields(model, data)
    return model
