"""Notifications for order events (see partners/wiring.py)."""
