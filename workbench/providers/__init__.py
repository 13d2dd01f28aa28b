"""Model providers: one module per vendor SDK (the only module importing that SDK) plus ``scripted``.

``scripted`` is the embedded, network-free default model; ``scripted_plan`` is its pure planner, which
the loopback emulator reuses to answer in the four real wire formats.
"""
