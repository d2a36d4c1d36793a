"""The one place where something that happened is recorded.

Every action calls `event_record` inside its transaction. Later subsystems (notifications,
the audit log) hook into `EVENT_HANDLERS`: a handler runs in the same transaction, so what it
writes (an outbox row, say) commits or rolls back with the change itself.

Where a change came from (IP address, browser, path) is filled in from the request being
served: `koperasi.audit.AuditMiddleware` binds it with `request_meta_bind`, so that callers do
not pass it along. Work outside a request (Celery, commands) records none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
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

USER_AGENT_LENGTH = Event._meta.get_field("user_agent").max_length
PATH_LENGTH = Event._meta.get_field("path").max_length


@dataclass(frozen=True)
class RequestMeta:
    """Where the request being served comes from."""

    ip_address: str | None = None
    user_agent: str = ""
    path: str = ""


_request_meta: ContextVar[RequestMeta | None] = ContextVar("koperasi_request_meta", default=None)


@contextmanager
def request_meta_bind(meta: RequestMeta) -> Iterator[None]:
    """Events recorded inside the block say that they came from `meta`."""
    token = _request_meta.set(meta)
    try:
        yield
    finally:
        _request_meta.reset(token)


def request_meta() -> RequestMeta | None:
    """The request being served, or None outside one (Celery, commands, plain tests)."""
    return _request_meta.get()


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
    meta = _request_meta.get() or RequestMeta()
    event = Event.objects.create(
        kind=kind,
        actor=actor,
        cooperative=cooperative,
        data=data or {},
        ip_address=ip_address or meta.ip_address,
        user_agent=meta.user_agent[:USER_AGENT_LENGTH],
        path=meta.path[:PATH_LENGTH],
    )
    for handler in EVENT_HANDLERS:
        handler(event)
    return event
