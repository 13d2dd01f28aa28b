"""Screens: a live session (:mod:`.live`), a recorded one (:mod:`.replay`), and the modals (help,
profile picker). Each session screen shows one :class:`~workbench.tui.panes.session.SessionPane`
and has its own keys, slash commands (``@handles`` methods, see :mod:`.base`) and palette entries.
"""
