"""Loading user tools from Python modules or files, and assembling a session's tool registry.

Importing user code is a true boundary: anything it raises becomes one :class:`ToolLoadError` whose
message names the module or file (and the line), so a profile with a broken tool file fails with a
sentence instead of a traceback.
"""

from __future__ import annotations

import difflib
import hashlib
import importlib
import importlib.util
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

from workbench.config.mcp import SEPARATOR as MCP_SEPARATOR
from workbench.tools.base import Tool, ToolRegistry
from workbench.tools.builtin import BUILTIN_TOOL_NAMES, builtin_tools


class ToolLoadError(Exception):
    """A user tool module could not be loaded, or the enabled tool list names a missing tool."""


def load_tool_modules(specs: list[str], base_dir: Path) -> list[Tool]:
    """Every module-level ``@tool`` in the given modules, in order.

    A spec is a dotted module name (``my_pkg.tools``) or a path to a ``.py`` file; relative paths
    resolve against ``base_dir`` (the directory of the profile that names them).
    """
    tools: list[Tool] = []
    origin: dict[str, str] = {}
    for spec in specs:
        found = _tools_in(_import(spec, base_dir))
        if not found:
            raise ToolLoadError(
                f"tool module '{spec}' defines no tools: decorate module-level functions with "
                "@tool (from workbench.tools import tool)"
            )
        for t in found:
            if t.name in BUILTIN_TOOL_NAMES:
                raise ToolLoadError(
                    f"tool module '{spec}' defines '{t.name}', which is the name of a built-in "
                    "tool; rename it, e.g. @tool(name='my_" + t.name + "')"
                )
            if t.name in origin:
                raise ToolLoadError(
                    f"tool '{t.name}' is defined twice: in '{origin[t.name]}' and in '{spec}'"
                )
            origin[t.name] = spec
            tools.append(t)
    return tools


def build_registry(
    enabled: list[str] | None, modules: list[str], base_dir: Path, workspace: Path
) -> ToolRegistry:
    """Built-in tools plus user tools, narrowed to ``enabled`` (in that order) when it is given.

    A ``{server}__{tool}`` name in ``enabled`` is an MCP tool's: its server's source offers it (or
    says it has no such tool) when it starts."""
    available = [*builtin_tools(workspace), *load_tool_modules(modules, base_dir)]
    if enabled is None:
        return ToolRegistry(available)
    by_name = {t.name: t for t in available}
    chosen: list[Tool] = []
    for name in dict.fromkeys(enabled):  # ordered and without repeats
        if name not in by_name and MCP_SEPARATOR in name.strip(MCP_SEPARATOR):
            continue
        if name not in by_name:
            raise ToolLoadError(_unknown_tool_message(name, list(by_name)))
        chosen.append(by_name[name])
    return ToolRegistry(chosen)


def _unknown_tool_message(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"unknown tool '{name}' in the enabled tools{hint} (available: {', '.join(known)})"


def _tools_in(module: ModuleType) -> list[Tool]:
    # Tools the workbench itself defines (built-ins imported for reuse) are not the user's.
    seen: dict[int, Tool] = {}
    for value in vars(module).values():
        if isinstance(value, Tool) and not value.fn.__module__.startswith("workbench."):
            seen.setdefault(id(value), value)
    return list(seen.values())


def _is_path(spec: str) -> bool:
    return spec.endswith(".py") or "/" in spec or "\\" in spec


def _import(spec: str, base_dir: Path) -> ModuleType:
    if _is_path(spec):
        path = Path(spec).expanduser()
        if not path.is_absolute():
            path = base_dir / path
        return _import_file(spec, path.resolve())
    with _on_sys_path(base_dir):
        try:
            return importlib.import_module(spec)
        except ModuleNotFoundError as exc:
            if exc.name is not None and (spec == exc.name or spec.startswith(exc.name + ".")):
                raise ToolLoadError(
                    f"tool module '{spec}' was not found (looked in {base_dir} and the installed "
                    f"packages); for a file, give its path, e.g. '{spec.replace('.', '/')}.py'"
                ) from None
            raise ToolLoadError(_import_failure(f"tool module '{spec}'", exc)) from exc
        except Exception as exc:  # user code at import time can raise anything
            raise ToolLoadError(_import_failure(f"tool module '{spec}'", exc)) from exc


def _import_file(spec: str, path: Path) -> ModuleType:
    if not path.is_file():
        raise ToolLoadError(f"tool file '{spec}' not found (looked for {path})")
    # A name unique to the path: two profiles' "tools.py" must not replace each other.
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:10]
    name = f"workbench_user_tools_{path.stem}_{digest}"
    module_spec = importlib.util.spec_from_file_location(name, path)
    if module_spec is None or module_spec.loader is None:
        raise ToolLoadError(f"tool file '{spec}' cannot be imported as Python (looked at {path})")
    module = importlib.util.module_from_spec(module_spec)
    # Registered before running it, as a normal import does (dataclasses and pickling look it up);
    # executed afresh on every load so an edited file is picked up.
    sys.modules[name] = module
    try:
        with _on_sys_path(path.parent):
            module_spec.loader.exec_module(module)
    except Exception as exc:  # user code at import time can raise anything
        sys.modules.pop(name, None)
        raise ToolLoadError(_import_failure(f"tool file '{spec}'", exc, path)) from exc
    return module


def _import_failure(subject: str, exc: Exception, file: Path | None = None) -> str:
    if isinstance(exc, SyntaxError):
        where = f"{Path(exc.filename).name}, line {exc.lineno}" if exc.filename else "unknown line"
        return f"{subject} has a syntax error ({where}): {exc.msg}"
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.startswith("<")]
    # Point at the user's own line when the error surfaced from a library it called.
    own = [f for f in frames if file is not None and Path(f.filename) == file]
    picked = own or frames
    where = f" at {Path(picked[-1].filename).name}, line {picked[-1].lineno}" if picked else ""
    return f"{subject} raised {type(exc).__name__} while importing{where}: {exc}"


@contextmanager
def _on_sys_path(directory: Path) -> Iterator[None]:
    """Let the module import its siblings while it loads, as ``python that_file.py`` would."""
    entry = str(directory)
    added = entry not in sys.path
    if added:
        sys.path.insert(0, entry)
    try:
        yield
    finally:
        if added and entry in sys.path:
            sys.path.remove(entry)
