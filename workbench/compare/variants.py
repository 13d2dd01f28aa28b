"""Variants: ``NAME:knob=value,…``, in the same text form the slash commands take."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from workbench.core.knobs import KnobChange, KnobError, parse_knobs

DEFAULT_VARIANTS: tuple[str, ...] = (
    "sequential:parallel=off,concurrency=off",
    "parallel-emission:parallel=on,concurrency=off",
    "parallel:parallel=on,concurrency=on",
)
"""Without ``--variant``: one call per response, then parallel emission alone, then both layers
(with the profile's own cap)."""

MAX_VARIANTS = 4
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")


class VariantError(KnobError):
    """A variant spec that cannot be used; the message names the spec and what is wrong."""


@dataclass(frozen=True, slots=True)
class Variant:
    name: str
    change: KnobChange

    @property
    def knobs(self) -> str:
        """The knobs in their text form, e.g. ``parallel=off,concurrency=off``."""
        return self.change.text()

    @property
    def spec(self) -> str:
        return f"{self.name}:{self.knobs}"


def parse_variant(text: str) -> Variant:
    """``cap2:max=2`` as a :class:`Variant`; :class:`VariantError` (or KnobError) says what is wrong."""
    name, sep, knobs = text.partition(":")
    name = name.strip()
    if not sep:
        raise VariantError(
            f"variant {text!r} has no name: write NAME:knob=value,…, e.g. 'cap2:max=2'"
        )
    if not _NAME.match(name):
        raise VariantError(
            f"variant name {name!r} must be 1-32 letters, digits, '.', '_' or '-' "
            "(it names the variant's session file)"
        )
    try:
        change = parse_knobs(knobs)
    except KnobError as exc:
        raise VariantError(f"variant '{name}': {exc}") from None
    return Variant(name, change)


def parse_variants(texts: Sequence[str]) -> list[Variant]:
    """Two to four variants with distinct names; the first is the baseline."""
    variants = [parse_variant(text) for text in texts]
    seen: set[str] = set()
    for variant in variants:
        if variant.name in seen:
            raise VariantError(f"two variants are named '{variant.name}': give each its own name")
        seen.add(variant.name)
    if len(variants) > MAX_VARIANTS:
        raise VariantError(f"at most {MAX_VARIANTS} variants at once, got {len(variants)}")
    if len(variants) < 2:
        raise VariantError(
            f"compare needs at least two variants, got {len(variants)} (for one, use workbench run)"
        )
    return variants


__all__ = ["DEFAULT_VARIANTS", "Variant", "VariantError", "parse_variant", "parse_variants"]
