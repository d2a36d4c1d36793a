"""Per-cooperative number sequences (member numbers, receipts) without gaps from races."""

from __future__ import annotations

from django.db import transaction

from koperasi.models import Cooperative, Sequence


@transaction.atomic
def sequence_take(*, cooperative: Cooperative, name: str, count: int = 1) -> range:
    """Reserve `count` consecutive numbers; the row lock serialises concurrent callers."""
    Sequence.objects.get_or_create(cooperative=cooperative, name=name)
    sequence = Sequence.objects.select_for_update().get(cooperative=cooperative, name=name)
    first = sequence.last_value + 1
    sequence.last_value += count
    sequence.save(update_fields=["last_value"])
    return range(first, first + count)
