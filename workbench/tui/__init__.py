"""The Textual app: the only package that imports textual.

Start it with :func:`workbench.tui.app.create_app`; it consumes core events and never calls a provider.
"""
