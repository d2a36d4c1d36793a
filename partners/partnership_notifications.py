"""Notifications for partnership events (see partners/wiring.py)."""
