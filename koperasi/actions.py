"""Writes for the shared core: registering and verifying cooperatives, granting roles.

Every action is atomic, takes the acting user, records an event, and raises `DomainError`
(which views turn into form errors) when a business rule says no.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from koperasi import events
from koperasi.errors import DomainError
from koperasi.models import Cooperative, Role, User

COOPERATIVE_FIELDS = (
    "name",
    "legal_entity_number",
    "nik_koperasi",
    "type",
    "province",
    "regency",
    "address",
    "phone",
    "email",
    "fiscal_year_start_month",
)
_UNIQUE_FIELDS = ("legal_entity_number", "nik_koperasi", "slug")


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50].strip("-") or "koperasi"
    taken = set(Cooperative.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _raise_for_integrity(error: IntegrityError) -> None:
    message = str(error)
    for field_name in _UNIQUE_FIELDS:
        if field_name in message:
            raise DomainError(
                _("A cooperative with this number is already registered."), field=field_name
            ) from error
    raise error


def cooperative_register(*, acting_user: User, data: dict[str, Any]) -> Cooperative:
    """A person registers a cooperative; it waits for platform staff and they become its chair."""
    try:
        with transaction.atomic():
            cooperative = Cooperative.objects.create(
                slug=_unique_slug(data["name"]),
                created_by=acting_user,
                **{name: data[name] for name in COOPERATIVE_FIELDS},
            )
            Role.objects.create(
                cooperative=cooperative,
                user=acting_user,
                kind=Role.Kind.BOARD,
                title=Role.Title.CHAIR,
                granted_by=acting_user,
            )
            events.event_record(
                kind=events.COOPERATIVE_REGISTERED,
                actor=acting_user,
                cooperative=cooperative,
                data={"name": cooperative.name},
            )
    except IntegrityError as error:
        _raise_for_integrity(error)
    return cooperative


@transaction.atomic
def cooperative_update(
    *, cooperative: Cooperative, acting_user: User, data: dict[str, Any]
) -> Cooperative:
    """The board keeps its cooperative's details; a rejected registration goes back for review."""
    locked = Cooperative.objects.select_for_update(of=("self",)).get(pk=cooperative.pk)
    changed = sorted(
        name for name in COOPERATIVE_FIELDS if name in data and getattr(locked, name) != data[name]
    )
    for name in changed:
        setattr(locked, name, data[name])
    resubmitted = locked.status == Cooperative.Status.REJECTED
    if resubmitted:
        locked.status = Cooperative.Status.PENDING
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError as error:
        _raise_for_integrity(error)
    events.event_record(
        kind=events.COOPERATIVE_RESUBMITTED if resubmitted else events.COOPERATIVE_UPDATED,
        actor=acting_user,
        cooperative=locked,
        data={"fields": changed},
    )
    return locked


def _decide(
    *, cooperative: Cooperative, acting_user: User, status: str, reason: str, kind: str
) -> Cooperative:
    if not acting_user.is_platform_staff:
        raise DomainError(_("Only platform staff verify cooperatives."))
    if cooperative.roles.filter(user=acting_user).exists():
        # Nobody decides on their own cooperative: another member of staff must.
        raise DomainError(
            _("You hold a role in this cooperative: another member of staff must decide.")
        )
    # A conditional update: two staff deciding at once cannot both win.
    now = timezone.now()
    updated = Cooperative.objects.filter(
        pk=cooperative.pk, status=Cooperative.Status.PENDING
    ).update(status=status, decision_reason=reason, decided_at=now, decided_by=acting_user)
    if not updated:
        raise DomainError(_("This cooperative is no longer waiting for verification."))
    cooperative.refresh_from_db()
    events.event_record(
        kind=kind, actor=acting_user, cooperative=cooperative, data={"reason": reason}
    )
    return cooperative


@transaction.atomic
def cooperative_verify(
    *, cooperative: Cooperative, acting_user: User, note: str = ""
) -> Cooperative:
    """Platform staff verify a pending cooperative: its public pages go live."""
    return _decide(
        cooperative=cooperative,
        acting_user=acting_user,
        status=Cooperative.Status.VERIFIED,
        reason=note.strip(),
        kind=events.COOPERATIVE_VERIFIED,
    )


@transaction.atomic
def cooperative_reject(*, cooperative: Cooperative, acting_user: User, reason: str) -> Cooperative:
    """Platform staff reject a pending cooperative with a reason its board will read."""
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Say why, so that the board can put it right."), field="reason")
    return _decide(
        cooperative=cooperative,
        acting_user=acting_user,
        status=Cooperative.Status.REJECTED,
        reason=reason,
        kind=events.COOPERATIVE_REJECTED,
    )


@transaction.atomic
def role_grant(
    *, cooperative: Cooperative, user: User, kind: str, acting_user: User, title: str = ""
) -> Role:
    """The board gives a person a role in its cooperative (one chair at most)."""
    if kind != Role.Kind.BOARD:
        title = ""
    if (
        title == Role.Title.CHAIR
        and Role.objects.filter(cooperative=cooperative, title=Role.Title.CHAIR).exists()
    ):
        raise DomainError(_("This cooperative already has a chair."), field="title")
    role, created = Role.objects.get_or_create(
        cooperative=cooperative,
        user=user,
        kind=kind,
        defaults={"title": title, "granted_by": acting_user},
    )
    if not created:
        raise DomainError(_("This person already holds that role."), field="kind")
    events.event_record(
        kind=events.ROLE_GRANTED,
        actor=acting_user,
        cooperative=cooperative,
        data={"user_id": user.pk, "role": kind, "title": title},
    )
    return role


@transaction.atomic
def role_revoke(*, role: Role, acting_user: User) -> None:
    """The board takes a role away; the chair's own role cannot be removed this way."""
    if role.title == Role.Title.CHAIR:
        raise DomainError(_("The chair's role cannot be removed; appoint a new chair first."))
    events.event_record(
        kind=events.ROLE_REVOKED,
        actor=acting_user,
        cooperative=role.cooperative,
        data={"user_id": role.user_id, "role": role.kind},
    )
    role.delete()
