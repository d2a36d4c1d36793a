"""Notifications for purchase events (see partners/wiring.py)."""
