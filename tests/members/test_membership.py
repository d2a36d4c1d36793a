"""Membership: the public join page, the board's decision, direct admission, NIK rules, exit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client

from koperasi.models import Event, Role, User
from members.models import Member
from services.ledger.checks import ledger_violations
from services.ledger.models import Account, JournalEntry
from services.savings import actions as savings
from services.savings.models import SavingsBill
from tests.conftest import client_for
from tests.factories import UserFactory, make_member, nik_for

BIRTH = dt.date(1990, 7, 21)


def _join_data(**changes):
    data = {
        "full_name": "Rahmat Hidayat",
        "nik": nik_for(BIRTH),
        "birth_date": "1990-07-21",
        "phone": "0813-2222-3333",
        "email": "rahmat@example.test",
        "address": "Jl. Braga No. 9, Bandung",
        "heir_name": "Siti",
        "heir_relationship": "Istri",
    }
    data.update(changes)
    return data


def _join_url(cooperative):
    return f"/k/{cooperative.slug}/daftar/"


@pytest.mark.django_db
def test_anyone_can_apply_and_the_application_waits_for_the_board(cooperative):
    response = Client().post(_join_url(cooperative), _join_data())

    assert response.status_code == 200
    member = Member.objects.get()
    assert member.status == Member.Status.APPLICANT
    assert member.number is None
    assert member.gender == "m"
    assert member.phone == "+6281322223333"
    assert not Account.objects.filter(member=member).exists()


@pytest.mark.django_db
def test_a_womans_nik_adds_40_to_the_day(cooperative):
    Client().post(
        _join_url(cooperative), _join_data(nik=nik_for(BIRTH, female=True), full_name="Ani")
    )

    assert Member.objects.get().gender == "f"


BAD_JOIN = [
    ({"nik": "123"}, "nik"),
    ({"nik": "9999012107900001"}, "nik"),  # no province 99
    ({"nik": "3273013213900001"}, "nik"),  # day 32
    ({"nik": "3273012107900000"}, "nik"),  # serial 0000
    ({"nik": nik_for(dt.date(1991, 7, 21))}, "nik"),  # another year than the birth date
    ({"birth_date": "2999-01-01"}, "birth_date"),
    ({"birth_date": "kemarin"}, "birth_date"),
    ({"full_name": ""}, "full_name"),
    ({"full_name": "x" * 151}, "full_name"),
    ({"phone": "555"}, "phone"),
    ({"email": ""}, "email"),
    ({"address": ""}, "address"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("changes", "field"), BAD_JOIN)
def test_each_bad_application_is_refused_at_its_field(cooperative, changes, field):
    response = Client().post(_join_url(cooperative), _join_data(**changes))

    assert field in response.context["form"].errors
    assert not Member.objects.exists()
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_the_same_nik_cannot_apply_twice(cooperative):
    nik = nik_for(BIRTH)
    Client().post(_join_url(cooperative), _join_data(nik=nik))

    response = Client().post(_join_url(cooperative), _join_data(nik=nik, email="lain@example.test"))

    assert "nik" in response.context["form"].errors
    assert Member.objects.count() == 1


@pytest.mark.django_db
def test_an_unverified_cooperative_takes_no_applications(pending_cooperative):
    assert Client().get(_join_url(pending_cooperative)).status_code == 404


@pytest.mark.django_db
def test_approval_gives_a_number_a_login_invitation_accounts_and_a_pokok_bill(
    cooperative, board_client, django_capture_on_commit_callbacks
):
    Client().post(_join_url(cooperative), _join_data())
    applicant = Member.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        board_client.post(
            f"/k/{cooperative.slug}/kelola/anggota/{applicant.pk}/keputusan/",
            {"decision": "approve"},
        )

    member = Member.objects.get()
    assert (member.status, member.number) == (Member.Status.ACTIVE, 1)
    assert member.user.email == "rahmat@example.test"
    assert not member.user.has_usable_password()
    assert Role.objects.filter(user=member.user, cooperative=cooperative, kind="member").exists()
    assert sorted(member.accounts.values_list("savings_kind", flat=True)) == [
        "pokok",
        "sukarela",
        "wajib",
    ]
    bill = SavingsBill.objects.get(member=member)
    assert (bill.kind, bill.amount, bill.status) == ("pokok", 100_000, "open")
    assert len(mail.outbox) == 1
    assert "rahmat@example.test" in mail.outbox[0].to
    assert "/akun/password/reset/key/" in mail.outbox[0].body


@pytest.mark.django_db
def test_member_numbers_follow_a_sequence_per_cooperative(cooperative, other_cooperative):
    first = make_member(cooperative)
    second = make_member(cooperative)
    elsewhere = make_member(other_cooperative)

    assert (first.number, second.number, elsewhere.number) == (1, 2, 1)


@pytest.mark.django_db
def test_rejection_needs_a_reason_and_is_final(cooperative, board_client):
    Client().post(_join_url(cooperative), _join_data())
    applicant = Member.objects.get()
    url = f"/k/{cooperative.slug}/kelola/anggota/{applicant.pk}/keputusan/"

    board_client.post(url, {"decision": "reject", "reason": ""})
    applicant.refresh_from_db()
    assert applicant.status == Member.Status.APPLICANT

    board_client.post(url, {"decision": "reject", "reason": "Bukan warga desa ini."})
    board_client.post(url, {"decision": "approve"})

    applicant.refresh_from_db()
    assert applicant.status == Member.Status.REJECTED
    assert applicant.decision_reason == "Bukan warga desa ini."
    assert applicant.number is None
    assert not Account.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["teller", "supervisor", "member"])
def test_only_the_board_decides_applications(request, cooperative, who):
    Client().post(_join_url(cooperative), _join_data())
    applicant = Member.objects.get()
    client = client_for(request.getfixturevalue(who))

    response = client.post(
        f"/k/{cooperative.slug}/kelola/anggota/{applicant.pk}/keputusan/",
        {"decision": "approve"},
    )

    assert response.status_code == 403
    applicant.refresh_from_db()
    assert applicant.status == Member.Status.APPLICANT


@pytest.mark.django_db
def test_another_cooperatives_member_is_404(board_client, cooperative, other_cooperative):
    foreign = make_member(other_cooperative)

    for path in ("", "keputusan/", "keluar/"):
        url = f"/k/{cooperative.slug}/kelola/anggota/{foreign.pk}/{path}"
        response = board_client.post(url, {}) if path else board_client.get(url)
        assert response.status_code == 404, url
    foreign.refresh_from_db()
    assert foreign.status == Member.Status.ACTIVE


@pytest.mark.django_db
def test_the_board_adds_a_member_directly(cooperative, board_client):
    data = _join_data(email="")

    response = board_client.post(f"/k/{cooperative.slug}/kelola/anggota/baru/", data)

    member = Member.objects.get()
    assert response.status_code == 302
    assert (member.status, member.number, member.user) == ("active", 1, None)
    assert len(mail.outbox) == 0


@pytest.mark.django_db
def test_nik_is_masked_for_tellers_but_not_for_the_board(cooperative, board_client, teller):
    member = make_member(cooperative)
    url = f"/k/{cooperative.slug}/kelola/anggota/{member.pk}/"

    board_page = board_client.get(url).content.decode()
    teller_page = client_for(teller).get(url).content.decode()

    assert member.nik in board_page
    assert member.nik not in teller_page
    assert f"{member.nik[:4]}********{member.nik[12:]}" in teller_page


@pytest.mark.django_db
def test_exit_pays_out_every_balance_once_and_keeps_the_history(cooperative, board_client):
    user = UserFactory()
    member = make_member(cooperative, user=user)
    savings.savings_deposit(
        member=member, kind="pokok", amount=100_000, channel="cash", acting_user=None
    )
    savings.savings_deposit(
        member=member, kind="sukarela", amount=250_000, channel="cash", acting_user=None
    )
    url = f"/k/{cooperative.slug}/kelola/anggota/{member.pk}/keluar/"
    form = {"kind": "resigned", "channel": "cash", "reason": "Pindah kota", "idempotency_key": "x1"}

    board_client.post(url, form)
    board_client.post(url, form)

    member.refresh_from_db()
    assert member.status == Member.Status.RESIGNED
    assert member.left_on is not None
    exits = JournalEntry.objects.filter(kind="exit")
    assert exits.count() == 1
    assert sum(a.balance for a in member.accounts.all()) == 0
    assert ledger_violations() == []
    assert Role.objects.filter(user=user, kind="member").exists()  # can still read history
    assert User.objects.get(pk=user.pk).is_active


@pytest.mark.django_db
def test_an_exit_blocker_stops_the_exit_and_nothing_moves(cooperative, chair):
    from members import actions

    member = make_member(cooperative)
    savings.savings_deposit(
        member=member, kind="sukarela", amount=50_000, channel="cash", acting_user=None
    )
    actions.EXIT_BLOCKERS.append(lambda m: "Pinjaman belum lunas.")
    try:
        with pytest.raises(actions.DomainError, match="Pinjaman belum lunas"):
            actions.member_exit(member=member, acting_user=chair)
    finally:
        actions.EXIT_BLOCKERS.pop()

    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE
    assert not JournalEntry.objects.filter(kind="exit").exists()
