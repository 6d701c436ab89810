"""Loomworks: production runs for brands that make their goods with partner workshops."""

__version__ = "0.1.0"
