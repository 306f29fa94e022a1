"""Trustmirror: measure trust between people at work as a mirror of relationships, then build it."""

__version__ = "0.1.0"
