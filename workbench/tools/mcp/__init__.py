"""MCP servers as a tool source: the only package importing the ``mcp`` SDK (and ``jsonschema``).

- :mod:`.source`: one server's connection, from start to restart to close (:class:`McpServerSource`);
- :mod:`.process`: a stdio server as a child process workbench owns;
- :mod:`.http`: the HTTP client that tells a call the server never ran from one it lost;
- :mod:`.tool`: one tool, its offered name and its schema check (:class:`McpTool`);
- :mod:`.results`: a result as the text a model reads;
- :mod:`.log`: the per-server log file, secrets masked; :mod:`.errors`: how failures are worded.

Import this package lazily (the SDK costs ~0.5 s): ``workbench --help`` must not pay for it.
"""

from workbench.tools.mcp.errors import McpServerError, McpToolError
from workbench.tools.mcp.log import server_log_path
from workbench.tools.mcp.results import result_text
from workbench.tools.mcp.source import McpServerSource, ServerState
from workbench.tools.mcp.tool import McpTool, offered_name

__all__ = [
    "McpServerError",
    "McpServerSource",
    "McpTool",
    "McpToolError",
    "ServerState",
    "offered_name",
    "result_text",
    "server_log_path",
]
