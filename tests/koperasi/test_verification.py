"""Platform staff verify or reject cooperatives; until verified, the public sees nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from koperasi import actions
from koperasi.errors import DomainError
from koperasi.models import Cooperative, Event, Role
from tests.conftest import client_for
from tests.factories import RoleFactory, UserFactory


@pytest.fixture
def pending_chair(pending_cooperative):
    return RoleFactory(
        cooperative=pending_cooperative, kind=Role.Kind.BOARD, title=Role.Title.CHAIR
    ).user


def _decide_url(cooperative):
    return reverse("platform:cooperative", args=[cooperative.pk])


@pytest.mark.django_db
def test_platform_staff_see_the_pending_queue(platform_client, pending_cooperative, cooperative):
    response = platform_client.get(reverse("platform:home"))

    assert response.status_code == 200
    assert list(response.context["cooperatives"]) == [pending_cooperative]
    assert ("pending", "Menunggu verifikasi", 1) in [
        (s, str(label), n) for s, label, n in response.context["statuses"]
    ]


@pytest.mark.django_db
def test_verifying_puts_the_cooperative_live_and_records_the_decision(
    platform_client, platform_staff, pending_cooperative
):
    public_url = f"/k/{pending_cooperative.slug}/"
    assert Client().get(public_url).status_code == 404

    response = platform_client.post(_decide_url(pending_cooperative), {"decision": "verify"})

    assert response.status_code == 302
    pending_cooperative.refresh_from_db()
    assert pending_cooperative.status == Cooperative.Status.VERIFIED
    assert pending_cooperative.decided_by == platform_staff
    event = Event.objects.get(kind="cooperative.verified")
    assert (event.cooperative, event.actor) == (pending_cooperative, platform_staff)
    assert Client().get(public_url).status_code == 200


@pytest.mark.django_db
def test_rejecting_needs_a_reason_that_the_board_then_reads(
    platform_client, pending_cooperative, pending_chair
):
    refused = platform_client.post(
        _decide_url(pending_cooperative), {"decision": "reject", "reason": "  "}
    )
    assert "reason" in refused.context["form"].errors
    pending_cooperative.refresh_from_db()
    assert pending_cooperative.status == Cooperative.Status.PENDING
    assert not Event.objects.filter(kind="cooperative.rejected").exists()

    platform_client.post(
        _decide_url(pending_cooperative),
        {"decision": "reject", "reason": "Nomor badan hukum tidak cocok dengan akta."},
    )

    pending_cooperative.refresh_from_db()
    assert pending_cooperative.status == Cooperative.Status.REJECTED
    board_page = client_for(pending_chair).get(f"/k/{pending_cooperative.slug}/kelola/")
    assert "Nomor badan hukum tidak cocok dengan akta." in board_page.content.decode()
    assert Client().get(f"/k/{pending_cooperative.slug}/").status_code == 404


@pytest.mark.django_db
def test_a_corrected_rejected_cooperative_goes_back_to_the_queue(
    platform_client, pending_cooperative, pending_chair
):
    platform_client.post(
        _decide_url(pending_cooperative), {"decision": "reject", "reason": "Alamat kurang."}
    )
    chair_client = client_for(pending_chair)
    form = chair_client.get(f"/k/{pending_cooperative.slug}/kelola/profil/").context["form"]
    data = {name: form[name].value() for name in form.fields}
    data["address"] = "Jl. Asia Afrika No. 1, RT 02 RW 05, Bandung 40111"

    chair_client.post(f"/k/{pending_cooperative.slug}/kelola/profil/", data)

    pending_cooperative.refresh_from_db()
    assert pending_cooperative.status == Cooperative.Status.PENDING
    assert pending_cooperative.address.endswith("Bandung 40111")
    assert Event.objects.filter(kind="cooperative.resubmitted").count() == 1


@pytest.mark.django_db
def test_a_decided_cooperative_cannot_be_decided_again(platform_staff, cooperative):
    with pytest.raises(DomainError):
        actions.cooperative_reject(
            cooperative=cooperative, acting_user=platform_staff, reason="terlambat"
        )

    cooperative.refresh_from_db()
    assert cooperative.status == Cooperative.Status.VERIFIED
    assert not Event.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "ordinary", "chair"])
def test_only_platform_staff_reach_the_platform_pages(who, pending_cooperative, pending_chair):
    client = {
        "anonymous": Client(),
        "ordinary": client_for(UserFactory()),
        "chair": client_for(pending_chair),
    }[who]

    queue = client.get(reverse("platform:home"))
    decide = client.post(_decide_url(pending_cooperative), {"decision": "verify"})

    assert queue.status_code in {302, 404}
    assert decide.status_code in {302, 404}
    if who != "anonymous":
        assert queue.status_code == decide.status_code == 404
    pending_cooperative.refresh_from_db()
    assert pending_cooperative.status == Cooperative.Status.PENDING


@pytest.mark.django_db
def test_the_decision_action_refuses_non_staff(pending_cooperative, pending_chair):
    with pytest.raises(DomainError):
        actions.cooperative_verify(cooperative=pending_cooperative, acting_user=pending_chair)

    pending_cooperative.refresh_from_db()
    assert pending_cooperative.status == Cooperative.Status.PENDING


@pytest.mark.django_db
def test_staff_cannot_decide_on_a_cooperative_they_hold_a_role_in(
    platform_client, platform_staff, pending_cooperative
):
    RoleFactory(cooperative=pending_cooperative, user=platform_staff, kind=Role.Kind.BOARD)

    refused = platform_client.post(_decide_url(pending_cooperative), {"decision": "verify"})

    assert refused.status_code == 200
    assert "Anda memegang peran di koperasi ini" in refused.content.decode()
    pending_cooperative.refresh_from_db()
    assert pending_cooperative.status == Cooperative.Status.PENDING
    assert not Event.objects.filter(kind="cooperative.verified").exists()
