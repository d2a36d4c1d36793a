"""Membership: applying, approval by the board, direct admission, and exit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from koperasi import events
from koperasi.errors import DomainError
from koperasi.models import Cooperative, Role, User
from koperasi.sequences import sequence_take
from members.invitations import invitation_send
from members.models import Member
from services.savings import actions as savings

MEMBER_FIELDS = (
    "full_name",
    "nik",
    "birth_date",
    "gender",
    "phone",
    "email",
    "address",
    "heir_name",
    "heir_relationship",
)

#: Checks a later subsystem adds (loans: "no loan outstanding"); each returns a refusal or "".
EXIT_BLOCKERS: list[Callable[[Member], str]] = []


def _refuse_duplicate(error: IntegrityError) -> None:
    message = str(error)
    if "member_nik_unique_while_live" in message or "nik" in message:
        raise DomainError(
            _("Someone with this NIK is already a member or applicant here."), field="nik"
        ) from error
    if "member_user_unique_while_live" in message:
        raise DomainError(_("You are already a member or applicant here.")) from error
    raise error


def member_apply(
    *, cooperative: Cooperative, data: dict[str, Any], user: User | None = None
) -> Member:
    """A person applies to join; the board decides."""
    if not cooperative.is_verified:
        raise DomainError(_("This cooperative is not accepting members yet."))
    try:
        with transaction.atomic():
            member = Member.objects.create(
                cooperative=cooperative,
                user=user,
                status=Member.Status.APPLICANT,
                **{name: data.get(name, "") for name in MEMBER_FIELDS},
            )
            events.event_record(
                kind="member.applied",
                actor=user,
                cooperative=cooperative,
                data={"member_id": member.pk},
            )
    except IntegrityError as error:
        _refuse_duplicate(error)
    return member


def _login_for(member: Member) -> tuple[User | None, bool]:
    """The member's login: theirs already, an existing account with their email, or a new one
    without a password (they set it from the invitation)."""
    if member.user_id:
        return member.user, False
    if not member.email:
        return None, False
    user = User.objects.filter(email__iexact=member.email).first()
    if user:
        return user, False
    user = User.objects.create_user(
        email=member.email, password=None, full_name=member.full_name, phone=member.phone
    )
    return user, True


@transaction.atomic
def member_approve(
    *, member: Member, acting_user: User, joined_on: dt.date | None = None
) -> Member:
    """The board admits an applicant: a member number, a login, savings accounts, a pokok bill."""
    member = Member.objects.select_for_update(of=("self",)).get(pk=member.pk)
    if member.status != Member.Status.APPLICANT:
        raise DomainError(_("This application was already decided."))
    user, invited = _login_for(member)
    (number,) = sequence_take(cooperative=member.cooperative, name="member_number")
    member.number = number
    member.user = user
    member.status = Member.Status.ACTIVE
    member.joined_on = joined_on or timezone.localdate()
    member.decided_by = acting_user
    member.save()
    if user is not None:
        Role.objects.get_or_create(
            cooperative=member.cooperative,
            user=user,
            kind=Role.Kind.MEMBER,
            defaults={"granted_by": acting_user},
        )
    savings.member_accounts_open(members=[member])
    savings.pokok_bill_create(member=member)
    events.event_record(
        kind="member.approved",
        actor=acting_user,
        cooperative=member.cooperative,
        data={"member_id": member.pk, "number": number},
    )
    if invited:
        transaction.on_commit(lambda: invitation_send(member=member))
    return member


@transaction.atomic
def member_reject(*, member: Member, acting_user: User, reason: str) -> Member:
    """The board turns an application down, with a reason the applicant sees."""
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Say why, so that the applicant understands."), field="reason")
    updated = Member.objects.filter(pk=member.pk, status=Member.Status.APPLICANT).update(
        status=Member.Status.REJECTED, decision_reason=reason, decided_by=acting_user
    )
    if not updated:
        raise DomainError(_("This application was already decided."))
    member.refresh_from_db()
    events.event_record(
        kind="member.rejected",
        actor=acting_user,
        cooperative=member.cooperative,
        data={"member_id": member.pk, "reason": reason},
    )
    return member


@transaction.atomic
def member_add(*, cooperative: Cooperative, data: dict[str, Any], acting_user: User) -> Member:
    """The board admits a member directly (paper application already decided)."""
    member = member_apply(cooperative=cooperative, data=data)
    return member_approve(member=member, acting_user=acting_user)


@transaction.atomic
def member_exit(
    *,
    member: Member,
    acting_user: User,
    reason: str = "",
    channel: str = "cash",
    expelled: bool = False,
    idempotency_key: str | None = None,
) -> Member:
    """Record a resignation (or expulsion): every savings balance is paid out in one entry, once
    nothing blocks it (loans settled). Open bills are cancelled. The history stays readable."""
    member = Member.objects.select_for_update(of=("self",)).get(pk=member.pk)
    if member.status != Member.Status.ACTIVE:
        raise DomainError(_("Only an active member can leave."))
    refusals = [message for check in EXIT_BLOCKERS if (message := check(member))]
    if refusals:
        raise DomainError(" ".join(refusals))
    payout = savings.exit_payout(
        member=member, acting_user=acting_user, channel=channel, idempotency_key=idempotency_key
    )
    member.status = Member.Status.EXPELLED if expelled else Member.Status.RESIGNED
    member.left_on = timezone.localdate()
    member.decision_reason = reason.strip()
    member.save(update_fields=["status", "left_on", "decision_reason"])
    events.event_record(
        kind="member.expelled" if expelled else "member.resigned",
        actor=acting_user,
        cooperative=member.cooperative,
        data={"member_id": member.pk, "payout": payout.pk if payout else None},
    )
    return member
