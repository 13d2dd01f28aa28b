"""Model providers: one module per vendor SDK (the only module importing that SDK) plus ``scripted``.

``factory`` builds a provider from a profile, importing the vendor module only then. ``scripted`` is
the embedded, network-free default model: a thin adapter over the planner package
:mod:`workbench.scripted`, which the loopback emulator shares to answer in the four real wire formats.
"""
