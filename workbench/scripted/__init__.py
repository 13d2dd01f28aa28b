"""The scripted model's planner: pure functions from a neutral conversation to its next response.

Shared by the in-process scripted provider (:mod:`workbench.providers.scripted`) and the loopback
emulator (:mod:`workbench.emulator`), which therefore do not import each other.
"""
