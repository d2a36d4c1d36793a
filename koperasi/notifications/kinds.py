"""Every kind of notification: its label, default channels, and whether people may mute it."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from koperasi.notifications.models import Channel

INAPP, EMAIL, SMS = Channel.INAPP, Channel.EMAIL, Channel.SMS


@dataclass(frozen=True)
class Kind:
    key: str
    label: Promise
    channels: tuple[str, ...]
    #: Security messages cannot be switched off (money leaving, account changes).
    security: bool = False

    @property
    def template(self) -> str:
        return f"notifications/kinds/{self.key.replace('.', '_')}.txt"


KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in [
        Kind("cooperative.verified", _("Cooperative verified"), (INAPP, EMAIL)),
        Kind("cooperative.rejected", _("Cooperative registration rejected"), (INAPP, EMAIL)),
        Kind("member.approved", _("Membership approved"), (INAPP, EMAIL, SMS)),
        Kind("member.rejected", _("Membership application not approved"), (EMAIL, SMS)),
        Kind("savings.deposited", _("Deposit received"), (INAPP, EMAIL)),
        Kind("savings.withdrawn", _("Withdrawal paid out"), (INAPP, EMAIL, SMS), security=True),
        Kind("withdrawal.approved", _("Withdrawal request approved"), (INAPP, EMAIL, SMS)),
        Kind("withdrawal.rejected", _("Withdrawal request rejected"), (INAPP, EMAIL)),
        Kind("wajib.billed", _("Monthly mandatory savings billed"), (INAPP,)),
        Kind("wajib.overdue", _("Mandatory savings overdue"), (INAPP, SMS)),
        Kind("loan.due_soon", _("Loan installment due soon"), (INAPP, SMS)),
        Kind("loan.due_today", _("Loan installment due today"), (INAPP, SMS)),
        Kind("loan.overdue", _("Loan installment overdue"), (INAPP, SMS)),
        Kind("announcement", _("Announcements from the board"), (INAPP, EMAIL)),
        Kind("partnership.proposed", _("Partnership proposed"), (INAPP, EMAIL)),
        Kind("partnership.activated", _("Partnership active"), (INAPP, EMAIL)),
        Kind("partnership.ended", _("Partnership ended"), (INAPP, EMAIL)),
        Kind("order.placed", _("New order from a member"), (INAPP, EMAIL)),
        Kind("order.confirmed", _("Order confirmed"), (INAPP, EMAIL, SMS)),
        Kind("order.rejected", _("Order rejected"), (INAPP, EMAIL)),
        Kind("order.fulfilled", _("Order fulfilled"), (INAPP,)),
        Kind("order.cancelled", _("Order cancelled by the member"), (INAPP, EMAIL)),
        Kind("purchase.recorded", _("Purchase at a partner recorded"), (INAPP,)),
        Kind("account.security", _("Sign-in and account security"), (INAPP, EMAIL), security=True),
    ]
}


def kind_for(key: str) -> Kind:
    try:
        return KINDS[key]
    except KeyError:
        raise ValueError(f"Unknown notification kind {key!r}: add it to KINDS") from None
