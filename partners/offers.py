"""Offers and orders: a partner publishes offers to the members of its partner cooperatives,
members order, and the partner confirms, fulfils or rejects.

Order lifecycle::

    placed --confirm--> confirmed --fulfil--> fulfilled
    placed --reject---> rejected  <--reject-- confirmed
    placed --cancel (the member)--> cancelled

Every transition locks the order row and refuses (DomainError, nothing changed) a step the
order's status does not allow. The price a member pays is fixed when the order is placed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Case, CharField, Count, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from koperasi.errors import DomainError
from koperasi.events import event_record
from koperasi.models import Cooperative, User
from members.models import Member
from partners import pictures
from partners.models import Offer, Order, Partner, PartnerUser

OFFER_CREATED = "offer.created"
OFFER_UPDATED = "offer.updated"
OFFER_WITHDRAWN = "offer.withdrawn"
ORDER_PLACED = "order.placed"
ORDER_CONFIRMED = "order.confirmed"
ORDER_REJECTED = "order.rejected"
ORDER_FULFILLED = "order.fulfilled"
ORDER_CANCELLED = "order.cancelled"

MAX_QUANTITY = 999
MAX_PRICE = 10_000_000_000
ORDERS_PER_PAGE = 25
OFFERS_PER_PAGE = 20


class OfferState:
    """Where an offer stands today, as the partner's list shows it."""

    PUBLISHED = "published"
    SCHEDULED = "scheduled"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"

    labels = {
        PUBLISHED: gettext_lazy("Published"),
        SCHEDULED: gettext_lazy("Scheduled"),
        EXPIRED: gettext_lazy("Expired"),
        WITHDRAWN: gettext_lazy("Withdrawn"),
    }


S = Order.Status
#: Which statuses each step starts from, and where it leads.
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "confirm": (frozenset({S.PLACED}), S.CONFIRMED),
    "reject": (frozenset({S.PLACED, S.CONFIRMED}), S.REJECTED),
    "fulfil": (frozenset({S.CONFIRMED}), S.FULFILLED),
    "cancel": (frozenset({S.PLACED}), S.CANCELLED),
}


# Selectors


def offers_with_state(*, partner: Partner, today: date | None = None) -> QuerySet[Offer]:
    """The partner's offers, newest first, each annotated with `state` (see OfferState)."""
    day = today or timezone.localdate()
    return (
        Offer.objects.filter(partner=partner)
        .annotate(
            state=Case(
                When(withdrawn_at__isnull=False, then=Value(OfferState.WITHDRAWN)),
                When(valid_from__gt=day, then=Value(OfferState.SCHEDULED)),
                When(valid_to__lt=day, then=Value(OfferState.EXPIRED)),
                default=Value(OfferState.PUBLISHED),
                output_field=CharField(),
            ),
            order_count=Count("orders"),
        )
        .order_by("-created_at", "-id")
    )


def offers_for_member_page(*, cooperative: Cooperative, page: str | int | None) -> Page:
    """Published offers of the cooperative's active partners, newest first, a page at a time."""
    offers = (
        Offer.objects.published()
        .for_cooperative(cooperative)
        .select_related("partner")
        .order_by("-created_at", "-id")
    )
    return Paginator(offers, OFFERS_PER_PAGE).get_page(page)


def offer_visible_to(*, cooperative: Cooperative) -> QuerySet[Offer]:
    """Offers a member of the cooperative may see (and order) today."""
    return Offer.objects.published().for_cooperative(cooperative).select_related("partner")


def orders_for_partner_page(
    *, partner: Partner, status: str | None, page: str | int | None
) -> Page:
    """The partner's orders, newest first, optionally of one status, a page at a time."""
    orders = Order.objects.filter(partner=partner).select_related("offer", "member", "cooperative")
    if status:
        orders = orders.filter(status=status)
    return Paginator(orders.order_by("-created_at", "-id"), ORDERS_PER_PAGE).get_page(page)


def order_counts_for_partner(*, partner: Partner) -> dict[str, int]:
    """How many of the partner's orders are in each status (one query)."""
    rows = (
        Order.objects.filter(partner=partner)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )
    counts = dict.fromkeys(Order.Status.values, 0)
    counts.update(dict(rows))
    return counts


def orders_of_member_user(*, cooperative: Cooperative, user: User) -> QuerySet[Order]:
    """The person's own orders in the cooperative (any of their memberships), newest first."""
    return (
        Order.objects.filter(cooperative=cooperative, member__user=user)
        .select_related("offer", "partner")
        .order_by("-created_at", "-id")
    )


# Offers


def _require_partner_user(partner: Partner, user: User) -> None:
    if not PartnerUser.objects.filter(partner=partner, user=user).exists():
        raise DomainError(_("Only the partner's owner and staff may do this."))


