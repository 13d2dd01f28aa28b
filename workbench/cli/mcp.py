"""``workbench mcp list``: connect to a profile's MCP servers and list their tools with their schemas.

Exit 0 only when every server connected; a server that did not is one line saying why.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any, TextIO

from workbench.cli.common import EXIT_FAILED, EXIT_OK, load_profile


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    mcp = sub.add_parser("mcp", help="MCP servers of a profile")
    actions = mcp.add_subparsers(dest="mcp_command", metavar="ACTION", required=True)
    listing = actions.add_parser(
        "list", help="connect to each server and list its tools; exit 0 only if all connected"
    )
    listing.add_argument("--profile", "-p", dest="mcp_profile", help="profile name or YAML path")
    listing.add_argument(
        "--json", action="store_true", help="print servers and full input schemas as JSON"
    )
    listing.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    profile = load_profile(getattr(args, "mcp_profile", None) or args.profile)
    from workbench.logs import configure_logging
    from workbench.tools.sources import sources_for

    configure_logging()
    sources = sources_for(profile)
    out = sys.stdout
    notes = profile.warnings()  # what `profiles` says about the config: skipped entries...
    if not args.json:
        for note in notes:
            print(f"! {note}", file=out)
    if not sources:
        print(f"profile '{profile.name}' has no MCP servers (mcp_servers, mcp_config)", file=out)
        return EXIT_OK
    reasons = asyncio.run(_connect_all(sources))
    if args.json:
        _print_json(sources, reasons, notes, out)
    else:
        _print_text(sources, reasons, out)
    return EXIT_OK if not any(reasons.values()) else EXIT_FAILED


async def _connect_all(sources: list[Any]) -> dict[str, str | None]:
    from workbench.core.tools import ToolSourceError

    async def one(source: Any) -> str | None:
        try:
            await source.start()
        except ToolSourceError as exc:
            return str(exc)
        return None

    try:
        outcomes = await asyncio.gather(*(one(s) for s in sources))
    finally:
        await asyncio.gather(*(s.aclose() for s in sources), return_exceptions=True)
    return {s.name: reason for s, reason in zip(sources, outcomes, strict=True)}


def _where(source: Any) -> str:
    config = getattr(source, "config", None)
    if config is None:
        return ""
    public = config.public_dict()
    return public.get("command") or public.get("url") or ""


def _print_text(sources: list[Any], reasons: dict[str, str | None], out: TextIO) -> None:
    for source in sources:
        reason = reasons[source.name]
        config = getattr(source, "config", None)
        kind = config.transport if config is not None else ""
        if reason is not None:
            print(f"✗ {source.name}  {kind}  {_where(source)}", file=out)
            print(f"    {reason}", file=out)
            continue
        from workbench.render.format import schema_signature  # pydantic: not for `workbench --help`

        tools = source.tools()
        print(
            f"✓ {source.name}  {kind}  {_where(source)}  ·  {len(tools)} tools  ·  "
            f"log {source.log_path}",
            file=out,
        )
        for tool in tools:
            print(f"    {tool.name}({schema_signature(tool.parameters)})", file=out)
            if tool.description:
                print(f"        {tool.description.splitlines()[0]}", file=out)
        for note in getattr(source, "notes", ()):
            print(f"    ! {note}", file=out)


def _print_json(
    sources: list[Any], reasons: dict[str, str | None], notes: list[str], out: TextIO
) -> None:
    data = []
    for source in sources:
        reason = reasons[source.name]
        config = getattr(source, "config", None)
        entry: dict[str, Any] = {
            **(config.public_dict() if config is not None else {"name": source.name}),
            "connected": reason is None,
            "error": reason,
            "tools": [
                {"name": t.name, "description": t.description, "input_schema": t.parameters}
                for t in (source.tools() if reason is None else [])
            ],
        }
        if config is not None:
            entry["log"] = str(source.log_path)
            entry["notes"] = list(getattr(source, "notes", ()))
        data.append(entry)
    json.dump({"servers": data, "notes": notes}, out, indent=2)
    out.write("\n")
