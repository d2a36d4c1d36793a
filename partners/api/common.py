"""What the routers share: documented error answers and limit/offset paging."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from ninja import Field, Schema

from partners.api.schemas import ErrorOut

#: Every authenticated operation may answer these.
BASE_ERRORS = (401, 429)


def errors(*statuses: int) -> dict[int, Any]:
    """The error answers of an operation, all in the one shape (`ErrorOut`)."""
    return dict.fromkeys(sorted({*BASE_ERRORS, *statuses}), ErrorOut)


class Paging(Schema):
    limit: int = Field(50, ge=1, le=100, description="How many items (1 to 100).")
    offset: int = Field(0, ge=0, le=1_000_000, description="How many items to skip.")


def page(queryset: QuerySet, paging: Paging) -> dict[str, Any]:
    """One page of `queryset` with the total count: `{count, limit, offset, items}`."""
    items = list(queryset[paging.offset : paging.offset + paging.limit])
    return {
        "count": queryset.count(),
        "limit": paging.limit,
        "offset": paging.offset,
        "items": items,
    }
