"""One way to name a change of live knobs, and one parser for the text form users type.

The slash commands (``/max 4``), the CLI (``--variant "cap2:max=2"``) and compare all turn text into a
:class:`KnobChange` here, and :meth:`workbench.core.settings.RunSettings.apply` turns a change into
new settings. The text form is ``knob=value`` pairs joined by commas::

    parallel=on|off  concurrency=on|off  max=N  timeout=S|off  mode=AUTO|ANY|NONE  retries=N
    strict=on|off  fault=TOOL:slow|flaky|hang|off
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from typing import Final, Literal, TypeVar, get_args

from workbench.core.settings import FaultPreset, FunctionCallingMode

_T = TypeVar("_T")

OFF: Final = "off"
"""``timeout_s=OFF``: no per-call timeout (as distinct from None: leave the timeout as it is)."""

KNOBS: Final[dict[str, str]] = {
    "parallel": "on|off",
    "concurrency": "on|off",
    "max": "a whole number from 1 to 10000",
    "timeout": "seconds (more than 0) or off",
    "mode": "AUTO|ANY|NONE",
    "retries": "a whole number from 0 to 10",
    "strict": "on|off",
    "fault": "TOOL:slow|flaky|hang|off",
}
"""Every knob of the text form, with the values it takes (for error messages and help)."""


class KnobError(ValueError):
    """Text that does not name a knob and a valid value; the message says which and lists the valid ones."""


@dataclass(frozen=True, slots=True)
class KnobChange:
    """Live knobs to turn; a field left None is left as it is."""

    parallel: bool | None = None
    """Parallel emission: may the model request several calls per response."""
    function_calling_mode: FunctionCallingMode | None = None
    concurrent: bool | None = None
    """Run a batch's calls at once (True) or one after another (False)."""
    max_concurrent: int | None = None
    timeout_s: float | Literal["off"] | None = None
    """Per-call timeout in seconds, or :data:`OFF` for none."""
    retries: int | None = None
    strict: bool | None = None
    """Strict tool schemas (``strict_tools``), where the provider takes them."""
    faults: tuple[tuple[str, FaultPreset], ...] = field(default=())
    """(tool, preset) pairs; ``off`` removes the tool's fault."""

    @property
    def empty(self) -> bool:
        return self == KnobChange()

    def then(self, other: KnobChange) -> KnobChange:
        """This change followed by ``other``: other's knobs win; faults accumulate."""
        return replace(
            self,
            parallel=_pick(other.parallel, self.parallel),
            function_calling_mode=_pick(other.function_calling_mode, self.function_calling_mode),
            concurrent=_pick(other.concurrent, self.concurrent),
            max_concurrent=_pick(other.max_concurrent, self.max_concurrent),
            timeout_s=_pick(other.timeout_s, self.timeout_s),
            retries=_pick(other.retries, self.retries),
            strict=_pick(other.strict, self.strict),
            faults=self.faults + other.faults,
        )

    def text(self) -> str:
        """The change in the text form :func:`parse_knobs` reads (``parallel=off,max=4``)."""
        parts: list[str] = []
        if self.parallel is not None:
            parts.append(f"parallel={_onoff(self.parallel)}")
        if self.concurrent is not None:
            parts.append(f"concurrency={_onoff(self.concurrent)}")
        if self.max_concurrent is not None:
            parts.append(f"max={self.max_concurrent}")
        if self.timeout_s is not None:
            parts.append(
                f"timeout={self.timeout_s if self.timeout_s == OFF else f'{self.timeout_s:g}'}"
            )
        if self.function_calling_mode is not None:
            parts.append(f"mode={self.function_calling_mode}")
        if self.retries is not None:
            parts.append(f"retries={self.retries}")
        if self.strict is not None:
            parts.append(f"strict={_onoff(self.strict)}")
        parts.extend(f"fault={tool}:{preset}" for tool, preset in self.faults)
        return ",".join(parts)


def _pick(new: _T | None, old: _T | None) -> _T | None:
    return old if new is None else new


def _onoff(value: bool) -> str:
    return "on" if value else "off"


def parse_knobs(text: str) -> KnobChange:
    """``parallel=off,max=4`` as a :class:`KnobChange`; :class:`KnobError` names what is wrong."""
    change = KnobChange()
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sep, value = part.partition("=")
        if not sep:
            raise KnobError(f"'{part}' is not knob=value (knobs: {_listing()})")
        change = change.then(parse_knob(name.strip(), value.strip()))
    return change


def parse_knob(name: str, value: str) -> KnobChange:
    """One knob and its value as typed (``max``, ``"4"``)."""
    key = name.lower()
    if key not in KNOBS:
        close = difflib.get_close_matches(key, KNOBS, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise KnobError(f"unknown knob '{name}'.{hint} Knobs: {_listing()}")
    try:
        match key:
            case "parallel":
                return KnobChange(parallel=_on_off(value))
            case "concurrency":
                return KnobChange(concurrent=_on_off(value))
            case "max":
                return KnobChange(max_concurrent=_int(value, 1, 10_000))
            case "timeout":
                if value.lower() in {"off", "none"}:
                    return KnobChange(timeout_s=OFF)
                seconds = float(value.rstrip("s"))
                if not seconds > 0 or seconds == float("inf"):
                    raise ValueError
                return KnobChange(timeout_s=seconds)
            case "mode":
                mode = value.upper()
                if mode not in get_args(FunctionCallingMode):
                    raise ValueError
                return KnobChange(function_calling_mode=mode)  # type: ignore[arg-type]
            case "retries":
                return KnobChange(retries=_int(value, 0, 10))
            case "strict":
                return KnobChange(strict=_on_off(value))
            case _:  # fault
                tool, sep, preset = value.partition(":")
                if not sep or not tool or preset.lower() not in get_args(FaultPreset):
                    raise ValueError
                return KnobChange(faults=((tool, preset.lower()),))  # type: ignore[arg-type]
    except ValueError:
        raise KnobError(f"{key}={value!s} is not valid: {key} takes {KNOBS[key]}") from None


def _on_off(value: str) -> bool:
    match value.lower():
        case "on" | "true" | "yes" | "1":
            return True
        case "off" | "false" | "no" | "0":
            return False
        case _:
            raise ValueError


def _int(value: str, low: int, high: int) -> int:
    number = int(value)
    if not low <= number <= high:
        raise ValueError
    return number


def _listing() -> str:
    return ", ".join(f"{k}={v}" for k, v in KNOBS.items())
