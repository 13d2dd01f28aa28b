"""A loopback server speaking the OpenAI Chat, OpenAI Responses, Anthropic and Gemini wire formats.

It lets the real vendor SDKs run offline against the scripted model, and lets tests inject the
failures real APIs produce (error statuses, timeouts, dropped streams, in-stream errors).
"""

from workbench.emulator.convert import Reply, ReplyCall, ReplyText, WireError
from workbench.emulator.server import (
    EmulatorContext,
    EmulatorRequest,
    EmulatorResponse,
    EmulatorServer,
    Misbehaviour,
    WireHandler,
    serve_forever,
)

__all__ = [
    "EmulatorContext",
    "EmulatorRequest",
    "EmulatorResponse",
    "EmulatorServer",
    "Misbehaviour",
    "Reply",
    "ReplyCall",
    "ReplyText",
    "WireError",
    "WireHandler",
    "serve_forever",
]
