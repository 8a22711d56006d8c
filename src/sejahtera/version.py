"""Sejahtera's version, in a module of its own so that every layer may read it without importing
the package's top level (which reaches the faces' functions)."""

__version__ = "0.1.0.dev0"
