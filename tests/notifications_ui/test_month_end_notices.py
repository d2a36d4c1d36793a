"""Month-end notices: "wajib.billed" to members the month end billed, "wajib.overdue" to
members behind on simpanan wajib; exact recipients, set-based, once per month."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from koperasi.models import Event
from koperasi.notifications import bulk, wiring
from koperasi.notifications.models import Delivery, Notification
from koperasi.notifications.month_end import notify_month_end
from members.actions import member_apply, member_approve
from members.models import Member
from services.savings.actions import savings_deposit
from services.savings.models import SavingsBill
from services.savings.month_end import month_end_run
from tests.factories import UserFactory, member_data
from tests.notifications_ui.helpers import bulk_members, snapshot

pytestmark = pytest.mark.django_db

SEPTEMBER = dt.date(2026, 9, 1)
WAJIB_NOTICES = ("wajib.billed", "wajib.overdue")


@pytest.fixture(autouse=True)
def unwired(monkeypatch):
    """The handler runs only where a test calls it (or wires it), whatever wiring.py says."""
    monkeypatch.delitem(wiring.HANDLERS, "savings.month_end", raising=False)


@pytest.fixture(autouse=True)
def published(monkeypatch):
    batches: list[list[int]] = []
    monkeypatch.setattr(bulk.deliver_batch, "delay", batches.append)
    return batches


def admit(cooperative, *, joined_on: dt.date, user=None, **data) -> Member:
    applicant = member_apply(cooperative=cooperative, data=member_data(**data), user=user)
    return member_approve(member=applicant, acting_user=cooperative.created_by, joined_on=joined_on)


def open_bill(member, period: dt.date) -> None:
    SavingsBill.objects.create(
        cooperative=member.cooperative,
        member=member,
        kind="wajib",
        period=period,
        due_date=period.replace(day=10),
        amount=25_000,
    )


@pytest.fixture
def members(cooperative, other_cooperative):
    """ani (login) owes only September; bob (login) paid August and September ahead; citra
    (no login) owes September; dedi (login, English) owes June to September; eko joined in
    October; an applicant and another cooperative's member owe nothing here."""
    joined = dt.date(2026, 5, 20)
    ani = admit(cooperative, joined_on=joined, user=UserFactory(), full_name="Ani")
    bob = admit(cooperative, joined_on=joined, user=UserFactory(), full_name="Bob")
    savings_deposit(
        member=bob,
        kind="wajib",
        amount=50_000,
        channel="cash",
        acting_user=None,
        on=dt.date(2026, 8, 20),
    )
    citra = admit(cooperative, joined_on=joined, full_name="Citra", phone="+628111000333")
    dedi = admit(cooperative, joined_on=joined, user=UserFactory(language="en"), full_name="Dedi")
    for month in (6, 7, 8):
        open_bill(dedi, dt.date(2026, month, 1))
    admit(cooperative, joined_on=dt.date(2026, 10, 2), user=UserFactory(), full_name="Eko")
    member_apply(cooperative=cooperative, data=member_data(full_name="Fajar"))
    other = admit(other_cooperative, joined_on=joined, user=UserFactory(), full_name="Gita")
    open_bill(other, dt.date(2026, 8, 1))
    return {"ani": ani, "bob": bob, "citra": citra, "dedi": dedi}


def close_september(cooperative) -> Event:
    month_end_run(cooperative=cooperative, month=SEPTEMBER)
    return Event.objects.get(kind="savings.month_end", cooperative=cooperative)


def notices(cooperative) -> dict[tuple[str, str], tuple]:
    """(kind, dedupe-key suffix) -> (recipient id, language, channels) of the month notices."""
    out = {}
    for notification in Notification.objects.filter(
        cooperative=cooperative, kind__in=WAJIB_NOTICES
    ):
        suffix = notification.dedupe_key.removeprefix(
            f"{notification.kind.replace('.', '-')}-{cooperative.pk}-2026-09-"
        )
        channels = frozenset(notification.deliveries.values_list("channel", "status"))
        out[(notification.kind, suffix)] = (
            notification.recipient_id,
            notification.language,
            channels,
        )
    return out


INAPP = frozenset({("inapp", "sent")})


