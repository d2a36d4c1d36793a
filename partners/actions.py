"""Writes for partners and partnerships. Each action is atomic and records an event."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from koperasi.errors import DomainError
from koperasi.events import event_record
from koperasi.models import Cooperative, Event, Role, User
from partners.models import (
    Partner,
    PartnerInvitation,
    Partnership,
    PartnershipFigures,
    PartnerUser,
)
from partners.validators import normalize_npwp

PARTNER_REGISTERED = "partner.registered"
PARTNER_INVITED = "partner.invited"
PARTNER_INVITATION_ACCEPTED = "partner.invitation_accepted"
PARTNERSHIP_PROPOSED = "partnership.proposed"
PARTNERSHIP_ACCEPTED = "partnership.accepted"
PARTNERSHIP_ACTIVATED = "partnership.activated"
PARTNERSHIP_ENDED = "partnership.ended"
PARTNERSHIP_FIGURES_GRANTED = "partnership.figures_granted"
PARTNERSHIP_FIGURES_REVOKED = "partnership.figures_revoked"

COOPERATIVE_SIDE = "cooperative"
PARTNER_SIDE = "partner"

#: How long an emailed invitation link stays valid.
INVITATION_VALID_FOR = timedelta(days=14)
#: The query parameter of the registration page that carries the invitation's secret.
INVITATION_PARAM = "undangan"


@transaction.atomic
def partner_register(*, acting_user: User, data: dict[str, Any]) -> Partner:
    """A business registers itself; the person registering it becomes its owner."""
    npwp = normalize_npwp(data["npwp"])
    if Partner.objects.filter(npwp=npwp).exists():
        raise DomainError(_("A partner with this NPWP is already registered."), field="npwp")
    partner = Partner.objects.create(
        name=data["name"].strip(),
        npwp=npwp,
        kind=data["kind"],
        address=data["address"].strip(),
        phone=data["phone"],
        email=data["email"],
    )
    PartnerUser.objects.create(partner=partner, user=acting_user, role=PartnerUser.Role.OWNER)
    event_record(
        kind=PARTNER_REGISTERED,
        actor=acting_user,
        data={"partner_id": partner.pk, "name": partner.name},
    )
    return partner


def _is_board(user: User, cooperative: Cooperative) -> bool:
    return Role.objects.filter(cooperative=cooperative, user=user, kind=Role.Kind.BOARD).exists()


def _side_of(*, user: User, cooperative: Cooperative, partner: Partner) -> str:
    """Which side of the agreement the person signs for: the cooperative's board or the
    partner's owner. Nobody may sign for both."""
    for_cooperative = _is_board(user, cooperative)
    for_partner = PartnerUser.objects.filter(
        partner=partner, user=user, role=PartnerUser.Role.OWNER
    ).exists()
    if for_cooperative and for_partner:
        raise DomainError(_("You cannot sign an agreement for both sides."))
    if for_cooperative:
        return COOPERATIVE_SIDE
    if for_partner:
        return PARTNER_SIDE
    raise DomainError(
        _("Only the cooperative's board or the partner's owner can sign an agreement.")
    )


def _accept_as(partnership: Partnership, side: str, user: User) -> None:
    now = timezone.now()
    if side == COOPERATIVE_SIDE:
        partnership.accepted_by_cooperative_at = now
        partnership.accepted_by_cooperative_by = user
    else:
        partnership.accepted_by_partner_at = now
        partnership.accepted_by_partner_by = user


def _percent(value: Any, *, field: str, message: str) -> Decimal:
    """A percentage between 0 and 100 (blank means 0)."""
    try:
        percent = Decimal(value or 0)
    except (InvalidOperation, TypeError, ValueError) as error:
        raise DomainError(message, field=field) from error
    if not Decimal("0") <= percent <= Decimal("100"):
        raise DomainError(message, field=field)
    return percent


def _terms(data: dict[str, Any]) -> dict[str, Any]:
    """The agreed terms, checked: text, member discount, the cooperative's fee, validity."""
    valid_from: date = data["valid_from"]
    valid_to: date | None = data.get("valid_to")
    if valid_to is not None and valid_to <= valid_from:
        raise DomainError(_("The end date must come after the start date."), field="valid_to")
    terms = (data.get("terms") or "").strip()
    if not terms:
        raise DomainError(_("Write the terms of the agreement."), field="terms")
    return {
        "terms": terms,
        "member_discount_percent": _percent(
            data.get("member_discount_percent"),
            field="member_discount_percent",
            message=_("The member discount is between 0 and 100 percent."),
        ),
        "commission_percent": _percent(
            data.get("commission_percent"),
            field="commission_percent",
            message=_("The cooperative's fee is between 0 and 100 percent."),
        ),
        "valid_from": valid_from,
        "valid_to": valid_to,
    }


