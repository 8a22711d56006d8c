"""Sejahtera: a social-policy workbench for Indonesian regional governments."""

from sejahtera.errors import SejahteraError

__version__ = "0.1.0.dev0"
__all__ = ["SejahteraError", "__version__"]