def _clean_offer_data(data: dict[str, Any]) -> dict[str, Any]:
    """Check an offer's fields; the first problem is refused with its field named."""
    title = " ".join(str(data.get("title") or "").split())
    if not title:
        raise DomainError(_("Give the offer a title."), field="title")
    if len(title) > 120:
        raise DomainError(_("The title may be at most 120 characters."), field="title")
    description = str(data.get("description") or "").strip()
    if len(description) > 2000:
        raise DomainError(_("The description may be at most 2000 characters."), field="description")
    unit = " ".join(str(data.get("unit") or "").split())
    if len(unit) > 30:
        raise DomainError(_("The unit may be at most 30 characters."), field="unit")
    price = data.get("price")
    if isinstance(price, bool) or not isinstance(price, int) or price <= 0:
        raise DomainError(_("The price must be above zero."), field="price")
    if price > MAX_PRICE:
        raise DomainError(_("That price is too large."), field="price")
    try:
        raw = data.get("discount_percent") or 0
        discount = Decimal(str(raw)) if isinstance(raw, float) else Decimal(raw)
    except (InvalidOperation, TypeError, ValueError):
        raise DomainError(
            _("The member discount is between 0 and 100 percent."), field="discount_percent"
        ) from None
    if not discount.is_finite() or not Decimal(0) <= discount <= Decimal(100):
        raise DomainError(
            _("The member discount is between 0 and 100 percent."), field="discount_percent"
        )
    if discount != discount.quantize(Decimal("0.01")):
        raise DomainError(
            _("The member discount has at most two decimals."), field="discount_percent"
        )
    valid_from = data.get("valid_from")
    if not isinstance(valid_from, date):
        raise DomainError(_("Give the first day of the offer."), field="valid_from")
    valid_to = data.get("valid_to")
    if valid_to is not None and valid_to < valid_from:
        raise DomainError(_("The last day cannot come before the first day."), field="valid_to")
    return {
        "title": title,
        "description": description,
        "unit": unit,
        "price": price,
        "discount_percent": discount,
        "valid_from": valid_from,
        "valid_to": valid_to,
    }


def _delete_files_after_commit(*names: str) -> None:
    """Remove replaced picture files once the change that replaced them is committed."""
    names = tuple(n for n in names if n)
    if not names:
        return
    storage = Offer._meta.get_field("picture").storage

    def delete() -> None:
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete)


def _attach_picture(offer: Offer, processed: pictures.ProcessedPicture) -> None:
    offer.picture.save("picture.jpg", processed.picture_file(), save=False)
    offer.thumbnail.save("thumbnail.jpg", processed.thumbnail_file(), save=False)


@transaction.atomic
def offer_create(*, partner: Partner, acting_user: User, data: dict[str, Any]) -> Offer:
    """A partner's owner or staff publishes an offer to the members of its partner
    cooperatives; a picture is shrunk to a small JPEG and a thumbnail."""
    _require_partner_user(partner, acting_user)
    fields = _clean_offer_data(data)
    upload = data.get("picture")
    processed = pictures.picture_process(upload) if upload else None
    now = timezone.now()
    offer = Offer(partner=partner, created_by=acting_user, created_at=now, updated_at=now, **fields)
    if processed is not None:
        _attach_picture(offer, processed)
    offer.save()
    event_record(
        kind=OFFER_CREATED,
        actor=acting_user,
        data={"offer_id": offer.pk, "partner_id": partner.pk},
    )
    return offer


@transaction.atomic
def offer_update(*, offer: Offer, acting_user: User, data: dict[str, Any]) -> Offer:
    """Change an offer that is not withdrawn. Orders already placed keep their price.

    `data["picture"]` replaces the picture; `data["remove_picture"]` removes it.
    """
    offer = Offer.objects.select_for_update(of=("self",)).get(pk=offer.pk)
    _require_partner_user(offer.partner, acting_user)
    if offer.withdrawn_at is not None:
        raise DomainError(_("A withdrawn offer cannot be changed."))
    fields = _clean_offer_data(data)
    upload = data.get("picture")
    processed = pictures.picture_process(upload) if upload else None
    changed = [name for name, value in fields.items() if getattr(offer, name) != value]
    for name, value in fields.items():
        setattr(offer, name, value)
    old_files = (offer.picture.name, offer.thumbnail.name)
    if processed is not None:
        _attach_picture(offer, processed)
        changed.append("picture")
        _delete_files_after_commit(*old_files)
    elif data.get("remove_picture") and offer.picture:
        offer.picture = ""
        offer.thumbnail = ""
        changed.append("picture")
        _delete_files_after_commit(*old_files)
    offer.updated_at = timezone.now()
    offer.save()
    event_record(
        kind=OFFER_UPDATED,
        actor=acting_user,
        data={"offer_id": offer.pk, "partner_id": offer.partner_id, "changed": changed},
    )
    return offer


@transaction.atomic
def offer_withdraw(*, offer: Offer, acting_user: User) -> Offer:
    """Stop an offer: members no longer see or order it; orders already placed stay."""
    offer = Offer.objects.select_for_update(of=("self",)).get(pk=offer.pk)
    _require_partner_user(offer.partner, acting_user)
    if offer.withdrawn_at is not None:
        raise DomainError(_("This offer is already withdrawn."))
    offer.withdrawn_at = timezone.now()
    offer.updated_at = offer.withdrawn_at
    offer.save(update_fields=["withdrawn_at", "updated_at"])
    event_record(
        kind=OFFER_WITHDRAWN,
        actor=acting_user,
        data={"offer_id": offer.pk, "partner_id": offer.partner_id},
    )
    return offer


