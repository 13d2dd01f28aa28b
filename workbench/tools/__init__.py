"""Tools: the ``@tool`` protocol, the registry, built-in demo tools and user-tool loading."""

from workbench.tools.base import FunctionTool, Tool, ToolArgumentsError, ToolRegistry, tool

__all__ = ["FunctionTool", "Tool", "ToolArgumentsError", "ToolRegistry", "tool"]
