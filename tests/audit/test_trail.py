"""Every money movement, approval, role and settings change, sign-in and refused access leaves
exactly one event: who, when, what, from where."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from koperasi.models import Event, Role
from members.actions import member_apply
from members.models import Member
from services.loans import actions as loans
from services.loans.models import Loan
from services.savings import actions as savings
from tests.audit.conftest import IP, USER_AGENT, assert_from_browser, browser, only
from tests.factories import PASSWORD, UserFactory, make_member, member_data
from tests.loans.conftest import make_borrower, make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def active_member(cooperative):
    return make_member(cooperative, full_name="Sri Wahyuni")


def _counter(client, cooperative, member, **data):
    form = {
        "number": member.number,
        "direction": "deposit",
        "kind": "sukarela",
        "amount": "250000",
        "channel": "cash",
        "idempotency_key": "k-1",
    }
    form.update(data)
    return client.post(f"/k/{cooperative.slug}/kelola/kas/", form)


# --- Money ---------------------------------------------------------------------------------


def test_a_deposit_at_the_counter(cooperative, teller, active_member):
    response = _counter(browser(teller), cooperative, active_member)

    assert response.status_code == 302
    event = only("savings.deposited")
    assert event.actor == teller
    assert event.cooperative == cooperative
    assert event.data["member_id"] == active_member.pk
    assert event.data["amount"] == 250_000
    assert event.data["kind"] == "sukarela"
    assert_from_browser(event, f"/k/{cooperative.slug}/kelola/kas/")


def test_a_replayed_deposit_records_nothing_more(cooperative, teller, active_member):
    client = browser(teller)
    _counter(client, cooperative, active_member)
    _counter(client, cooperative, active_member)

    assert Event.objects.filter(kind="savings.deposited").count() == 1


def test_a_withdrawal_at_the_counter(cooperative, teller, active_member):
    savings.savings_deposit(
        member=active_member, kind="sukarela", amount=500_000, channel="cash", acting_user=None
    )

    _counter(
        browser(teller),
        cooperative,
        active_member,
        direction="withdrawal",
        amount="200000",
        idempotency_key="w-1",
    )

    event = only("savings.withdrawn")
    assert (event.actor, event.cooperative) == (teller, cooperative)
    assert event.data["amount"] == 200_000
    assert event.data["member_id"] == active_member.pk
    assert_from_browser(event, f"/k/{cooperative.slug}/kelola/kas/")


def test_a_reversal_is_recorded(cooperative, chair, active_member):
    entry = savings.savings_deposit(
        member=active_member, kind="sukarela", amount=75_000, channel="cash", acting_user=chair
    )

    reversal = savings.savings_reverse(entry=entry, acting_user=chair, memo="salah ketik")

    event = only("savings.reversed")
    assert event.actor == chair
    assert event.data == {
        "member_id": active_member.pk,
        "entry_id": entry.pk,
        "reversal_id": reversal.pk,
    }
    assert event.ip_address is None  # not from a request


@pytest.fixture
def loan_setup(cooperative, chair):
    product = make_product(cooperative)
    borrower = make_borrower(cooperative, full_name="Budi Santoso")
    return loans.loan_apply(
        member=borrower, product=product, amount=2_000_000, term=6, purpose="Modal warung"
    )


def test_loan_approval_disbursement_and_repayment(cooperative, chair, teller, loan_setup):
    loan = loan_setup
    base = f"/k/{cooperative.slug}/kelola/pinjaman/{loan.pk}"
    board = browser(chair)

    board.post(f"{base}/setujui/")
    approved = only("loan.approved")
    first_due = timezone.localdate() + dt.timedelta(days=30)
    board.post(f"{base}/cairkan/", {"channel": "cash", "first_due": first_due.isoformat()})
    disbursed = only("loan.disbursed")
    browser(teller).post(
        f"{base}/bayar/", {"amount": "400000", "channel": "cash", "idempotency_key": "r-1"}
    )
    repaid = only("loan.repaid")

    loan.refresh_from_db()
    assert loan.status == Loan.Status.ACTIVE
    assert (approved.actor, approved.cooperative) == (chair, cooperative)
    assert approved.data == {"loan_id": loan.pk, "member_id": loan.member_id, "approvals": 1}
    assert_from_browser(approved, f"{base}/setujui/")
    assert (disbursed.actor, disbursed.cooperative) == (chair, cooperative)
    assert disbursed.data == {
        "loan_id": loan.pk,
        "member_id": loan.member_id,
        "amount": 2_000_000,
        "fee": 20_000,
    }
    assert_from_browser(disbursed, f"{base}/cairkan/")
    assert (repaid.actor, repaid.cooperative) == (teller, cooperative)
    assert repaid.data == {"loan_id": loan.pk, "member_id": loan.member_id, "amount": 400_000}
    assert_from_browser(repaid, f"{base}/bayar/")


# --- Approvals -----------------------------------------------------------------------------


def test_a_membership_approval(cooperative, chair):
    applicant = member_apply(cooperative=cooperative, data=member_data(full_name="Rina"))
    url = f"/k/{cooperative.slug}/kelola/anggota/{applicant.pk}/keputusan/"

    browser(chair).post(url, {"decision": "approve"})

    applicant.refresh_from_db()
    assert applicant.status == Member.Status.ACTIVE
    event = only("member.approved")
    assert (event.actor, event.cooperative) == (chair, cooperative)
    assert event.data == {"member_id": applicant.pk, "number": applicant.number}
    assert_from_browser(event, url)


def test_a_membership_rejection(cooperative, chair):
    applicant = member_apply(cooperative=cooperative, data=member_data(full_name="Rina"))
    url = f"/k/{cooperative.slug}/kelola/anggota/{applicant.pk}/keputusan/"

    browser(chair).post(url, {"decision": "reject", "reason": "Bukan warga desa"})

    event = only("member.rejected")
    assert event.actor == chair
    assert event.data == {"member_id": applicant.pk, "reason": "Bukan warga desa"}
    assert_from_browser(event, url)


# --- Roles ---------------------------------------------------------------------------------


def test_a_role_grant_and_its_revocation(cooperative, chair):
    newcomer = UserFactory(email="kasir.baru@example.test")
    client = browser(chair)

    client.post(
        f"/k/{cooperative.slug}/kelola/peran/",
        {"email": "kasir.baru@example.test", "kind": "teller", "title": ""},
    )
    role = Role.objects.get(user=newcomer, cooperative=cooperative)
    revoke_url = f"/k/{cooperative.slug}/kelola/peran/{role.pk}/hapus/"
    client.post(revoke_url)

    granted, revoked = only("role.granted"), only("role.revoked")
    assert (granted.actor, granted.cooperative) == (chair, cooperative)
    assert granted.data == {"user_id": newcomer.pk, "role": "teller", "title": ""}
    assert_from_browser(granted, f"/k/{cooperative.slug}/kelola/peran/")
    assert (revoked.actor, revoked.cooperative) == (chair, cooperative)
    assert revoked.data == {"user_id": newcomer.pk, "role": "teller"}
    assert_from_browser(revoked, revoke_url)


# --- Settings ------------------------------------------------------------------------------


def test_the_loan_approval_threshold_change(cooperative, chair):
    url = f"/k/{cooperative.slug}/kelola/pinjaman/aturan/"

    browser(chair).post(url, {"two_approvals_above": "5.000.000"})

    event = only("loan.policy_changed")
    assert (event.actor, event.cooperative) == (chair, cooperative)
    assert event.data == {"two_approvals_above": [10_000_000, 5_000_000]}
    assert_from_browser(event, url)


def test_the_cooperative_profile_change(cooperative, chair):
    from koperasi.actions import COOPERATIVE_FIELDS

    url = f"/k/{cooperative.slug}/kelola/profil/"
    form = {
        name: getattr(cooperative, f"{name}_id" if name in ("province", "regency") else name)
        for name in COOPERATIVE_FIELDS
    }
    form["address"] = "Jl. Braga No. 10, Bandung"

    browser(chair).post(url, form)

    event = only("cooperative.updated")
    assert (event.actor, event.cooperative) == (chair, cooperative)
    assert event.data == {"fields": ["address"]}
    assert_from_browser(event, url)


def test_the_shu_percentages_are_in_the_record(cooperative, chair):
    from decimal import Decimal

    from services.participation.shu import shu_year_save

    data = {
        "year": 2025,
        "surplus": 100_000_000,
        "reserve_pct": Decimal(40),
        "jasa_modal_pct": Decimal(20),
        "jasa_usaha_pct": Decimal(25),
        "board_pct": Decimal(5),
        "staff_pct": Decimal(5),
        "education_pct": Decimal("2.5"),
        "social_pct": Decimal("2.5"),
        "include_sukarela": False,
        "credit_to_sukarela": True,
        "vote": None,
    }

    shu_year_save(cooperative=cooperative, data=data, acting_user=chair)

    event = only("shu.saved")
    assert event.data["reserve_pct"] == "40"
    assert event.data["education_pct"] == "2.5"
    assert event.data["surplus"] == 100_000_000


# --- Exports -------------------------------------------------------------------------------


def test_downloading_the_loan_portfolio_is_recorded(cooperative, supervisor):
    url = f"/k/{cooperative.slug}/kelola/pinjaman/portofolio.csv"

    assert browser(supervisor).get(url).status_code == 200

    event = only("data.exported")
    assert (event.actor, event.cooperative) == (supervisor, cooperative)
    assert event.data == {"what": "loan_portfolio", "format": "csv"}
    assert_from_browser(event, url)


# --- Sign-in -------------------------------------------------------------------------------


def test_a_sign_in_and_a_sign_out(member):
    client = browser()

    response = client.post("/akun/login/", {"login": member.email, "password": PASSWORD})
    assert response.status_code == 302
    client.post("/akun/logout/")

    login, logout = only("auth.login"), only("auth.logout")
    assert (login.actor, login.cooperative, login.data) == (member, None, {})
    assert_from_browser(login, "/akun/login/")
    assert (logout.actor, logout.data) == (member, {})
    assert_from_browser(logout, "/akun/logout/")
    assert PASSWORD not in json.dumps(list(Event.objects.values()), default=str)


def test_a_failed_sign_in_keeps_the_email_and_never_the_password(member):
    wrong = "tebak-tebak-123"

    response = browser().post("/akun/login/", {"login": member.email, "password": wrong})

    assert response.status_code == 200
    event = only("auth.login_failed")
    assert event.actor is None
    assert event.cooperative is None
    assert event.data == {"email": member.email, "user_id": member.pk}
    assert_from_browser(event, "/akun/login/")
    stored = json.dumps(list(Event.objects.values()), default=str)
    assert wrong not in stored
    assert PASSWORD not in stored
    assert not Event.objects.filter(kind="auth.login").exists()


def test_a_failed_sign_in_with_an_unknown_email():
    browser().post("/akun/login/", {"login": "siapa@example.test", "password": "x-12345678"})

    assert only("auth.login_failed").data == {"email": "siapa@example.test"}


def test_a_password_change(member):
    client = browser(member)

    client.post(
        "/akun/password/change/",
        {"oldpassword": PASSWORD, "password1": "kopi-tubruk-2025", "password2": "kopi-tubruk-2025"},
    )

    event = only("auth.password_changed")
    assert event.actor == member
    assert event.data == {}
    assert_from_browser(event, "/akun/password/change/")
    assert "kopi-tubruk-2025" not in json.dumps(list(Event.objects.values()), default=str)


def test_a_programmatic_login_is_not_a_sign_in(member):
    Client().force_login(member)

    assert not Event.objects.exists()


# --- Refused access ------------------------------------------------------------------------


def test_a_403_of_a_signed_in_person(cooperative, teller):
    url = f"/k/{cooperative.slug}/kelola/peran/"

    response = browser(teller).post(url, {"email": teller.email, "kind": "board"})

    assert response.status_code == 403
    assert not Role.objects.filter(user=teller, kind="board").exists()
    event = only("access.denied")
    assert (event.actor, event.cooperative) == (teller, cooperative)
    assert event.data == {
        "status": 403,
        "method": "POST",
        "path": url,
        "view": "koperasi:role-list",
    }
    assert_from_browser(event, url)
    assert list(Event.objects.values_list("kind", flat=True)) == ["access.denied"]


def test_a_404_of_a_signed_in_person_from_another_cooperative(cooperative, other_board):
    url = f"/k/{cooperative.slug}/kelola/"

    assert browser(other_board).get(url).status_code == 404

    event = only("access.denied")
    assert (event.actor, event.cooperative) == (other_board, cooperative)
    assert event.data == {"status": 404, "method": "GET", "path": url, "view": "koperasi:dashboard"}
    assert_from_browser(event, url)


def test_a_404_for_another_cooperatives_object(cooperative, other_cooperative, chair):
    foreign = make_member(other_cooperative)
    url = f"/k/{cooperative.slug}/kelola/anggota/{foreign.pk}/"

    assert browser(chair).get(url).status_code == 404

    event = only("access.denied")
    assert (event.actor, event.cooperative) == (chair, cooperative)
    assert event.data["status"] == 404


def test_a_pending_cooperatives_page_refused_names_the_cooperative(pending_cooperative, member):
    url = f"/k/{pending_cooperative.slug}/kelola/"

    assert browser(member).get(url).status_code == 404

    assert only("access.denied").cooperative == pending_cooperative


def test_the_platform_refuses_a_non_staff_person(member):
    assert browser(member).get("/platform/").status_code == 404

    event = only("access.denied")
    assert (event.actor, event.cooperative) == (member, None)
    assert event.data["view"] == "platform:home"


def test_unknown_addresses_and_static_files_are_not_recorded(member):
    client = browser(member)

    assert client.get("/static/tidak-ada.css").status_code == 404
    assert client.get("/tidak-ada/").status_code == 404
    assert Client().get("/k/tidak-ada/").status_code == 404  # anonymous

    assert not Event.objects.exists()


def test_an_anonymous_post_refused_by_csrf_is_recorded(cooperative):
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR=IP, HTTP_USER_AGENT=USER_AGENT)

    response = client.post(f"/k/{cooperative.slug}/daftar/", {"full_name": "x"})

    assert response.status_code == 403
    event = only("access.denied")
    assert event.actor is None
    assert event.data["method"] == "POST"
    assert not Member.objects.exists()


# --- Where from ----------------------------------------------------------------------------


def test_x_forwarded_for_is_believed_only_behind_trusted_proxies(
    settings, cooperative, teller, active_member
):
    spoofing = browser(teller, HTTP_X_FORWARDED_FOR="198.51.100.1")
    _counter(spoofing, cooperative, active_member, idempotency_key="a")
    settings.TRUSTED_PROXY_COUNT = 1
    proxied = browser(teller, HTTP_X_FORWARDED_FOR="198.51.100.1, 192.0.2.44")
    _counter(proxied, cooperative, active_member, idempotency_key="b", amount="1000")

    first, second = Event.objects.filter(kind="savings.deposited").order_by("pk")
    assert first.ip_address == IP
    assert second.ip_address == "192.0.2.44"  # what our proxy saw; the rest is the client's


def test_a_long_user_agent_is_cut_short(cooperative, teller, active_member):
    client = browser(teller, HTTP_USER_AGENT="A" * 1000)

    _counter(client, cooperative, active_member)

    assert only("savings.deposited").user_agent == "A" * 200
