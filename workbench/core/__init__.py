"""The headless core: events, neutral messages, the agent loop and the tool executor.

Nothing under ``workbench.core`` imports Textual or a vendor SDK; an import-linter contract and a
subprocess test hold that line.
"""
