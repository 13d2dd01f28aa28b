"""The one table of live knobs, and the one parser for the text form users type.

Every place a knob appears is generated from :data:`TABLE` or checked against it: the slash commands
(``/max 4``), the palette, the CLI flags (``--max-concurrent 4``), compare variants
(``--variant "cap2:max=2"``), the knobs bar and the profile's fields (``tests/core/test_knob_table.py``
fails when one of them misses a knob). Bounds and choices are read from the settings model
(:mod:`workbench.core.settings`), imported only when a value is first checked, so building the CLI's
``--help`` builds no pydantic model. The text form is ``knob=value`` pairs joined by commas::

    parallel=on|off  mode=AUTO|ANY|NONE  strict=on|off  concurrency=on|off  max=N
    timeout=S|off  retries=N  fault=TOOL:slow|flaky|hang|off

A :class:`KnobChange` names a change (a field per knob, left None to leave it as it is);
:func:`apply_change` turns one into new settings. README "Adding a knob" lists the steps.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterator
from dataclasses import dataclass, field, fields, replace
from functools import cache
from typing import TYPE_CHECKING, Any, Final, Literal

if TYPE_CHECKING:
    from collections.abc import Collection

    from workbench.core.settings import FaultPreset, FunctionCallingMode, RunSettings

OFF: Final = "off"
"""``timeout_s=OFF``: no per-call timeout (as distinct from None: leave the timeout as it is)."""

Layer = Literal["emission", "execution"]
"""Emission: what the model may request in one response. Execution: how the calls that arrived run."""


class KnobError(ValueError):
    """Text that does not name a knob and a valid value; the message says which and lists the valid ones."""


# -- value kinds: how a knob's value is read, shown and bounded -------------------------------------


class Kind:
    """How one knob's value is typed, read and shown. Subclasses are the kinds of value there are."""

    values: str = ""
    """What the value may be, for help and errors (``on|off``)."""
    words: str = ""
    """The value's words in a slash command's usage (``N`` for ``/max N``)."""
    metavar: str = ""
    """The value's name after a CLI flag (``--max-concurrent N``)."""

    def parse(self, knob: Knob, text: str) -> Any:
        """The value of ``text``; ``ValueError`` says why it is not one, in a few words."""
        raise NotImplementedError

    def show(self, value: Any) -> str:
        """The value in the text form, so that ``parse(show(v)) == v``."""
        return str(value)

    def describe(self, knob: Knob) -> str:
        """The values the knob takes, with its bounds (``a whole number from 1 to 10000``)."""
        return self.values


class OnOff(Kind):
    values = words = "on|off"

    def parse(self, knob: Knob, text: str) -> bool:
        match text.lower():
            case "on" | "true" | "yes" | "1":
                return True
            case "off" | "false" | "no" | "0":
                return False
            case _:
                raise ValueError("not on or off")

    def show(self, value: Any) -> str:
        return "on" if value else "off"


class Whole(Kind):
    """A whole number within the settings field's bounds."""

    values = words = metavar = "N"

    def __init__(self, *, steps: bool = False) -> None:
        self.steps = steps
        """Whether the knobs bar offers − and + beside the number."""

    def parse(self, knob: Knob, text: str) -> int:
        try:
            number = int(text)
        except ValueError:
            raise ValueError("not a whole number") from None
        low, high = knob.bounds()
        if low is not None and number < low:
            raise ValueError(f"must be at least {low}")
        if high is not None and number > high:
            raise ValueError(f"must be at most {high}")
        return number

    def describe(self, knob: Knob) -> str:
        low, high = knob.bounds()
        return f"a whole number from {low} to {high}"


class Seconds(Kind):
    """Seconds above 0, or off (0 and ``none`` also mean off, on the CLI as everywhere)."""

    values = words = "S|off"
    metavar = "S"

    def parse(self, knob: Knob, text: str) -> float | Literal["off"]:
        if text.lower() in {"off", "none"}:
            return OFF
        try:
            seconds = float(text.lower().rstrip("s"))
        except ValueError:
            raise ValueError("not a number of seconds") from None
        if not math.isfinite(seconds):
            raise ValueError("not a number of seconds")
        if seconds == 0:
            return OFF
        if seconds < 0:
            raise ValueError("cannot be negative")
        return seconds

    def show(self, value: Any) -> str:
        return OFF if value == OFF else f"{value:g}"

    def describe(self, knob: Knob) -> str:
        return "seconds, or off (0 is off too)"


