"""Reviewing a branch: the diff first, then read, blame and lint every file the diff's result names.

The second stage is planned from the first one's result, never from the prompt: the file names come
out of ``git_diff``'s output (its ``files`` list, or the ``diff --git`` lines of the patch when the
result is plain text), so the dependency between the two batches is real. Pure, like the rest of the
planner: same conversation, same plan.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from workbench.core.messages import ToolCall, ToolResult, ToolSpec
from workbench.scripted.intents import TurnPlan
from workbench.scripted.syntax import PlannedCall, Step

_REVIEW = re.compile(r"\breview\b", re.IGNORECASE)
_BASE = re.compile(r"\b(?:against|since|from|versus|vs\.?|base)\s+[`'\"]?([\w./-]+)", re.IGNORECASE)
_DIFF_HEADER = re.compile(r"^diff --git a/(\S+) b/(\S+)$", re.MULTILINE)
_NOT_BASES = frozenset({"the", "a", "an", "this", "that", "it"})
PER_FILE_TOOLS = ("read_file", "git_blame", "run_linter")
"""What the review does with each changed file, in this order."""


def review_plan(
    prompt: str,
    specs: dict[str, ToolSpec],
    made: Sequence[ToolCall],
    results: Sequence[ToolResult],
) -> TurnPlan | None:
    """The plan for a review prompt when ``git_diff`` is registered; None for any other prompt."""
    if "git_diff" not in specs or not _REVIEW.search(prompt):
        return None
    base = _base(prompt)
    diff = Step(PlannedCall("git_diff", {"base": base}), subject=base)
    result = _diff_result(made, results)
    if result is None:
        return TurnPlan([[diff]])  # what follows depends on what the diff says
    per_file = [name for name in PER_FILE_TOOLS if name in specs]
    second = [
        Step(PlannedCall(name, {"path": path}), subject=path)
        for path in changed_files(result)
        for name in per_file
    ]
    missing = [name for name in PER_FILE_TOOLS if name not in specs]
    return TurnPlan([[diff], second] if second else [[diff]], unavailable=missing)


def _base(prompt: str) -> str:
    for match in _BASE.finditer(prompt):
        word = match[1].rstrip(".,;:")
        if word.casefold() not in _NOT_BASES:
            return word
    return "main"


def _diff_result(made: Sequence[ToolCall], results: Sequence[ToolResult]) -> ToolResult | None:
    ids = {call.id for call in made if call.name == "git_diff"}
    for result in results:
        if result.call_id in ids:
            return result
    return None


def changed_files(result: ToolResult) -> list[str]:
    """The files a diff result names that still exist (added or modified), in its order."""
    if result.is_error:
        return []
    try:
        data: Any = json.loads(result.content)
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("files"), list):
        paths = [
            str(entry["path"])
            for entry in data["files"]
            if isinstance(entry, dict) and entry.get("path") and entry.get("status") != "D"
        ]
        return list(dict.fromkeys(paths))
    text = data.get("diff", "") if isinstance(data, dict) else result.content
    return list(dict.fromkeys(m[2] for m in _DIFF_HEADER.finditer(str(text))))


def review_answer(
    prompt: str,
    specs: dict[str, ToolSpec],
    made: Sequence[ToolCall],
    results: Sequence[ToolResult],
) -> str | None:
    """The review's summary once every call has its result: what changed, what the linter found,
    who wrote the changed files; None when this is not a review."""
    if "git_diff" not in specs or not _REVIEW.search(prompt):
        return None
    diff = _diff_result(made, results)
    if diff is None or diff.is_error:
        return None  # the generic answer reports the failed call
    data = _json(diff.content)
    files = changed_files(diff)
    names = {call.id: call.name for call in made}
    findings: list[str] = []
    authors: dict[str, int] = {}
    failed = 0
    for result in results:
        name = names.get(result.call_id, result.name)
        if result.is_error:
            failed += 1
            continue
        body = _json(result.content)
        if not isinstance(body, dict):
            continue
        if name == "run_linter":
            for issue in body.get("details") or []:
                if isinstance(issue, dict):
                    findings.append(
                        f"{body.get('path')}:{issue.get('line')} {issue.get('code')} "
                        f"{issue.get('message')}"
                    )
        elif name == "git_blame":
            for commit in body.get("commits") or []:
                if isinstance(commit, dict) and commit.get("author"):
                    author = str(commit["author"])
                    authors[author] = authors.get(author, 0) + int(commit.get("lines") or 0)
    head = data.get("head") if isinstance(data, dict) else None
    base = data.get("base") if isinstance(data, dict) else _base(prompt)
    added = sum(int(f.get("added") or 0) for f in _files(data))
    deleted = sum(int(f.get("deleted") or 0) for f in _files(data))
    lines = [
        f"Reviewed {len(files)} changed file{'s' if len(files) != 1 else ''}"
        + (f" on {head}" if head else "")
        + f" against {base}"
        + (f" (+{added} −{deleted} lines)" if added or deleted else "")
        + f": {', '.join(files)}."
        if files
        else "The diff names no changed files."
    ]
    if findings:
        lines.append(f"The linter found {len(findings)} thing(s) to fix:")
        lines.extend(f"- {finding}" for finding in findings[:20])
    elif files:
        lines.append("The linter found nothing to fix.")
    if authors:
        ranked = sorted(authors.items(), key=lambda item: -item[1])
        lines.append(
            "Current lines of these files by author: "
            + ", ".join(f"{author} {count}" for author, count in ranked)
            + "."
        )
    if failed:
        lines.append(f"{failed} call(s) failed, so this review is incomplete.")
    return "\n".join(lines)


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _files(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, dict) and isinstance(data.get("files"), list):
        return [f for f in data["files"] if isinstance(f, dict)]
    return []


__all__ = ["PER_FILE_TOOLS", "changed_files", "review_answer", "review_plan"]