def test_billed_and_overdue_members_are_told_exactly_once(cooperative, members):
    ani, citra, dedi = members["ani"], members["citra"], members["dedi"]
    event = close_september(cooperative)

    with transaction.atomic():
        results = notify_month_end(event)

    assert notices(cooperative) == {
        ("wajib.billed", str(ani.pk)): (ani.user_id, "id", INAPP),
        ("wajib.billed", str(dedi.pk)): (dedi.user_id, "en", INAPP),
        ("wajib.overdue", str(ani.pk)): (ani.user_id, "id", INAPP),
        ("wajib.overdue", str(dedi.pk)): (dedi.user_id, "en", INAPP),
    }  # bob paid ahead; citra has no login and no SMS gateway: nothing reaches her
    assert (results["wajib.billed"].notifications, results["wajib.overdue"].notifications) == (
        2,
        2,
    )
    assert not Notification.objects.filter(recipient__isnull=True, kind__in=WAJIB_NOTICES)
    assert citra.pk not in {m for _k, m in notices(cooperative)}


def test_the_notices_say_the_amount_the_due_date_and_the_months(cooperative, members):
    dedi = members["dedi"]
    event = close_september(cooperative)

    with transaction.atomic():
        notify_month_end(event)

    billed = Notification.objects.get(kind="wajib.billed", recipient=dedi.user)
    overdue = Notification.objects.get(kind="wajib.overdue", recipient=dedi.user)
    assert billed.title == "Simpanan wajib for September 2026"
    assert billed.body == "Your simpanan wajib of Rp 25.000 is due on 10 September 2026."
    assert overdue.body == (
        "You have 4 months of simpanan wajib unpaid. Please pay at the counter."
    )
    assert billed.link == f"/k/{cooperative.slug}/anggota/"


def test_with_a_gateway_overdue_members_also_get_an_sms(cooperative, members, settings):
    settings.NOTIFY_GATEWAY_URL = "https://gateway.example/send"
    citra, dedi = members["citra"], members["dedi"]
    event = close_september(cooperative)

    with transaction.atomic():
        notify_month_end(event)

    got = notices(cooperative)
    assert got[("wajib.overdue", str(dedi.pk))][2] == INAPP | {("sms", "pending")}
    assert got[("wajib.overdue", str(citra.pk))] == (
        None,
        "id",
        frozenset({("sms", "pending")}),
    )
    assert ("wajib.billed", str(citra.pk)) not in got  # billing notices are in-app only
    sms = Notification.objects.get(kind="wajib.overdue", recipient__isnull=True)
    assert sms.to_phone == "+628111000333"


def test_running_again_tells_nobody_twice(cooperative, members, published):
    event = close_september(cooperative)
    with transaction.atomic():
        notify_month_end(event)
    before = snapshot()

    with transaction.atomic():
        again = notify_month_end(event)
    month_end_run(cooperative=cooperative, month=SEPTEMBER)  # a second close: no event

    assert snapshot() == before
    assert (again["wajib.billed"].notifications, again["wajib.overdue"].notifications) == (0, 0)
    assert Event.objects.filter(kind="savings.month_end").count() == 1


def test_wired_into_the_month_end_it_runs_in_its_transaction(
    cooperative, members, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setitem(wiring.HANDLERS, "savings.month_end", notify_month_end)

    with django_capture_on_commit_callbacks(execute=False):
        month_end_run(cooperative=cooperative, month=SEPTEMBER)

    assert len(notices(cooperative)) == 4
    assert Delivery.objects.filter(notification__kind__in=WAJIB_NOTICES).count() == 4


def test_no_bills_means_no_billing_notice(cooperative, members):
    from services.savings.actions import product_for

    product = product_for(cooperative)
    product.wajib_amount = 0
    product.save()
    event = close_september(cooperative)

    with transaction.atomic():
        results = notify_month_end(event)

    assert results["wajib.billed"].notifications == 0
    assert {kind for kind, _member in notices(cooperative)} == {"wajib.overdue"}
    assert notices(cooperative).keys() == {("wajib.overdue", str(members["dedi"].pk))}


def _notice_queries(cooperative) -> tuple[int, int]:
    event = close_september(cooperative)
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        results = notify_month_end(event)
    return len(captured.captured_queries), results["wajib.billed"].notifications


def test_the_notices_queries_do_not_grow_with_the_members(cooperative, other_cooperative):
    bulk_members(cooperative, 30)
    bulk_members(other_cooperative, 300)

    small, small_billed = _notice_queries(cooperative)
    large, large_billed = _notice_queries(other_cooperative)

    assert (small_billed, large_billed) == (30, 300)
    assert small == large
