"""The live knobs: the profile, then a widget for every knob of the table, by layer, and a fault
switch per tool.

The bar is generated from :data:`workbench.core.knobs.TABLE`: a switch for an on/off knob, a select
for a choice, an input for a number (with − and + where the table says so), one chip per tool for a
fault; each widget's id is the knob's name. Adding a knob adds its widget here with no code.

The widget never talks to the runtime. A user change posts :class:`Knobs.Changed` with a
:class:`~workbench.core.knobs.KnobChange` of only what changed (typed values read by the same knob
parser as the slash commands); the screen applies it and calls :meth:`Knobs.show` with the settings the
runtime answered, which is the one place the knobs are set (silently, so showing never echoes back as a
change).
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import HorizontalScroll, Vertical
from textual.events import DescendantBlur
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, Input, Label, Select, Switch

from workbench.core.capabilities import strict_parallel_note
from workbench.core.knobs import (
    KNOBS,
    OFF,
    TABLE,
    Choice,
    FaultSwitch,
    Knob,
    KnobChange,
    KnobError,
    Layer,
    OnOff,
    Seconds,
    Whole,
    value_in,
)
from workbench.core.provider import ProviderCapabilities
from workbench.core.settings import (
    EmissionSettings,
    ExecutionSettings,
    Fault,
    FaultPreset,
    RunSettings,
)

FAULT = KNOBS["fault"]
_PRESETS: tuple[FaultPreset, ...] = FaultSwitch().presets()
FAULT_CYCLE: tuple[FaultPreset, ...] = ("off", *(p for p in _PRESETS if p != "off"))
"""A fault chip's presses: off, then each preset of the settings model."""
INVERTED_KNOBS = frozenset({"disable_parallel_tool_use"})
"""Provider knobs whose ``true`` means *no* parallel calls; their switch is shown the provider's way."""


def fault_preset(fault: Fault | None) -> FaultPreset | None:
    """The preset a fault came from, or None for a custom fault (set in a profile, say)."""
    if fault is None or not fault.active:
        return "off"
    for preset in FAULT_CYCLE[1:]:
        if Fault.preset(preset) == fault:
            return preset
    return None


def chip_label(tool: str, preset: FaultPreset | None) -> str:
    """Just the tool while no fault is set, so every tool fits on the row; ``tool: hang`` when set."""
    return tool if preset == "off" else f"{tool}: {preset or 'custom'}"


class FaultChip(Button):
    """A tool's fault switch: each press moves to the next preset (off → slow → flaky → hang)."""

    DEFAULT_CSS = """
    FaultChip {
        min-width: 8;
        margin: 0 1 0 0;
        &.-slow { background: $warning 40%; }
        &.-flaky { background: $error 40%; }
        &.-hang { background: $error 70%; }
        &.-custom { background: $secondary 40%; }
    }
    """

    preset: reactive[FaultPreset | None] = reactive[FaultPreset | None]("off", init=False)
    """The fault in force for this tool; None when it is a custom fault from the profile."""

    def __init__(self, tool: str, preset: FaultPreset | None = "off") -> None:
        super().__init__(chip_label(tool, preset), compact=True, classes=f"-{preset or 'custom'}")
        self.set_reactive(FaultChip.preset, preset)
        self.tool = tool
        self.active_effect_duration = 0  # each press counts, however quick
        self.tooltip = f"Fault injected into {tool}: press to cycle off, slow, flaky, hang"

    def watch_preset(self, old: FaultPreset | None, new: FaultPreset | None) -> None:
        self.remove_class(f"-{old or 'custom'}")
        self.add_class(f"-{new or 'custom'}")
        self.label = chip_label(self.tool, new)

    @property
    def next_preset(self) -> FaultPreset:
        if self.preset is None:
            return "off"
        return FAULT_CYCLE[(FAULT_CYCLE.index(self.preset) + 1) % len(FAULT_CYCLE)]


