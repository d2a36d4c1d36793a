"""Reads about members."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet, Sum

from koperasi.models import Cooperative
from members.models import Member


def member_list(*, cooperative: Cooperative, status: str = "", query: str = "") -> QuerySet[Member]:
    """The board's member list: one query with each member's total savings."""
    members = Member.objects.filter(cooperative=cooperative)
    if status == "former":
        members = members.filter(status__in=[Member.Status.RESIGNED, Member.Status.EXPELLED])
    elif status:
        members = members.filter(status=status)
    query = query.strip()
    if query:
        condition = Q(full_name__icontains=query) | Q(phone__icontains=query)
        if query.isdigit():
            condition |= Q(number=int(query)) | Q(nik=query)
        members = members.filter(condition)
    return members.annotate(total_savings=Sum("accounts__balance")).order_by(
        "status", "number", "full_name"
    )


def status_counts(*, cooperative: Cooperative) -> dict[str, int]:
    counts = dict.fromkeys([*Member.Status.values, "former"], 0)
    for row in (
        Member.objects.filter(cooperative=cooperative).values("status").annotate(n=Count("pk"))
    ):
        counts[row["status"]] = row["n"]
    counts["former"] = counts["resigned"] + counts["expelled"]
    return counts
