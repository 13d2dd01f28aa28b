"""The compare manifest: a small JSON file next to a comparison's sessions, so it can be reopened.

It holds the comparison's JSON object (the one ``--json`` prints) plus ``kind`` and ``version``, with
each variant's ``session`` relative to the manifest, so the folder can be moved or shared whole.
``workbench replay MANIFEST`` reads it and replays the sessions side by side.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MANIFEST_NAME = "compare.json"
KIND = "workbench-compare"
VERSION = 1


class ManifestError(ValueError):
    """Not a compare manifest, or one that cannot be read (one line)."""


@dataclass(frozen=True)
class ManifestVariant:
    name: str
    status: str
    error: str | None
    session: Path | None
    """Absolute path of the variant's session file (None when it never started)."""
    data: dict[str, Any]
    """Everything the JSON says about the variant (figures, settings)."""


@dataclass(frozen=True)
class Manifest:
    path: Path
    prompt: str
    profile: str
    baseline: str
    variants: list[ManifestVariant]
    data: dict[str, Any]


def write_manifest(directory: Path, summary: dict[str, Any]) -> Path:
    """Write ``summary`` (a comparison dict) as ``directory/compare.json``, atomically."""
    directory.mkdir(parents=True, exist_ok=True)
    body = dict(summary)
    body["variants"] = [
        {**v, "session": _relative(v.get("session"), directory)} for v in summary["variants"]
    ]
    path = directory / MANIFEST_NAME
    temp = path.with_suffix(".json.tmp")
    temp.write_text(
        json.dumps({"kind": KIND, "version": VERSION, **body}, indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    os.replace(temp, path)
    return path


def _relative(session: str | None, directory: Path) -> str | None:
    if session is None:
        return None
    path = Path(session)
    try:
        return path.resolve().relative_to(directory.resolve()).as_posix()
    except ValueError:
        return str(path)


def looks_like_manifest(path: Path) -> bool:
    """A ``.json`` file (a session is ``.jsonl``), so replay knows which reader to use."""
    return path.suffix == ".json"


def load_manifest(path: Path) -> Manifest:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ManifestError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{path}: not a compare manifest (invalid JSON: {exc})") from None
    if not isinstance(data, dict) or data.get("kind") != KIND:
        raise ManifestError(f'{path}: not a compare manifest (no "kind": "{KIND}")')
    if data.get("version") != VERSION:
        raise ManifestError(f"{path}: compare manifest version {data.get('version')!r} is unknown")
    try:
        variants = [
            ManifestVariant(
                name=str(v["name"]),
                status=str(v["status"]),
                error=v.get("error"),
                session=(path.parent / v["session"]).resolve() if v.get("session") else None,
                data=v,
            )
            for v in data["variants"]
        ]
        return Manifest(
            path=path,
            prompt=str(data["prompt"]),
            profile=str(data["profile"]),
            baseline=str(data["baseline"]),
            variants=variants,
            data=data,
        )
    except (KeyError, TypeError) as exc:
        raise ManifestError(f"{path}: compare manifest is missing {exc}") from None


__all__ = [
    "MANIFEST_NAME",
    "Manifest",
    "ManifestError",
    "ManifestVariant",
    "load_manifest",
    "looks_like_manifest",
    "write_manifest",
]
