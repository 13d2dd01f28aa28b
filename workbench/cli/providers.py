"""``workbench providers``: what each knob does on each provider (honoured, emulated, ignored, rejected)."""

from __future__ import annotations

import argparse
import sys

from workbench.cli.common import EXIT_OK, UsageError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    providers = sub.add_parser(
        "providers", help="the capability matrix: what each knob does on each provider, and why"
    )
    providers.add_argument(
        "type", nargs="?", help="only this provider type (e.g. openai-chat, anthropic)"
    )
    providers.add_argument("--markdown", action="store_true", help="print a Markdown table")
    providers.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from workbench.core.capabilities import PROVIDER_TYPES, ROWS
    from workbench.render.capabilities import matrix_lines, matrix_markdown

    rows = ROWS
    if args.type is not None:
        rows = tuple(r for r in ROWS if r.type == args.type)
        if not rows:
            raise UsageError(f"no provider type '{args.type}' (types: {', '.join(PROVIDER_TYPES)})")
    if args.markdown:
        print(matrix_markdown(rows), file=sys.stdout)
    else:
        print("\n".join(matrix_lines(rows)), file=sys.stdout)
    return EXIT_OK
