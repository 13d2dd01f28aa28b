"""Sessions into the tools people already use: OpenTelemetry traces and Perfetto timelines.

``spans`` is the shared, pure model of a session's turns, round trips, batches and calls; ``source``
reads it from a session file; ``chrome`` writes a Chrome/Perfetto trace; ``otlp`` (the only module
that imports OpenTelemetry) builds GenAI spans with the official SDK, writes OTLP JSON lines and
POSTs to a collector; ``live`` sends a running session's spans as its batches finish. See
docs/export.md.
"""
