"""Chasing late work: reminder rules, the late mark, escalation and morning digests."""
