"""Loomworks and other programs: API keys, outgoing webhooks, store orders in."""
