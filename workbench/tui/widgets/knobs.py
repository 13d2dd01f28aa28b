"""The live knobs: profile, parallel emission, function-calling mode, local concurrency, cap, timeout,
and a fault switch per tool.

The widget never talks to the runtime. A user change posts :class:`Knobs.Changed` with a
:class:`~workbench.core.knobs.KnobChange` of only what changed (typed values read by the same knob
parser as the slash commands); the screen applies it and calls :meth:`Knobs.show` with the settings the runtime answered,
which is the one place the knobs are set (silently, so showing never echoes back as a change).
"""

from __future__ import annotations

from typing import get_args

from textual.app import ComposeResult
from textual.containers import Horizontal, HorizontalScroll, Vertical
from textual.events import DescendantBlur
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, Input, Label, Select, Switch

from workbench.core.capabilities import strict_parallel_note
from workbench.core.knobs import OFF, KnobChange, KnobError, parse_knob
from workbench.core.provider import ProviderCapabilities
from workbench.core.settings import (
    EmissionSettings,
    ExecutionSettings,
    Fault,
    FaultPreset,
    FunctionCallingMode,
    RunSettings,
)

MAX_CONCURRENT_LIMIT = 10_000
"""The cap's upper bound (``ExecutionSettings.max_concurrent``, ``le=10_000``): + stops there."""
FAULT_CYCLE: tuple[FaultPreset, ...] = ("off", "slow", "flaky", "hang")
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
    """Three rows of knobs: who answers, what the model may emit, how calls run."""

    DEFAULT_CSS = """
    Knobs {
        height: auto;
        padding: 0 1;
        & Horizontal, & HorizontalScroll { height: 1; }
        & HorizontalScroll { scrollbar-size-horizontal: 0; }
        & Label { margin: 0 1 0 0; }
        & .group { color: $text-accent; text-style: bold; width: 10; }
        & .note { color: $text-muted; }
        & #parallel-note { width: 1fr; text-wrap: nowrap; text-overflow: ellipsis; }
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
        modes: tuple[FunctionCallingMode, ...] = get_args(FunctionCallingMode)
        with Horizontal():
            yield Label("Profile", classes="group")
            yield Button("…", id="profile", compact=True)
            yield Label("Emission", classes="group")
            yield Label("parallel_tool_calls", id="parallel-label")
            yield Switch(id="parallel", animate=False)
            yield Label("mode", id="mode-label")
            yield Select(
                [(mode, mode) for mode in modes],
                id="mode",
                value="AUTO",
                allow_blank=False,
                compact=True,
            )
            yield Label("", id="parallel-note", classes="note")
        with Horizontal():
            yield Label("Execution", classes="group")
            yield Label("concurrent")
            yield Switch(id="concurrent", animate=False)
            yield Label("max")
            yield Button("−", id="max-down", compact=True, classes="step")
            yield Input(id="max", type="integer", compact=True, select_on_focus=True)
            yield Button("+", id="max-up", compact=True, classes="step")
            yield Label("timeout")
            # The unit is in the value ("30s"), so "off" is not followed by a stray "s".
            yield Input(id="timeout", placeholder="off", compact=True, select_on_focus=True)
        with HorizontalScroll(id="faults"):
            yield Label("Faults", classes="group")

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
        for button_id in ("#max-down", "#max-up"):
            self.query_one(button_id, Button).active_effect_duration = 0  # quick presses add up

    def show(self, settings: RunSettings) -> None:
        """Show these settings without posting any change."""
        self._settings = settings
        self.show_emission(settings.emission)
        self.show_execution(settings.execution)

    def show_emission(self, emission: EmissionSettings) -> None:
        parallel = self.query_one("#parallel", Switch)
        mode = self.query_one("#mode", Select)
        with self.prevent(Switch.Changed, Select.Changed):
            parallel.value = emission.parallel != self._inverted
            mode.value = emission.function_calling_mode
        # With strict schemas and parallel calls both on, the caveat in one line, saying which applies.
        caveat = emission.strict and emission.parallel
        text = strict_parallel_note(emission.strict_parallel) if caveat else self._parallel_note
        note = self.query_one("#parallel-note", Label)
        note.update(text)
        note.tooltip = text or None  # the label is cut on narrow screens

    def show_execution(self, execution: ExecutionSettings) -> None:
        with self.prevent(Switch.Changed, Input.Changed):
            self.query_one("#concurrent", Switch).value = execution.concurrent
            self.query_one("#max", Input).value = str(execution.max_concurrent)
            timeout = execution.timeout_s
            self.query_one("#timeout", Input).value = "" if timeout is None else f"{timeout:g}s"
        for chip in self.query(FaultChip):
            chip.preset = fault_preset(execution.faults.get(chip.tool))

    # -- user changes --------------------------------------------------------------------------------

    def _changed(self, change: KnobChange) -> None:
        self.post_message(self.Changed(self, change))

    def on_switch_changed(self, event: Switch.Changed) -> None:
        # Only a real change is posted: widgets also report values set while mounting.
        event.stop()
        emission, execution = self._settings.emission, self._settings.execution
        if event.switch.id == "parallel":
            parallel = event.value != self._inverted
            if parallel != emission.parallel:
                self._changed(KnobChange(parallel=parallel))
        elif event.switch.id == "concurrent" and event.value != execution.concurrent:
            self._changed(KnobChange(concurrent=event.value))

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if event.select.id != "mode":
            return
        modes: tuple[FunctionCallingMode, ...] = get_args(FunctionCallingMode)
        for mode in modes:
            if event.value == mode and mode != self._settings.emission.function_calling_mode:
                self._changed(KnobChange(function_calling_mode=mode))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button = event.button
        if isinstance(button, FaultChip):
            self._changed(KnobChange(faults=((button.tool, button.next_preset),)))
        elif button.id == "profile":
            self.post_message(self.ProfileRequested())
        elif button.id in ("max-down", "max-up"):
            self._step_cap(-1 if button.id == "max-down" else 1)

    def _step_cap(self, delta: int) -> None:
        # Step from what is shown, so quick presses add up before the runtime answers.
        cap_input = self.query_one("#max", Input)
        try:
            current = parse_knob("max", cap_input.value.strip()).max_concurrent
        except KnobError:
            current = None
        current = current or self._settings.execution.max_concurrent
        new = min(MAX_CONCURRENT_LIMIT, max(1, current + delta))
        if new != current:
            with self.prevent(Input.Changed):
                cap_input.value = str(new)
            self._changed(KnobChange(max_concurrent=new))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._take_input(event.input)

    def on_descendant_blur(self, event: DescendantBlur) -> None:
        if isinstance(event.widget, Input):
            self._take_input(event.widget)

    def _take_input(self, input: Input) -> None:
        execution = self._settings.execution
        try:
            if input.id == "max":
                n = parse_knob("max", input.value.strip()).max_concurrent
                if n != execution.max_concurrent:
                    self._changed(KnobChange(max_concurrent=n))
            elif input.id == "timeout":
                timeout = parse_knob("timeout", input.value.strip() or OFF).timeout_s
                if (None if timeout == OFF else timeout) != execution.timeout_s:
                    self._changed(KnobChange(timeout_s=timeout))
        except KnobError as exc:
            self.show_execution(execution)
            self.post_message(self.Invalid(str(exc)))
