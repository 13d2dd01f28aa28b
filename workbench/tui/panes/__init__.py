"""Panes: composite widgets that own a view of something (a session's events), placed by screens."""
