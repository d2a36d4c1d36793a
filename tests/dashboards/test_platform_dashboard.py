"""The facilitator's dashboard (`/platform/`): cooperatives by province, type and status, the
verification queue, totals and trends across verified cooperatives only, the RAT held this
year, and no member's personal data anywhere."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from koperasi.models import Cooperative, Role
from services.participation.models import Meeting
from services.snapshots import PortfolioSnapshot
from tests.conftest import client_for
from tests.dashboards.conftest import admit, deposit, english
from tests.factories import CooperativeFactory, RoleFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/platform/"
SECRET = {
    "full_name": "Zulkarnaen Wibisono",
    "email": "zulkarnaen.rahasia@example.test",
    "phone": "+6287770001112",
    "address": "Jl. Rahasia Sekali No. 77, Denpasar",
}


def _meeting(cooperative, user, kind, starts_at) -> Meeting:
    return Meeting.objects.create(
        cooperative=cooperative,
        kind=kind,
        title="Rapat",
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=2),
        place="Balai",
        agenda="1. Laporan",
        created_by=user,
    )


@pytest.fixture
def portal(book):
    """Besides the book's cooperative (Jawa Barat, KSP, verified): a verified one in Bali
    (KSU) with one member whose details must never show, a pending one in Bali (KSP) with a
    rich member and a held RAT that must not count, a rejected one in Jawa Barat (konsumen)."""
    now = timezone.now()
    today = timezone.localdate()
    bali = CooperativeFactory(
        name="Koperasi Serba Usaha Dewata",
        province_id="51",
        regency_id="51.02",
        type=Cooperative.Type.KSU,
    )
    bali_chair = RoleFactory(cooperative=bali, kind=Role.Kind.BOARD).user
    secret = admit(bali, today, chair=bali_chair, user=UserFactory(email=SECRET["email"]), **SECRET)
    deposit(secret, "pokok", 100_000, today)
    deposit(secret, "sukarela", 1_000_000, today)
    _meeting(bali, bali_chair, Meeting.Kind.RAT, now + dt.timedelta(days=1))  # not yet
    _meeting(bali, bali_chair, Meeting.Kind.OTHER, now - dt.timedelta(hours=3))  # not a RAT

    pending = CooperativeFactory(
        name="Koperasi Belum Diverifikasi", province_id="51", regency_id="51.02"
    )
    pending_chair = RoleFactory(cooperative=pending, kind=Role.Kind.BOARD).user
    rich = admit(pending, today, chair=pending_chair, full_name="Hartono Kaya")
    deposit(rich, "sukarela", 9_999_000, today)
    _meeting(pending, pending_chair, Meeting.Kind.RAT, now - dt.timedelta(hours=2))
    Cooperative.objects.filter(pk=pending.pk).update(status=Cooperative.Status.PENDING)

    rejected = CooperativeFactory(
        name="Koperasi Ditolak", type=Cooperative.Type.CONSUMER, status="rejected"
    )

    firsts = book.firsts
    for cooperative, values in (
        (bali, {"members": 1, "savings_pokok": 100_000, "savings_sukarela": 1_000_000}),
        (pending, {"members": 1, "savings_sukarela": 9_999_000, "loans_outstanding": 5_000_000}),
    ):
        PortfolioSnapshot.objects.create(
            cooperative=cooperative, date=firsts[10] + dt.timedelta(days=15), **values
        )
    return {"bali": bali, "pending": pending, "rejected": rejected, "secret": secret, "rich": rich}


@pytest.fixture
def staff():
    return english(client_for(UserFactory(is_platform_staff=True)))


def test_cooperatives_by_status_province_and_type(staff, portal):
    response = staff.get(URL)

    assert response.status_code == 200
    assert [(s, n) for s, _label, n in response.context["statuses"]] == [
        ("pending", 1),
        ("verified", 2),
        ("rejected", 1),
    ]
    assert [(r.label, r.total, r.by_status) for r in response.context["by_province"]] == [
        ("Bali", 2, {"pending": 1, "verified": 1, "rejected": 0}),
        ("Jawa Barat", 2, {"pending": 0, "verified": 1, "rejected": 1}),
    ]
    assert [(r.label, r.total, r.by_status) for r in response.context["by_type"]] == [
        ("Savings and loan (KSP)", 2, {"pending": 1, "verified": 1, "rejected": 0}),
        ("Consumer", 1, {"pending": 0, "verified": 0, "rejected": 1}),
        ("Multipurpose (KSU)", 1, {"pending": 0, "verified": 1, "rejected": 0}),
    ]
    page = response.content.decode()
    assert '<svg id="chart-provinces" class="chart"' in page
    assert '<svg id="chart-types" class="chart"' in page


def test_the_verification_queue_still_works(staff, portal):
    pending = staff.get(URL)
    verified = staff.get(f"{URL}?status=verified")

    assert list(pending.context["cooperatives"]) == [portal["pending"]]
    assert f'href="/platform/koperasi/{portal["pending"].pk}/"' in pending.content.decode()
    assert set(verified.context["cooperatives"]) == {
        portal["bali"],
        Cooperative.objects.get(name__startswith="Koperasi Simpan Pinjam"),
    }


def test_totals_count_only_verified_cooperatives(staff, portal):
    response = staff.get(URL)
    totals = response.context["totals"]

    assert totals.members == 5
    assert totals.savings == {"pokok": 300_000, "wajib": 150_000, "sukarela": 3_200_000}
    assert (totals.loans.outstanding, totals.loans.at_risk) == (1_800_000, 1_200_000)
    assert totals.loans.par30_percent == Decimal("66.67")
    page = re.sub(r"\s+", " ", response.content.decode())
    assert 'id="total-members"><span>Active members</span><strong>5</strong>' in page
    assert 'id="total-savings"><span>Savings</span><strong>Rp 3.650.000</strong>' in page
    assert 'id="total-loans"><span>Loans outstanding</span><strong>Rp 1.800.000</strong>' in page
    assert 'id="total-par30"><span>PAR30</span><strong>66.67%</strong>' in page
    assert "9.999.000" not in page  # the pending cooperative's savings


def test_without_any_snapshot_the_trends_say_so(staff, book):
    PortfolioSnapshot.objects.all().delete()

    page = staff.get(URL).content.decode()

    assert 'id="no-trend"' in page
    assert "chart-platform-" not in page


def test_which_cooperatives_held_their_rat_this_year(staff, portal, book):
    response = staff.get(URL)
    rat = response.context["rat"]

    assert (rat.year, rat.verified, rat.held) == (timezone.localdate().year, 2, 1)
    assert [(c.name, c.province) for c in rat.cooperatives] == [
        (book.cooperative.name, "Jawa Barat")
    ]
    assert rat.by_province == [("Bali", 1, 0), ("Jawa Barat", 1, 1)]
    page = re.sub(r"\s+", " ", response.content.decode())
    assert "1 of 2 verified cooperatives has held its RAT this year." in page
    held = page[page.index('<table id="rat-held">') :]
    held = held[: held.index("</table>")]
    assert book.cooperative.name in held
    assert "Dewata" not in held
    assert "Belum Diverifikasi" not in held


def test_trends_sum_the_verified_cooperatives_snapshots(staff, portal, book):
    response = staff.get(URL)
    trend = response.context["trend"]
    page = response.content.decode()
    par30 = page[page.index('<svg id="chart-platform-par30"') :]
    assert par30[: par30.index("</svg>")].count("<circle") == 9  # months without a snapshot
    firsts = book.firsts

    assert [first for first, _m in trend] == firsts
    assert [m is None for _first, m in trend] == [True] * 8 + [False] * 3 + [True]
    month_8, month_9, month_10 = (m for _first, m in trend[8:11])
    assert (month_8.cooperatives, month_8.members, month_8.loans, month_8.par30_bp) == (
        1,
        3,
        1_200_000,
        0,
    )
    # The later of the two snapshots in the month.
    assert (month_9.cooperatives, month_9.par30_bp) == (1, 10_000)
    # Both verified cooperatives on the month's last snapshot day; never the pending one.
    assert (
        month_10.cooperatives,
        month_10.members,
        month_10.savings,
        month_10.loans,
        month_10.par30_bp,
    ) == (2, 4, 1_100_000, 1_200_000, 10_000)


def test_no_personal_data_anywhere_on_the_page(staff, portal, book):
    pages = [staff.get(URL).content.decode()]
    pages += [staff.get(f"{URL}?status={s}").content.decode() for s in Cooperative.Status.values]

    people = [portal["secret"], portal["rich"], *book.members.values()]
    for page in pages:
        for person in people:
            for value in (person.full_name, person.nik, person.masked_nik, person.phone):
                assert value not in page
            if person.email:
                assert person.email not in page
            if person.user_id:
                assert person.user.email not in page
                assert person.user.full_name not in page
        assert SECRET["address"] not in page
        assert book.chair.email not in page
        assert book.chair.full_name not in page


@pytest.mark.parametrize("who", ["anonymous", "ordinary", "chair", "member"])
def test_only_platform_staff_see_it(who, book):
    client = {
        "anonymous": Client(),
        "ordinary": client_for(UserFactory()),
        "chair": client_for(book.chair),
        "member": client_for(book.members["ani"].user),
    }[who]

    response = client.get(URL)

    if who == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/akun/login/")
    else:
        assert response.status_code == 404


def test_the_query_count_does_not_grow_with_cooperatives(staff, portal):
    staff.get(URL)
    with CaptureQueriesContext(connection) as few:
        staff.get(URL)

    for n in range(4):
        more = CooperativeFactory(province_id="51", regency_id="51.02")
        chair = RoleFactory(cooperative=more, kind=Role.Kind.BOARD).user
        member = admit(more, timezone.localdate(), chair=chair, full_name=f"Anggota {n}")
        deposit(member, "sukarela", 50_000, timezone.localdate())
        _meeting(more, chair, Meeting.Kind.RAT, timezone.now() - dt.timedelta(hours=1))
    with CaptureQueriesContext(connection) as many:
        response = staff.get(URL)

    assert response.context["rat"].held == 5
    assert len(many.captured_queries) == len(few.captured_queries)