class Choice(Kind):
    """One of a ``Literal``'s values in the settings model, typed in any case."""

    def __init__(self, literal: str, values: str) -> None:
        self.literal = literal
        """The name of the ``Literal`` in :mod:`workbench.core.settings`."""
        self.values = self.metavar = values
        self.words = values.lower()

    def choices(self) -> tuple[str, ...]:
        from typing import get_args

        from workbench.core import settings

        return tuple(get_args(getattr(settings, self.literal)))

    def parse(self, knob: Knob, text: str) -> str:
        value = text.upper()
        if value not in self.choices():
            raise ValueError("not one of the choices")
        return value


class FaultSwitch(Kind):
    """A fault preset for one tool: ``TOOL:slow`` (``TOOL=slow`` too, as the CLI writes it)."""

    values = "TOOL:slow|flaky|hang|off"
    words = "TOOL slow|flaky|hang|off"
    metavar = "TOOL=KIND"

    def presets(self) -> tuple[FaultPreset, ...]:
        from typing import get_args

        from workbench.core.settings import FaultPreset

        return get_args(FaultPreset)

    def parse(self, knob: Knob, text: str) -> tuple[tuple[str, FaultPreset], ...]:
        sep = ":" if ":" in text else "="
        tool, found, preset = text.partition(sep)
        if not found or not tool:
            raise ValueError("name a tool, then its fault")
        for known in self.presets():
            if preset.lower() == known:
                return ((tool, known),)
        raise ValueError("not one of the faults")

    def show(self, value: Any) -> str:
        tool, preset = value
        return f"{tool}:{preset}"


# -- the table --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Flag:
    """One CLI flag of a knob: ``--max-concurrent N`` (value None) or ``--sequential`` (value "off")."""

    name: str
    help: str
    value: str | None = None
    """The value the flag stands for, for a flag that takes none."""


@dataclass(frozen=True, slots=True)
class Knob:
    """One live knob: how it is typed, where it lives, how each surface offers it."""

    name: str
    """The knob in the text form, the slash command and the knobs bar's widget id (``max``)."""
    layer: Layer
    field: str
    """Its field in the layer's settings model and in :class:`KnobChange` (``max_concurrent``)."""
    kind: Kind
    title: str
    """What the user calls it, in a ⚙ line or the palette (``max concurrent tools``)."""
    help: str
    """One line, for the help screen and the palette."""
    flags: tuple[Flag, ...]
    """Its ``workbench run`` flags."""
    palette: tuple[str, ...]
    """The values the palette offers (typed as in the text form); a fault's are per tool."""
    profile_field: str | None
    """The profile's field for it (None: the profile sets it another way, such as parallel's
    vendor switches)."""
    bar: str
    """The knobs bar's label for it."""

    def parse(self, text: str) -> Any:
        """The value of ``text``; :class:`KnobError` names the knob, the reason and the valid values."""
        try:
            return self.kind.parse(self, text.strip())
        except ValueError as exc:
            raise KnobError(
                f"{self.name}={text} is not valid: {exc}; {self.name} takes {self.describe()}"
            ) from None

    def change(self, value: Any) -> KnobChange:
        """A change of this knob alone to ``value`` (as :meth:`parse` returns it)."""
        return KnobChange(**{self.field: value})

    def show(self, value: Any) -> str:
        return self.kind.show(value)

    def describe(self) -> str:
        return self.kind.describe(self)

    def usage(self) -> str:
        """``/max N``."""
        return f"/{self.name} {self.kind.words}"

    def bounds(self) -> tuple[int | None, int | None]:
        """The settings field's whole-number bounds (``gt=0`` is a least of 1), None where open."""
        rules = dict(_rules(self.name))
        low = rules.get("ge", rules["gt"] + 1 if "gt" in rules else None)
        high = rules.get("le", rules["lt"] - 1 if "lt" in rules else None)
        return low, high

    def profile_value(self, value: Any) -> Any:
        """The value as the profile field holds it (a timeout of ``off`` is null)."""
        return None if value == OFF else value