def _create_partnership(
    *, cooperative: Cooperative, partner: Partner, terms: dict[str, Any]
) -> Partnership:
    if Partnership.objects.live().filter(cooperative=cooperative, partner=partner).exists():
        raise DomainError(_("A partnership between these two already exists or is proposed."))
    return Partnership(cooperative=cooperative, partner=partner, **terms)


def _save_new(partnership: Partnership) -> None:
    try:
        with transaction.atomic():
            partnership.save()
    except IntegrityError as error:  # a concurrent proposal for the same pair
        raise DomainError(
            _("A partnership between these two already exists or is proposed.")
        ) from error


def _partnership_data(partnership: Partnership, **extra: Any) -> dict[str, Any]:
    return {"partnership_id": partnership.pk, "partner_id": partnership.partner_id, **extra}


@transaction.atomic
def partnership_propose(
    *, cooperative: Cooperative, partner: Partner, acting_user: User, data: dict[str, Any]
) -> Partnership:
    """Either side proposes an agreement (and so accepts it); the other side must accept it."""
    side = _side_of(user=acting_user, cooperative=cooperative, partner=partner)
    if not cooperative.is_verified:
        raise DomainError(_("The cooperative is not verified yet."), field="cooperative")
    partnership = _create_partnership(cooperative=cooperative, partner=partner, terms=_terms(data))
    _accept_as(partnership, side, acting_user)
    _save_new(partnership)
    event_record(
        kind=PARTNERSHIP_PROPOSED,
        actor=acting_user,
        cooperative=cooperative,
        data=_partnership_data(partnership, side=side),
    )
    return partnership


def _locked(partnership: Partnership) -> Partnership:
    return (
        Partnership.objects.select_for_update(of=("self",))
        .select_related("cooperative", "partner")
        .get(pk=partnership.pk)
    )


@transaction.atomic
def partnership_accept(*, partnership: Partnership, acting_user: User) -> Partnership:
    """The side that has not accepted yet accepts; once both have, the partnership is active."""
    partnership = _locked(partnership)
    side = _side_of(
        user=acting_user, cooperative=partnership.cooperative, partner=partnership.partner
    )
    if partnership.status != Partnership.Status.PROPOSED:
        raise DomainError(_("Only a proposed partnership can be accepted."))
    already = (
        partnership.accepted_by_cooperative_at
        if side == COOPERATIVE_SIDE
        else partnership.accepted_by_partner_at
    )
    if already is not None:
        raise DomainError(_("Your side has already accepted; the other side must accept."))
    _accept_as(partnership, side, acting_user)
    activated = bool(partnership.accepted_by_cooperative_at and partnership.accepted_by_partner_at)
    if activated:
        partnership.status = Partnership.Status.ACTIVE
    partnership.save()
    event_record(
        kind=PARTNERSHIP_ACTIVATED if activated else PARTNERSHIP_ACCEPTED,
        actor=acting_user,
        cooperative=partnership.cooperative,
        data=_partnership_data(partnership, side=side),
    )
    return partnership


def _live_consent(partnership: Partnership) -> PartnershipFigures | None:
    return (
        PartnershipFigures.objects.select_for_update()
        .filter(partnership=partnership, revoked_at__isnull=True)
        .first()
    )


@transaction.atomic
def partnership_end(*, partnership: Partnership, acting_user: User, reason: str) -> Partnership:
    """Either side (the board or the partner's owner) ends a partnership or withdraws a
    proposal; any consent to share figures ends with it."""
    partnership = _locked(partnership)
    side = _side_of(
        user=acting_user, cooperative=partnership.cooperative, partner=partnership.partner
    )
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError(_("Say why the partnership ends."), field="reason")
    if partnership.status == Partnership.Status.ENDED:
        raise DomainError(_("This partnership has already ended."))
    previous = partnership.status
    partnership.status = Partnership.Status.ENDED
    partnership.save(update_fields=["status"])
    consent = _live_consent(partnership)
    if consent is not None:
        consent.revoked_at = timezone.now()
        consent.save(update_fields=["revoked_at"])
    event_record(
        kind=PARTNERSHIP_ENDED,
        actor=acting_user,
        cooperative=partnership.cooperative,
        data=_partnership_data(
            partnership, side=side, reason=reason[:500], previous_status=previous
        ),
    )
    return partnership


