"""Other agents' OpenTelemetry traces as Workbench sessions: ``workbench import`` and ``listen``.

decode (bytes → OTLP requests: the only module importing opentelemetry.proto) → spans (a neutral
span record) → assemble (spans → agent runs, as they arrive) → batches (which response emitted which
call) → convert (runs → session events) → write (the ordinary session recorder).
"""