TABLE: Final[tuple[Knob, ...]] = (
    Knob(
        "parallel", "emission", "parallel", OnOff(),
        title="parallel emission",
        help="Let the model emit several calls per response",
        flags=(
            Flag("--parallel-emission", "allow several calls per response", "on"),
            Flag("--no-parallel-emission", "one call per response (more round trips)", "off"),
        ),
        palette=("on", "off"), profile_field=None, bar="parallel",
    ),
    Knob(
        "mode", "emission", "function_calling_mode", Choice("FunctionCallingMode", "AUTO|ANY|NONE"),
        title="function-calling mode",
        help="Function-calling mode, where the provider has one",
        flags=(Flag("--function-calling-mode", "AUTO (the model decides), ANY or NONE"),),
        palette=("AUTO", "ANY", "NONE"), profile_field="function_calling_mode", bar="mode",
    ),
    Knob(
        "strict", "emission", "strict", OnOff(),
        title="strict schemas",
        help="Strict tool schemas, where the provider takes them",
        flags=(
            Flag("--strict-tools", "strict tool schemas (OpenAI APIs; see workbench providers)",
                 "on"),
            Flag("--no-strict-tools", "non-strict tool schemas", "off"),
        ),
        palette=("on", "off"), profile_field="strict_tools", bar="strict",
    ),
    Knob(
        "concurrency", "execution", "concurrent", OnOff(),
        title="local concurrency",
        help="Run the calls of a batch concurrently",
        flags=(
            Flag("--concurrent", "execute the calls of a batch at once (up to the cap)", "on"),
            Flag("--sequential", "execute the calls of a batch one at a time", "off"),
        ),
        palette=("on", "off"), profile_field="concurrent_tool_execution", bar="concurrent",
    ),
    Knob(
        "max", "execution", "max_concurrent", Whole(steps=True),
        title="max concurrent tools",
        help="Cap on calls running at once",
        flags=(Flag("--max-concurrent", "cap on calls running at once"),),
        palette=("1", "2", "4", "8", "16", "64"), profile_field="max_concurrent_tools", bar="max",
    ),
    Knob(
        "timeout", "execution", "timeout_s", Seconds(),
        title="tool timeout",
        help="Per-call timeout in seconds (0 or off: none)",
        flags=(Flag("--tool-timeout", "per-call timeout in seconds, or off (0 is off too)"),),
        palette=("off", "0.5", "1", "5", "30"), profile_field="tool_timeout_s", bar="timeout",
    ),
    Knob(
        "retries", "execution", "retries", Whole(),
        title="retries",
        help="Extra attempts for a call whose tool raised",
        flags=(Flag("--retries", "extra attempts for a call whose tool raised"),),
        palette=("0", "1", "2", "3"), profile_field="tool_retries", bar="retries",
    ),
    Knob(
        "fault", "execution", "faults", FaultSwitch(),
        title="fault",
        help="Inject a fault into one tool",
        flags=(Flag("--fault", "inject a fault: TOOL=slow|flaky|hang|off (repeatable)"),),
        palette=("slow", "flaky", "hang", "off"), profile_field="faults", bar="Faults",
    ),
)  # fmt: skip
"""Every live knob, in the order help, the palette and the knobs bar show them."""

KNOBS: Final[dict[str, Knob]] = {knob.name: knob for knob in TABLE}
"""The table by name."""