# Orders


def _order_data(order: Order, **extra: Any) -> dict[str, Any]:
    return {
        "order_id": order.pk,
        "offer_id": order.offer_id,
        "partner_id": order.partner_id,
        "member_id": order.member_id,
        **extra,
    }


@transaction.atomic
def order_place(
    *, member: Member, offer: Offer, quantity: int, note: str, acting_user: User
) -> Order:
    """An active member orders an offer published today by an active partner of their
    cooperative, at the offer's member price of this moment."""
    if member.user_id is None or member.user_id != acting_user.pk:
        raise DomainError(_("Only the member themselves can place an order."))
    if not member.is_active:
        raise DomainError(_("Only an active member can order."))
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise DomainError(_("Enter the quantity as a whole number."), field="quantity")
    if not 1 <= quantity <= MAX_QUANTITY:
        raise DomainError(
            _("Order between 1 and %(max)s.") % {"max": MAX_QUANTITY}, field="quantity"
        )
    note = (note or "").strip()
    if len(note) > 500:
        raise DomainError(_("The note may be at most 500 characters."), field="note")
    cooperative = member.cooperative
    # Locking the offer row makes a withdrawal and an order happen one after the other.
    locked = (
        Offer.objects.select_for_update(of=("self",))
        .published()
        .for_cooperative(cooperative)
        .filter(pk=offer.pk)
        .first()
    )
    if locked is None:
        raise DomainError(_("This offer is no longer available."))
    unit_price = locked.member_price
    order = Order.objects.create(
        cooperative=cooperative,
        member=member,
        partner_id=locked.partner_id,
        offer=locked,
        quantity=quantity,
        unit_price=unit_price,
        total=quantity * unit_price,
        note=note,
    )
    event_record(
        kind=ORDER_PLACED,
        actor=acting_user,
        cooperative=cooperative,
        data=_order_data(order, quantity=quantity, total=order.total),
    )
    return order


def _lock(order: Order) -> Order:
    return Order.objects.select_for_update(of=("self",)).get(pk=order.pk)


def _refusal(step: str) -> str:
    return {
        "confirm": _("Only a placed order can be confirmed."),
        "reject": _("Only a placed or confirmed order can be rejected."),
        "fulfil": _("Only a confirmed order can be marked as fulfilled."),
        "cancel": _("Only an order the partner has not decided on yet can be cancelled."),
    }[step]


def _move(order: Order, step: str, acting_user: User, *, reason: str = "") -> Order:
    sources, target = TRANSITIONS[step]
    if order.status not in sources:
        raise DomainError(_refusal(step))
    order.status = target
    order.decided_at = timezone.now()
    order.decided_by = acting_user
    if reason:
        order.reason = reason
    order.save(update_fields=["status", "decided_at", "decided_by", "reason"])
    return order


def _partner_step(order: Order, step: str, kind: str, acting_user: User, reason: str = "") -> Order:
    order = _lock(order)
    _require_partner_user(order.partner, acting_user)
    order = _move(order, step, acting_user, reason=reason)
    data = _order_data(order, reason=reason) if reason else _order_data(order)
    event_record(kind=kind, actor=acting_user, cooperative=order.cooperative, data=data)
    return order


@transaction.atomic
def order_confirm(*, order: Order, acting_user: User) -> Order:
    """The partner accepts a placed order."""
    return _partner_step(order, "confirm", ORDER_CONFIRMED, acting_user)


@transaction.atomic
def order_reject(*, order: Order, acting_user: User, reason: str) -> Order:
    """The partner turns down a placed or confirmed order, saying why (the member reads it)."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError(_("Tell the member why the order is rejected."), field="reason")
    if len(reason) > 500:
        raise DomainError(_("The reason may be at most 500 characters."), field="reason")
    return _partner_step(order, "reject", ORDER_REJECTED, acting_user, reason)


@transaction.atomic
def order_fulfil(*, order: Order, acting_user: User) -> Order:
    """The partner has delivered (or handed over) a confirmed order.

    Safe to call inside an outer transaction (a purchase being recorded): the order row is
    locked until that transaction ends, and a refusal leaves it unchanged.
    """
    return _partner_step(order, "fulfil", ORDER_FULFILLED, acting_user)


@transaction.atomic
def order_cancel(*, order: Order, acting_user: User) -> Order:
    """The member withdraws their own order while the partner has not decided yet."""
    order = _lock(order)
    if not Member.objects.filter(pk=order.member_id, user=acting_user).exists():
        raise DomainError(_("Only the member who placed the order can cancel it."))
    order = _move(order, "cancel", acting_user)
    event_record(
        kind=ORDER_CANCELLED,
        actor=acting_user,
        cooperative=order.cooperative,
        data=_order_data(order),
    )
    return order