def _check_board(user: User, cooperative: Cooperative) -> None:
    if not _is_board(user, cooperative):
        raise DomainError(_("Only the cooperative's board can do this."))


@transaction.atomic
def partnership_figures_grant(*, partnership: Partnership, acting_user: User) -> PartnershipFigures:
    """The board lets a financing partner (bank or fund) with an active partnership see the
    cooperative's aggregate figures; never a person's data."""
    partnership = _locked(partnership)
    _check_board(acting_user, partnership.cooperative)
    if partnership.partner.kind != Partner.Kind.BANK_OR_FUND:
        raise DomainError(_("Figures can be shared only with a bank or financing fund."))
    if partnership.status != Partnership.Status.ACTIVE:
        raise DomainError(_("Figures can be shared only under an active partnership."))
    consent = PartnershipFigures.objects.select_for_update().filter(partnership=partnership).first()
    if consent is not None and consent.revoked_at is None:
        raise DomainError(_("The partner already sees the figures."))
    now = timezone.now()
    if consent is None:
        consent = PartnershipFigures.objects.create(
            partnership=partnership, granted_by=acting_user, granted_at=now
        )
    else:  # consent given again after it was withdrawn
        consent.granted_by = acting_user
        consent.granted_at = now
        consent.revoked_at = None
        consent.save(update_fields=["granted_by", "granted_at", "revoked_at"])
    event_record(
        kind=PARTNERSHIP_FIGURES_GRANTED,
        actor=acting_user,
        cooperative=partnership.cooperative,
        data=_partnership_data(partnership),
    )
    return consent


@transaction.atomic
def partnership_figures_revoke(
    *, partnership: Partnership, acting_user: User
) -> PartnershipFigures:
    """The board withdraws its consent: the partner no longer sees the figures."""
    partnership = _locked(partnership)
    _check_board(acting_user, partnership.cooperative)
    consent = _live_consent(partnership)
    if consent is None:
        raise DomainError(_("The partner does not see the figures."))
    consent.revoked_at = timezone.now()
    consent.save(update_fields=["revoked_at"])
    event_record(
        kind=PARTNERSHIP_FIGURES_REVOKED,
        actor=acting_user,
        cooperative=partnership.cooperative,
        data=_partnership_data(partnership),
    )
    return consent


# --- Invitations ---------------------------------------------------------------------------


def invitation_token_hash(secret: str) -> str:
    """What is stored of an invitation's secret: its sha256, never the secret itself."""
    return hashlib.sha256(secret.encode()).hexdigest()


def invitation_url(secret: str) -> str:
    """The absolute link to the registration page that carries the invitation."""
    path = reverse("partners:register") + "?" + urlencode({INVITATION_PARAM: secret})
    return settings.PORTAL_URL.rstrip("/") + path


def _invitation_send(*, invitation: PartnerInvitation, secret: str, commission: Decimal) -> None:
    """Email the business the link, in the portal's default language (it has no login yet)."""
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "invitation": invitation,
            "cooperative": invitation.cooperative,
            "url": invitation_url(secret),
            "days": INVITATION_VALID_FOR.days,
            "commission": commission,
            "portal_name": settings.PORTAL_NAME,
        }
        subject = render_to_string("partners/email/invitation_subject.txt", context).strip()
        body = render_to_string("partners/email/invitation.txt", context)
    send_mail(subject, body, None, [invitation.email])


def invitation_commission(invitation: PartnerInvitation) -> Decimal:
    """The cooperative's fee proposed in the invitation.

    Kept in the `partner.invited` event while `PartnerInvitation` has no column for it.
    """
    stored = getattr(invitation, "commission_percent", None)
    if stored is not None:
        return Decimal(stored)
    event = (
        Event.objects.filter(
            kind=PARTNER_INVITED,
            cooperative_id=invitation.cooperative_id,
            data__invitation_id=invitation.pk,
        )
        .order_by("pk")
        .first()
    )
    return Decimal((event.data.get("commission_percent") if event else None) or 0)


