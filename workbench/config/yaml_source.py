"""Reading one YAML file into data plus the node tree, so every later error can name a line.

This module knows YAML and files, not profiles: it turns every way a file can be unusable (missing,
a directory, unreadable, not UTF-8, bad YAML, several documents, duplicate keys) into a
:class:`ProfileError` with the line, and answers "which line holds this key path?".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from workbench.config.errors import ProfileError
from workbench.inputs import InputFileError, read_regular

MAX_FILE_BYTES = 1 << 20
"""A profile or MassGen config larger than this (1 MiB) is refused: real ones are a few KB, and a
runaway file must not be read into memory whole."""

KeyPath = tuple[str | int, ...]
"""A path into the YAML data: mapping keys and sequence indices, e.g. ``("agents", 0, "backend")``."""


@dataclass(frozen=True)
class YamlDocument:
    """A parsed YAML file: the plain data and the node tree it came from."""

    path: Path
    data: Any
    root: Node | None

    def locate(self, key_path: KeyPath) -> tuple[int | None, int]:
        """The line best describing ``key_path`` and how many of its parts exist in the file.

        The line is that of the deepest key found (a key's own line reads better than its value's,
        which for a nested mapping is the line after). A missing key reports its parent's line.
        """
        node = self.root
        if node is None:
            return None, 0
        line = node.start_mark.line + 1
        matched = 0
        for part in key_path:
            step = _child(node, part)
            if step is None:
                break
            key_node, node = step
            line = (key_node or node).start_mark.line + 1
            matched += 1
        return line, matched

    def line_of(self, key_path: KeyPath) -> int | None:
        return self.locate(key_path)[0]


def read_yaml(path: Path) -> YamlDocument:
    """Read and parse ``path``; every failure is a :class:`ProfileError` naming the file and line."""
    text = _read_text(path)
    loader: yaml.SafeLoader | None = None
    try:
        loader = yaml.SafeLoader(text)  # checks for unprintable characters already
        root = loader.get_single_node()
        if root is None:
            return YamlDocument(path=path, data=None, root=None)
        _reject_duplicate_keys(root, path)
        data = loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(path, exc) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise ProfileError(
            f"the file contains a character YAML does not allow ({_char_name(exc.character)})",
            path=path,
            line=line,
            suggestion="Remove it, or save the file as plain UTF-8 text",
        ) from None
    except yaml.YAMLError as exc:
        raise ProfileError(f"not valid YAML: {exc}", path=path) from None
    finally:
        if loader is not None:
            loader.dispose()
    return YamlDocument(path=path, data=data, root=root)


def _read_text(path: Path) -> str:
    try:
        exists, is_dir = path.exists(), path.is_dir()
    except OSError:  # a name too long to look up, say: the read below says why
        exists, is_dir = True, False
    if not exists:
        raise ProfileError("file not found", path=path, suggestion=_nearby_hint(path))
    if is_dir:
        raise ProfileError(
            "this is a directory, not a profile file",
            path=path,
            suggestion="Give the path of a .yaml file inside it",
        )
    try:
        raw = read_regular(path, limit=MAX_FILE_BYTES, what="profile")
    except InputFileError as exc:
        raise ProfileError(f"the file {exc.reason}", path=path) from None
    except PermissionError:
        raise ProfileError(
            "cannot read the file (permission denied)",
            path=path,
            suggestion="Check the file's permissions",
        ) from None
    except OSError as exc:
        raise ProfileError(f"cannot read the file ({exc.strerror or exc})", path=path) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        byte = raw[exc.start : exc.start + 1].hex()
        raise ProfileError(
            f"the file is not UTF-8 text (byte 0x{byte} cannot be decoded)",
            path=path,
            line=line,
            suggestion="Save it as UTF-8; profiles are plain YAML text",
        ) from None


def _nearby_hint(path: Path) -> str | None:
    """Point at the .yml/.yaml twin when the user typed the other spelling."""
    for suffix in (".yaml", ".yml"):
        twin = path.with_suffix(suffix)
        if twin != path and twin.is_file():
            return f"Did you mean '{twin}'?"
    return None


def _syntax_error(path: Path, exc: yaml.MarkedYAMLError) -> ProfileError:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else None
    problem = exc.problem or "invalid YAML"
    if exc.context and "expected a single document" in exc.context:
        return ProfileError(
            "the file holds more than one YAML document ('---' separator)",
            path=path,
            line=line,
            suggestion="Put each profile in its own file",
        )
    suggestion = None
    if "'\\t'" in problem:
        suggestion = "YAML indentation must use spaces, not tabs"
    elif "mapping values are not allowed" in problem:
        suggestion = "Check the indentation, and quote values that contain ': '"
    detail = f" ({exc.context})" if exc.context else ""
    return ProfileError(
        f"YAML syntax error: {problem}{detail}", path=path, line=line, suggestion=suggestion
    )


def _char_name(char: int | str) -> str:
    code = char if isinstance(char, int) else ord(char)
    return "NUL byte" if code == 0 else f"U+{code:04X}"


def _reject_duplicate_keys(root: Node, path: Path) -> None:
    """YAML keeps the last of two equal keys silently; a profile must not change meaning that way."""
    seen_nodes: set[int] = set()
    stack: list[tuple[Node, KeyPath]] = [(root, ())]
    while stack:
        node, where = stack.pop()
        if id(node) in seen_nodes:  # aliases can share (or even cycle through) nodes
            continue
        seen_nodes.add(id(node))
        if isinstance(node, MappingNode):
            first_line: dict[tuple[str, str], int] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, ScalarNode) or key_node.tag == _MERGE_TAG:
                    continue
                ident = (key_node.tag, key_node.value)
                line = key_node.start_mark.line + 1
                if ident in first_line:
                    raise ProfileError(
                        f"duplicate key (first set on line {first_line[ident]}); YAML would "
                        "silently keep only the last one",
                        path=path,
                        line=line,
                        field=dotted((*where, key_node.value)),
                        suggestion="Delete one of the two",
                    )
                first_line[ident] = line
                stack.append((value_node, (*where, key_node.value)))
        elif isinstance(node, SequenceNode):
            stack.extend((item, (*where, i)) for i, item in enumerate(node.value))


_MERGE_TAG = "tag:yaml.org,2002:merge"


def _child(node: Node, part: str | int) -> tuple[Node | None, Node] | None:
    """One step down the tree: (key node or None, value node), or None when it does not exist."""
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.value == str(part):
                return key_node, value_node
        return None
    if isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        return None, node.value[part]
    return None


def dotted(key_path: Sequence[str | int]) -> str:
    """``agents[0].backend.model`` from ``("agents", 0, "backend", "model")``."""
    out = ""
    for part in key_path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