class Knobs(Vertical):
    """Three rows of knobs: who answers, what the model may emit, how calls run (and faults)."""

    DEFAULT_CSS = """
    Knobs {
        height: auto;
        padding: 0 1;
        & HorizontalScroll { height: 1; }
        & HorizontalScroll { scrollbar-size-horizontal: 0; }
        & Label { margin: 0 1 0 0; }
        & .group { color: $text-accent; text-style: bold; width: 10; }
        & .note { color: $text-muted; }
        & #parallel-note { width: 1fr; min-width: 20; text-wrap: nowrap; text-overflow: ellipsis; }
        & Switch { height: 1; border: none; padding: 0; margin: 0 1 0 0; }
        & Input { width: 8; margin: 0 1 0 0; }
        & Select { width: 10; margin: 0 1 0 0; }
        & #profile { margin: 0 2 0 0; min-width: 12; }
        & .step { min-width: 3; width: 3; }
    }
    """

    class Changed(Message):
        """The user turned a knob; ``change`` holds only what changed."""

        def __init__(self, knobs: Knobs, change: KnobChange) -> None:
            super().__init__()
            self.knobs = knobs
            self.change = change

        @property
        def control(self) -> Knobs:
            return self.knobs

    class ProfileRequested(Message):
        """The user wants to pick another profile."""

    class Invalid(Message):
        """A typed value was refused; ``message`` says why."""

        def __init__(self, message: str) -> None:
            super().__init__()
            self.message = message

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._settings = RunSettings.defaults()
        self._inverted = False
        self._parallel_note = ""
        """The provider's note on its parallel switch, shown unless the strict caveat applies."""

    def compose(self) -> ComposeResult:
        # Rows scroll sideways (focus brings a knob into view) rather than cut knobs off.
        with HorizontalScroll():
            yield Label("Profile", classes="group")
            yield Button("…", id="profile", compact=True)
            yield from self._layer("emission")
            yield Label("", id="parallel-note", classes="note")
        with HorizontalScroll():
            yield from self._layer("execution")
        with HorizontalScroll(id="faults"):
            yield Label(FAULT.bar, classes="group")

    def _layer(self, layer: Layer) -> ComposeResult:
        yield Label(layer.title(), classes="group")
        for entry in TABLE:
            if entry.layer == layer and entry is not FAULT:
                yield Label(entry.bar, id=f"{entry.name}-label")
                yield from _widgets(entry)

    # -- showing -------------------------------------------------------------------------------------

    async def configure(
        self,
        *,
        profile_label: str,
        capabilities: ProviderCapabilities,
        tools: list[str],
        settings: RunSettings | None = None,
    ) -> None:
        """Fit the knobs to a provider and its tools (after start-up or a profile switch), showing
        ``settings``. Everything is set before the fault chips mount, so the screen lays out once."""
        if settings is not None:
            self._settings = settings
        self.query_one("#profile", Button).label = f"{profile_label} ▾"
        knob = capabilities.parallel_knob
        # "tool_choice.disable_parallel_tool_use" on Claude: the switch is shown the provider's way.
        self._inverted = knob is not None and knob.rsplit(".", 1)[-1] in INVERTED_KNOBS
        parallel = self.query_one("#parallel", Switch)
        parallel.disabled = knob is None
        self.query_one("#parallel-label", Label).update(knob or "parallel: n/a")
        self._parallel_note = capabilities.parallel_note
        supports_mode = capabilities.supports_function_calling_mode
        self.query_one("#mode", Select).display = supports_mode
        self.query_one("#mode-label", Label).display = supports_mode
        faults = self.query_one("#faults", HorizontalScroll)
        if faults.query(FaultChip):
            await faults.remove_children(FaultChip)
        self.show(self._settings)
        in_force = self._settings.execution.faults
        await faults.mount_all(FaultChip(tool, fault_preset(in_force.get(tool))) for tool in tools)

    def on_mount(self) -> None:
        for button in self.query(".step").results(Button):
            button.active_effect_duration = 0  # quick presses add up

    def show(self, settings: RunSettings) -> None:
        """Show these settings without posting any change."""
        self._settings = settings
        self.show_emission(settings.emission)
        self.show_execution(settings.execution)

    def show_emission(self, emission: EmissionSettings) -> None:
        self._show_layer("emission", RunSettings.model_construct(
            emission=emission, execution=self._settings.execution
        ))  # fmt: skip
        # With strict schemas and parallel calls both on, the caveat in one line, saying which applies.
        caveat = emission.strict and emission.parallel
        text = strict_parallel_note(emission.strict_parallel) if caveat else self._parallel_note
        note = self.query_one("#parallel-note", Label)
        note.update(text)
        note.tooltip = text or None  # the label is cut on narrow screens

    def show_execution(self, execution: ExecutionSettings) -> None:
        self._show_layer("execution", RunSettings.model_construct(
            emission=self._settings.emission, execution=execution
        ))  # fmt: skip
        for chip in self.query(FaultChip):
            chip.preset = fault_preset(execution.faults.get(chip.tool))

    def _show_layer(self, layer: Layer, settings: RunSettings) -> None:
        with self.prevent(Switch.Changed, Select.Changed, Input.Changed):
            for entry in TABLE:
                if entry.layer != layer or entry is FAULT:
                    continue
                value = value_in(settings, entry)
                widget = self.query_one(f"#{entry.name}")
                if isinstance(widget, Switch):
                    widget.value = value != (self._inverted and entry.name == "parallel")
                elif isinstance(widget, Select):
                    widget.value = value
                elif isinstance(widget, Input):
                    widget.value = _shown(entry, value)

    # -- user changes --------------------------------------------------------------------------------

    def _changed(self, entry: Knob, value: Any) -> None:
        # Only a real change is posted: widgets also report values set while mounting.
        if value != value_in(self._settings, entry):
            self.post_message(self.Changed(self, entry.change(value)))

    def on_switch_changed(self, event: Switch.Changed) -> None:
        event.stop()
        entry = KNOBS.get(event.switch.id or "")
        if entry is not None:
            self._changed(entry, event.value != (self._inverted and entry.name == "parallel"))

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        entry = KNOBS.get(event.select.id or "")
        if entry is not None and isinstance(event.value, str):
            self._changed(entry, entry.parse(event.value))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button = event.button
        if isinstance(button, FaultChip):
            self.post_message(
                self.Changed(self, FAULT.change(((button.tool, button.next_preset),)))
            )
        elif button.id == "profile":
            self.post_message(self.ProfileRequested())
        elif button.has_class("step") and button.id is not None:
            name, _, way = button.id.rpartition("-")
            self._step(KNOBS[name], -1 if way == "down" else 1)

    def _step(self, entry: Knob, delta: int) -> None:
        # Step from what is shown, so quick presses add up before the runtime answers.
        box = self.query_one(f"#{entry.name}", Input)
        try:
            current = int(entry.parse(box.value))
        except KnobError:
            current = int(value_in(self._settings, entry))
        low, high = entry.bounds()
        new = current + delta
        if (low is None or new >= low) and (high is None or new <= high):
            with self.prevent(Input.Changed):
                box.value = str(new)
            self.post_message(self.Changed(self, entry.change(new)))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._take_input(event.input)

    def on_descendant_blur(self, event: DescendantBlur) -> None:
        if isinstance(event.widget, Input):
            self._take_input(event.widget)

    def _take_input(self, box: Input) -> None:
        entry = KNOBS.get(box.id or "")
        if entry is None:
            return
        try:
            self._changed(entry, entry.parse(box.value.strip() or box.placeholder))
        except KnobError as exc:
            self.show_execution(self._settings.execution)
            self.post_message(self.Invalid(str(exc)))


