"""Writes for partners and partnerships. Each action is atomic and records an event."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from koperasi.errors import DomainError
from koperasi.events import event_record
from koperasi.models import Cooperative, Role, User
from partners.models import Partner, Partnership, PartnerUser
from partners.validators import normalize_npwp

PARTNER_REGISTERED = "partner.registered"
PARTNERSHIP_PROPOSED = "partnership.proposed"
PARTNERSHIP_ACCEPTED = "partnership.accepted"
PARTNERSHIP_ACTIVATED = "partnership.activated"

COOPERATIVE_SIDE = "cooperative"
PARTNER_SIDE = "partner"


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


def _side_of(*, user: User, cooperative: Cooperative, partner: Partner) -> str:
    """Which side of the agreement the person signs for: the cooperative's board or the
    partner's owner. Nobody may sign for both."""
    for_cooperative = Role.objects.filter(
        cooperative=cooperative, user=user, kind=Role.Kind.BOARD
    ).exists()
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


@transaction.atomic
def partnership_propose(
    *, cooperative: Cooperative, partner: Partner, acting_user: User, data: dict[str, Any]
) -> Partnership:
    """Either side proposes an agreement (and so accepts it); the other side must accept it."""
    side = _side_of(user=acting_user, cooperative=cooperative, partner=partner)
    if not cooperative.is_verified:
        raise DomainError(_("The cooperative is not verified yet."), field="cooperative")
    valid_from: date = data["valid_from"]
    valid_to: date | None = data.get("valid_to")
    if valid_to is not None and valid_to <= valid_from:
        raise DomainError(_("The end date must come after the start date."), field="valid_to")
    discount = Decimal(data.get("member_discount_percent") or 0)
    if not Decimal("0") <= discount <= Decimal("100"):
        raise DomainError(
            _("The member discount is between 0 and 100 percent."),
            field="member_discount_percent",
        )
    if Partnership.objects.live().filter(cooperative=cooperative, partner=partner).exists():
        raise DomainError(_("A partnership between these two already exists or is proposed."))
    partnership = Partnership(
        cooperative=cooperative,
        partner=partner,
        terms=data["terms"].strip(),
        member_discount_percent=discount,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    _accept_as(partnership, side, acting_user)
    try:
        with transaction.atomic():
            partnership.save()
    except IntegrityError as error:  # a concurrent proposal for the same pair
        raise DomainError(
            _("A partnership between these two already exists or is proposed.")
        ) from error
    event_record(
        kind=PARTNERSHIP_PROPOSED,
        actor=acting_user,
        cooperative=cooperative,
        data={"partnership_id": partnership.pk, "partner_id": partner.pk, "side": side},
    )
    return partnership


@transaction.atomic
def partnership_accept(*, partnership: Partnership, acting_user: User) -> Partnership:
    """The side that has not accepted yet accepts; once both have, the partnership is active."""
    partnership = (
        Partnership.objects.select_for_update(of=("self",))
        .select_related("cooperative", "partner")
        .get(pk=partnership.pk)
    )
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
        data={"partnership_id": partnership.pk, "partner_id": partnership.partner_id, "side": side},
    )
    return partnership
