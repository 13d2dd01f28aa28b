"""A tool's result as the text a model reads: every block in the server's order, in few characters.

Text blocks are given as they are; an image, audio or resource block is one line saying what it is
(never its base64). Structured content is added only when it says something the blocks do not: the
spec asks servers to repeat it as a text block, and some servers repeat the blocks in it.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import mcp_types


def result_text(result: mcp_types.CallToolResult) -> str:
    """What the model reads for ``result``."""
    parts = [
        block.text if isinstance(block, mcp_types.TextContent) else describe_block(block)
        for block in result.content
    ]
    structured = result.structured_content
    if structured is not None and not _copies_content(structured, result.content):
        parts.append(json.dumps(structured, ensure_ascii=False))
    return "\n".join(parts)


def describe_block(block: Any) -> str:
    """One line for a block that is not text."""
    if isinstance(block, mcp_types.ImageContent | mcp_types.AudioContent):
        kind = "image" if isinstance(block, mcp_types.ImageContent) else "audio"
        return f"[{kind}: {block.mime_type}, {_b64_size(block.data)} bytes, not shown]"
    if isinstance(block, mcp_types.ResourceLink):
        name = f" ({block.name})" if getattr(block, "name", None) else ""
        return f"[resource link: {block.uri}{name}]"
    if isinstance(block, mcp_types.EmbeddedResource):
        res = block.resource
        mime = f", {res.mime_type}" if res.mime_type else ""
        if isinstance(res, mcp_types.TextResourceContents):
            return f"[resource: {res.uri}{mime}, {len(res.text)} characters, not shown]"
        return f"[resource: {res.uri}{mime}, {_b64_size(res.blob)} bytes, not shown]"
    return f"[{getattr(block, 'type', type(block).__name__)} content, not shown]"


def _copies_content(structured: Any, content: list[Any]) -> bool:
    """Whether ``structured`` only repeats the blocks: the JSON of a text block, the blocks
    themselves (bare or wrapped as ``{"result": ...}``), or a block's base64 payload."""
    inner = structured.get("result", structured) if len(structured) == 1 else structured
    candidates = [structured, inner]
    texts = [block.text for block in content if isinstance(block, mcp_types.TextContent)]
    copies: list[Any] = [*texts, "\n".join(texts)]
    for text in texts:
        with contextlib.suppress(ValueError):
            copies.append(json.loads(text))
    dumps = [block.model_dump(mode="json", by_alias=True, exclude_none=True) for block in content]
    copies.append(dumps)
    if len(dumps) == 1:
        copies.append(dumps[0])
    if any(c in copies for c in candidates):
        return True
    payloads = {d.get("data") for d in dumps} | {
        d.get("resource", {}).get("blob") for d in dumps if isinstance(d.get("resource"), dict)
    }
    payloads.discard(None)
    return bool(payloads) and any(s in payloads for s in _strings(structured))


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def _b64_size(data: str) -> int:
    return len(data) * 3 // 4 - data.count("=", max(0, len(data) - 2))
