"""Which partner event tells whom: handlers keyed by event kind, run in the event's transaction.

Each feature keeps its handlers in its own module and registers them with `@handles(kind)`;
`PartnersConfig.ready()` imports those modules and hands `HANDLERS` to the notifications app.
"""

from __future__ import annotations

from collections.abc import Callable

from koperasi.models import Event

HANDLERS: dict[str, Callable[[Event], None]] = {}

#: The modules holding `@handles` handlers, imported once at start-up.
HANDLER_MODULES = (
    "partners.order_notifications",
    "partners.purchase_notifications",
    "partners.partnership_notifications",
)


def handles(kind: str) -> Callable:
    def decorator(handler: Callable[[Event], None]) -> Callable[[Event], None]:
        HANDLERS[kind] = handler
        return handler

    return decorator
