"""Reclaim Your Face explainer bot."""

__version__ = "0.1.0"
