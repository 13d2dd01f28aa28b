"""Model providers: one module per vendor SDK (the only module importing that SDK) plus ``scripted``.

``factory`` builds a provider from a profile, importing the vendor module only then. ``scripted`` is
the embedded, network-free default model; its pure planner is ``scripted_plan`` (coordination), with
``scripted_syntax`` (``name(k=v)`` calls), ``scripted_intents`` (plain prompts) and
``scripted_summary`` (the final answer). The loopback emulator reuses the planner to answer in the
four real wire formats.
"""
