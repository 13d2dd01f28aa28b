"""Stock and checkout for a small shop."""

__version__ = "0.3.0"
