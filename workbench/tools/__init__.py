"""Tools: the ``@tool`` protocol, the registry, built-in demo tools and user-tool loading."""

from workbench.tools.base import Tool, ToolArgumentsError, ToolRegistry, tool

__all__ = ["Tool", "ToolArgumentsError", "ToolRegistry", "tool"]