@transaction.atomic
def partner_invite(
    *, cooperative: Cooperative, acting_user: User, data: dict[str, Any]
) -> PartnerInvitation:
    """The board invites a business by email to join with the proposed terms; the link is
    valid for 14 days and only its sha256 is kept."""
    _check_board(acting_user, cooperative)
    if not cooperative.is_verified:
        raise DomainError(_("The cooperative is not verified yet."))
    terms = _terms(data)
    email = data["email"].strip().lower()
    business_name = " ".join(data["business_name"].split())
    if not business_name:
        raise DomainError(_("Enter the business name."), field="business_name")
    now = timezone.now()
    if PartnerInvitation.objects.filter(
        cooperative=cooperative, email=email, accepted_at__isnull=True, expires_at__gt=now
    ).exists():
        raise DomainError(
            _("An invitation to this address is still waiting to be used."), field="email"
        )
    secret = secrets.token_urlsafe(32)
    commission = terms.pop("commission_percent")
    invitation = PartnerInvitation.objects.create(
        cooperative=cooperative,
        business_name=business_name,
        email=email,
        token_hash=invitation_token_hash(secret),
        invited_by=acting_user,
        created_at=now,
        expires_at=now + INVITATION_VALID_FOR,
        **terms,
    )
    if hasattr(invitation, "commission_percent"):
        invitation.commission_percent = commission
        invitation.save(update_fields=["commission_percent"])
    event_record(
        kind=PARTNER_INVITED,
        actor=acting_user,
        cooperative=cooperative,
        data={
            "invitation_id": invitation.pk,
            "email": email,
            "business_name": business_name,
            "commission_percent": str(commission),
        },
    )
    transaction.on_commit(
        lambda: _invitation_send(invitation=invitation, secret=secret, commission=commission)
    )
    return invitation


class InvitationInvalidError(DomainError):
    """An invitation link that cannot be used; `reason` is unknown, used or expired."""

    def __init__(self, message: str, *, reason: str):
        super().__init__(message)
        self.reason = reason


def invitation_for_secret(secret: str, *, lock: bool = False) -> PartnerInvitation:
    """The invitation a link's secret opens, if it can still be used; otherwise a clear
    refusal (unknown, already used, expired)."""
    queryset = PartnerInvitation.objects.select_related("cooperative")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    invitation = (
        queryset.filter(token_hash=invitation_token_hash(secret)).first() if secret else None
    )
    if invitation is None:
        raise InvitationInvalidError(
            _("This invitation link is not valid. Ask the cooperative to send a new one."),
            reason="unknown",
        )
    if invitation.accepted_at is not None:
        raise InvitationInvalidError(
            _("This invitation has already been used. Log in with the account that used it."),
            reason="used",
        )
    if invitation.expires_at <= timezone.now():
        raise InvitationInvalidError(
            _("This invitation has expired. Ask the cooperative to send a new one."),
            reason="expired",
        )
    if not invitation.cooperative.is_verified:
        raise InvitationInvalidError(
            _("This invitation link is not valid. Ask the cooperative to send a new one."),
            reason="unknown",
        )
    return invitation


@transaction.atomic
def partner_invitation_accept(
    *, secret: str, acting_user: User, data: dict[str, Any]
) -> Partnership:
    """Registering through an invitation: the business is registered, and the cooperative's
    proposal (already accepted on its side) waits for the new owner's acceptance."""
    invitation = invitation_for_secret(secret, lock=True)
    partner = partner_register(acting_user=acting_user, data=data)
    terms = {
        "terms": invitation.terms,
        "member_discount_percent": invitation.member_discount_percent,
        "commission_percent": invitation_commission(invitation),
        "valid_from": invitation.valid_from,
        "valid_to": invitation.valid_to,
    }
    partnership = _create_partnership(
        cooperative=invitation.cooperative, partner=partner, terms=terms
    )
    partnership.accepted_by_cooperative_at = invitation.created_at
    partnership.accepted_by_cooperative_by = invitation.invited_by
    _save_new(partnership)
    invitation.accepted_at = timezone.now()
    invitation.partner = partner
    invitation.save(update_fields=["accepted_at", "partner"])
    event_record(
        kind=PARTNER_INVITATION_ACCEPTED,
        actor=acting_user,
        cooperative=invitation.cooperative,
        data={"invitation_id": invitation.pk, "partner_id": partner.pk},
    )
    event_record(
        kind=PARTNERSHIP_PROPOSED,
        actor=invitation.invited_by,
        cooperative=invitation.cooperative,
        data=_partnership_data(partnership, side=COOPERATIVE_SIDE, invitation_id=invitation.pk),
    )
    return partnership
