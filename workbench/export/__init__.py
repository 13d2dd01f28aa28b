"""Sessions into the tools people already use: OpenTelemetry traces and Perfetto timelines.

``spans`` is the shared, pure model of a session's turns, round trips, batches and calls; ``source``
reads it from a session file; ``chrome`` writes a Chrome/Perfetto trace; ``otlp`` builds GenAI spans
with the official SDK and writes OTLP JSON lines through ``otlp_json`` (the JSON mapping);
``otlp_send`` sends them with the official exporters (``otlp`` and ``otlp_send`` are the only modules
that import OpenTelemetry); ``endpoint`` resolves where to from the OTEL variables; ``provider`` names
who served the model; ``live`` sends a running session's spans as its batches finish. See
docs/export.md.
"""