def knob(name: str) -> Knob:
    """The knob named ``name`` (as typed, any case); :class:`KnobError` suggests a close one."""
    found = KNOBS.get(name.lower())
    if found is None:
        close = difflib.get_close_matches(name.lower(), KNOBS, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise KnobError(f"unknown knob '{name}'.{hint} Knobs: {listing()}")
    return found


def listing() -> str:
    """``parallel=on|off, …, fault=TOOL:slow|flaky|hang|off``: every knob and what it takes."""
    return ", ".join(f"{k.name}={k.kind.values}" for k in TABLE)


def field_bounds(name: str) -> dict[str, Any]:
    """The knob's settings-field bounds as ``Field`` keywords (``{"ge": 1, "le": 10000}``), for
    another model's field of the same knob: the profile's ``max_concurrent_tools`` takes them."""
    return dict(_rules(name))


@cache
def _rules(name: str) -> tuple[tuple[str, Any], ...]:
    import annotated_types

    from workbench.core.settings import EmissionSettings, ExecutionSettings

    entry = KNOBS[name]
    model = EmissionSettings if entry.layer == "emission" else ExecutionSettings
    kinds = (annotated_types.Ge, annotated_types.Gt, annotated_types.Le, annotated_types.Lt)
    found: list[tuple[str, Any]] = []
    for rule in model.model_fields[entry.field].metadata:
        for kind in kinds:
            if isinstance(rule, kind):
                key = kind.__name__.lower()
                found.append((key, getattr(rule, key)))
    return tuple(found)


# -- a change ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KnobChange:
    """Live knobs to turn; a field left None is left as it is. One field per knob of :data:`TABLE`,
    named as its settings field."""

    parallel: bool | None = None
    """Parallel emission: may the model request several calls per response."""
    function_calling_mode: FunctionCallingMode | None = None
    strict: bool | None = None
    """Strict tool schemas (``strict_tools``), where the provider takes them."""
    concurrent: bool | None = None
    """Run a batch's calls at once (True) or one after another (False)."""
    max_concurrent: int | None = None
    timeout_s: float | Literal["off"] | None = None
    """Per-call timeout in seconds, or :data:`OFF` for none."""
    retries: int | None = None
    faults: tuple[tuple[str, FaultPreset], ...] = field(default=())
    """(tool, preset) pairs; ``off`` removes the tool's fault."""

    @property
    def empty(self) -> bool:
        return self == KnobChange()

    def then(self, other: KnobChange) -> KnobChange:
        """This change followed by ``other``: other's knobs win; faults accumulate."""
        picked: dict[str, Any] = {}
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if f.name == "faults":
                picked[f.name] = mine + theirs
            else:
                picked[f.name] = mine if theirs is None else theirs
        return replace(self, **picked)

    def items(self) -> Iterator[tuple[Knob, Any]]:
        """Each knob this change turns, with its value (a fault once per tool), in table order."""
        for entry in TABLE:
            value = getattr(self, entry.field)
            if entry.field == "faults":
                yield from ((entry, pair) for pair in value)
            elif value is not None:
                yield entry, value

    def text(self) -> str:
        """The change in the text form :func:`parse_knobs` reads (``parallel=off,max=4``)."""
        return ",".join(f"{entry.name}={entry.show(value)}" for entry, value in self.items())


def parse_knobs(text: str) -> KnobChange:
    """``parallel=off,max=4`` as a :class:`KnobChange`; :class:`KnobError` names what is wrong."""
    change = KnobChange()
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sep, value = part.partition("=")
        if not sep:
            raise KnobError(f"'{part}' is not knob=value (knobs: {listing()})")
        change = change.then(parse_knob(name.strip(), value.strip()))
    return change


def parse_knob(name: str, value: str) -> KnobChange:
    """One knob and its value as typed (``max``, ``"4"``)."""
    entry = knob(name)
    return entry.change(entry.parse(value))


def apply_change(
    settings: RunSettings, change: KnobChange, *, tools: Collection[str]
) -> tuple[RunSettings, dict[str, Any]]:
    """``settings`` with ``change`` applied, and the change as ``{"execution.max_concurrent": 2}``.

    A fault must name a tool in ``tools``. Raises ``ValueError`` (a pydantic ``ValidationError``
    for out-of-range values) and changes nothing when a value is refused.
    """
    from workbench.core.settings import Fault

    layers: dict[Layer, dict[str, Any]] = {"emission": {}, "execution": {}}
    changes: dict[str, Any] = {}
    faults = dict(settings.execution.faults)
    for entry, value in change.items():
        if entry.field == "faults":
            tool, preset = value
            if tool not in tools:
                raise ValueError(
                    f"no tool named '{tool}' in this session (tools: {', '.join(tools)})"
                )
            faults.pop(tool, None)
            chosen = Fault.preset(preset)
            if chosen is not None:
                faults[tool] = chosen
            layers["execution"]["faults"] = faults
            changes[f"execution.faults.{tool}"] = preset
        else:
            layers[entry.layer][entry.field] = entry.profile_value(value)
            changes[f"{entry.layer}.{entry.field}"] = entry.profile_value(value)
    emission, execution = settings.emission, settings.execution
    new = type(settings)(
        emission=emission.model_validate({**emission.model_dump(), **layers["emission"]}),
        execution=execution.model_validate({**execution.model_dump(), **layers["execution"]}),
    )
    return new, changes


def value_in(settings: RunSettings, entry: Knob) -> Any:
    """The knob's value in ``settings``, as the text form has it (no timeout is :data:`OFF`)."""
    value = getattr(getattr(settings, entry.layer), entry.field)
    if entry.field == "timeout_s" and value is None:
        return OFF
    return value


__all__ = [
    "OFF",
    "TABLE",
    "Flag",
    "Knob",
    "KnobChange",
    "KnobError",
    "apply_change",
    "knob",
    "parse_knob",
    "parse_knobs",
    "value_in",
]
