"""Building pydantic models from values the core computed itself, without validating them again.

The executor builds three events and a result per tool call. Validating them would cost more than
scheduling the call, and even ``model_construct`` does more than needed. :func:`trusted` sets the
instance's field dict and nothing else; :class:`TrustedModel` makes pydantic's three bookkeeping slots,
left unset, read as they would on a validated model (every field set, no extras, no private state).
tests/core/test_events.py holds that a trusted model compares, serialises, copies and pickles exactly
like a validated one.

With ``WORKBENCH_CHECK_TRUSTED=1`` in the environment when this module is imported (the test suite
sets it in ``tests/conftest.py``), every model built here is also validated and compared with what it
holds: a field added with a default that a builder does not fill in, a key out of declaration order,
or a value of the wrong type raises at once instead of going missing from live events.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError


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
_set_fields = BaseModel.__dict__["__dict__"].__set__
"""BaseModel's own ``__dict__`` slot setter, called directly (setattr on a frozen model refuses)."""


class UntrustworthyError(AssertionError):
    """A builder handed :func:`trusted` data that a validated model would not hold (checked mode)."""


def _checked_set_fields(model: BaseModel, data: dict[str, Any]) -> None:
    """``set_fields``, and then the proof that validating ``data`` gives the same model."""
    cls = type(model)
    try:
        validated = cls.model_validate(data)
    except ValidationError as exc:
        raise UntrustworthyError(f"trusted {cls.__name__}: invalid data: {exc}") from None
    if list(data) != list(validated.__dict__):
        missing = [name for name in validated.__dict__ if name not in data]
        unknown = [name for name in data if name not in validated.__dict__]
        raise UntrustworthyError(
            f"trusted {cls.__name__}: fields missing {missing}, unknown {unknown}, "
            f"or out of declaration order: {list(data)}"
        )
    if validated.__dict__ != data:
        differ = [k for k, v in data.items() if validated.__dict__[k] != v]
        raise UntrustworthyError(f"trusted {cls.__name__}: validation changes {differ}")
    _set_fields(model, data)


CHECKED = os.environ.get("WORKBENCH_CHECK_TRUSTED", "") not in ("", "0")
"""Whether models built here are validated too (read once, at import: the hot path binds
:data:`set_fields` by name)."""
set_fields = _checked_set_fields if CHECKED else _set_fields
"""Sets a model's field dict; in checked mode, validates and compares first."""


def trusted(cls: type[_T], data: dict[str, Any]) -> _T:
    """``cls`` holding ``data``, unvalidated.

    ``data`` must hold every field, in declaration order (so the JSON is byte-identical to a validated
    model's), with values of the declared types: the caller vouches for them.
    """
    model = new_model(cls)
    set_fields(model, data)
    return model
