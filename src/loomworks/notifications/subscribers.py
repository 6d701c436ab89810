"""Notification subscribers (filled in by the notifications work)."""
