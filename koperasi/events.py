"""The one place where something that happened is recorded.

Every action calls `event_record` inside its transaction. Later subsystems (notifications,
the audit log) hook into `EVENT_HANDLERS`: a handler runs in the same transaction, so what it
writes (an outbox row, say) commits or rolls back with the change itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from koperasi.models import Cooperative, Event, User

COOPERATIVE_REGISTERED = "cooperative.registered"
COOPERATIVE_RESUBMITTED = "cooperative.resubmitted"
COOPERATIVE_VERIFIED = "cooperative.verified"
COOPERATIVE_REJECTED = "cooperative.rejected"
COOPERATIVE_UPDATED = "cooperative.updated"
ROLE_GRANTED = "role.granted"
ROLE_REVOKED = "role.revoked"

EventHandler = Callable[[Event], None]
EVENT_HANDLERS: list[EventHandler] = []


def event_record(
    *,
    kind: str,
    actor: User | None,
    cooperative: Cooperative | None = None,
    data: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> Event:
    """Write an event row; must run inside the transaction of the change it records."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("event_record() must run inside the transaction of its change")
    event = Event.objects.create(
        kind=kind, actor=actor, cooperative=cooperative, data=data or {}, ip_address=ip_address
    )
    for handler in EVENT_HANDLERS:
        handler(event)
    return event
