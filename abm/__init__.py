"""Veerkracht: an agent-based model of resilience in deprived Dutch neighbourhoods."""

__version__ = "0.1.0"