def _widgets(entry: Knob) -> ComposeResult:
    """The widget(s) that turn one knob, by the kind of its value."""
    kind = entry.kind
    if isinstance(kind, OnOff):
        yield Switch(id=entry.name, animate=False)
    elif isinstance(kind, Choice):
        choices = kind.choices()
        yield Select(
            [(c, c) for c in choices],
            id=entry.name,
            value=choices[0],
            allow_blank=False,
            compact=True,
        )
    elif isinstance(kind, Seconds):
        # The unit is in the value ("30s"), so "off" is not followed by a stray "s".
        yield Input(id=entry.name, placeholder=OFF, compact=True, select_on_focus=True)
    elif isinstance(kind, Whole):
        box = Input(id=entry.name, type="integer", compact=True, select_on_focus=True)
        if kind.steps:
            yield Button("−", id=f"{entry.name}-down", compact=True, classes="step")
            yield box
            yield Button("+", id=f"{entry.name}-up", compact=True, classes="step")
        else:
            yield box
    else:
        raise TypeError(f"the knobs bar has no widget for {type(kind).__name__} ({entry.name})")


def _shown(entry: Knob, value: Any) -> str:
    if isinstance(entry.kind, Seconds):
        return "" if value == OFF else f"{value:g}s"
    return entry.show(value)
