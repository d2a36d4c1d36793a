"""Reads for the shared core."""

from __future__ import annotations

from django.db.models import Count

from koperasi.models import Cooperative, Role, User


def role_counts(*, cooperative: Cooperative) -> dict[str, int]:
    """How many people hold each role in the cooperative."""
    rows = Role.objects.filter(cooperative=cooperative).values("kind").annotate(n=Count("pk"))
    counts = dict.fromkeys(Role.Kind.values, 0)
    counts.update({row["kind"]: row["n"] for row in rows})
    return counts


def cooperative_chair(*, cooperative: Cooperative) -> User | None:
    role = (
        Role.objects.filter(cooperative=cooperative, title=Role.Title.CHAIR)
        .select_related("user")
        .first()
    )
    return role.user if role else None
