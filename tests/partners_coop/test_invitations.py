"""Inviting a business by email: the link registers it with the cooperative's proposal waiting
for the new owner; the secret is never stored; an expired, used or unknown link is refused."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from koperasi.models import Event
from partners.actions import PARTNER_INVITED, PARTNERSHIP_PROPOSED
from partners.models import Partner, PartnerInvitation, Partnership, PartnerUser
from tests.conftest import english_client as english
from tests.factories import UserFactory
from tests.partners_coop.conftest import TERMS_POST

pytestmark = pytest.mark.django_db

REGISTRATION = {
    "name": "CV Sayur Segar",
    "npwp": "03.456.789.0-123.000",
    "kind": "supplier",
    "address": "Jl. Pasar Baru No. 3, Garut",
    "phone": "0813 1111 2222",
    "email": "halo@sayursegar.example",
}


def invite(client, cooperative, django_capture_on_commit_callbacks, **overrides) -> str:
    """The board sends an invitation; returns the secret from the emailed link."""
    data = {
        "business_name": "CV Sayur Segar",
        "email": "Halo@SayurSegar.example",
        **TERMS_POST,
        **overrides,
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/k/{cooperative.slug}/kelola/mitra/undang/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    link = re.search(r"https?://\S+/mitra/daftar/\?undangan=(\S+)", mail.outbox[-1].body)
    return link.group(1)


def test_the_board_invites_and_the_link_registers_the_business_with_the_proposal_waiting(
    cooperative, chair, django_capture_on_commit_callbacks
):
    # given an invitation from the board
    secret = invite(english(chair), cooperative, django_capture_on_commit_callbacks)

    message = mail.outbox[0]
    assert message.to == ["halo@sayursegar.example"]
    assert cooperative.name in message.subject
    assert "7,50 persen" in message.body  # the default language, Indonesian: decimal comma
    assert "2,25 persen" in message.body
    invitation = PartnerInvitation.objects.get()
    assert invitation.email == "halo@sayursegar.example"
    assert invitation.invited_by == chair
    assert invitation.expires_at - invitation.created_at == timedelta(days=14)
    assert Event.objects.get(kind=PARTNER_INVITED).data["invitation_id"] == invitation.pk
    page = english(chair).get(f"/k/{cooperative.slug}/kelola/mitra/").content.decode()
    assert "halo@sayursegar.example" in page

    # when a person opens the link, it shows the invitation with the business prefilled
    newcomer = UserFactory()
    client = english(newcomer)
    page = client.get("/mitra/daftar/", {"undangan": secret})
    assert page.status_code == 200
    assert f"{cooperative.name} invites you" in page.content.decode()
    assert page.context["form"].initial["name"] == "CV Sayur Segar"

    # and registers the business through it
    response = client.post(f"/mitra/daftar/?undangan={secret}", REGISTRATION)

    # then the business exists, the newcomer owns it, and the proposal waits for them
    assert response.status_code == 302
    assert response["Location"] == "/mitra/kemitraan/"
    partner = Partner.objects.get(npwp="034567890123000")
    assert PartnerUser.objects.get(partner=partner).user == newcomer
    partnership = Partnership.objects.get(partner=partner)
    assert partnership.cooperative == cooperative
    assert partnership.status == Partnership.Status.PROPOSED
    assert partnership.accepted_by_cooperative_by == chair
    assert partnership.accepted_by_partner_at is None
    assert partnership.terms == TERMS_POST["terms"]
    assert partnership.member_discount_percent == Decimal("7.50")
    assert partnership.commission_percent == Decimal("2.25")
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert invitation.partner == partner
    assert Event.objects.get(kind=PARTNERSHIP_PROPOSED).data["side"] == "cooperative"
    listing = client.get("/mitra/kemitraan/").content.decode()
    assert "Waiting for you" in listing

    # and the owner's acceptance makes it active
    client.post(f"/mitra/kemitraan/{partnership.pk}/terima/")
    partnership.refresh_from_db()
    assert partnership.status == Partnership.Status.ACTIVE


def test_the_secret_is_not_stored_in_clear(cooperative, chair, django_capture_on_commit_callbacks):
    secret = invite(english(chair), cooperative, django_capture_on_commit_callbacks)

    invitation = PartnerInvitation.objects.get()
    assert len(secret) >= 43  # token_urlsafe(32)
    assert invitation.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = [str(v) for v in PartnerInvitation.objects.values().get().values()]
    assert not any(secret in value for value in stored)
    assert not any(secret in str(event.data) for event in Event.objects.all())


def test_a_used_link_is_refused(cooperative, chair, django_capture_on_commit_callbacks):
    secret = invite(english(chair), cooperative, django_capture_on_commit_callbacks)
    english(UserFactory()).post(f"/mitra/daftar/?undangan={secret}", REGISTRATION)
    assert Partner.objects.count() == 1

    second = english(UserFactory())
    page = second.get("/mitra/daftar/", {"undangan": secret})
    response = second.post(
        f"/mitra/daftar/?undangan={secret}",
        {**REGISTRATION, "npwp": "04.567.890.1-234.000", "name": "CV Lain"},
    )

    assert page.status_code == 410
    assert "This invitation has already been used" in page.content.decode()
    assert response.status_code == 410
    assert Partner.objects.count() == 1
    assert Partnership.objects.count() == 1


def test_an_expired_link_is_refused(cooperative, chair, django_capture_on_commit_callbacks):
    secret = invite(english(chair), cooperative, django_capture_on_commit_callbacks)
    PartnerInvitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    client = english(UserFactory())
    page = client.get("/mitra/daftar/", {"undangan": secret})
    response = client.post(f"/mitra/daftar/?undangan={secret}", REGISTRATION)

    assert page.status_code == 410
    assert "This invitation has expired" in page.content.decode()
    assert response.status_code == 410
    assert not Partner.objects.exists()
    assert not Partnership.objects.exists()
    assert PartnerInvitation.objects.get().accepted_at is None
    # and the board's list no longer shows it as waiting
    page = english(chair).get(f"/k/{cooperative.slug}/kelola/mitra/").content.decode()
    assert "halo@sayursegar.example" not in page


def test_an_unknown_link_is_refused(cooperative):
    client = english(UserFactory())

    page = client.get("/mitra/daftar/", {"undangan": "not-a-real-secret"})
    response = client.post("/mitra/daftar/?undangan=not-a-real-secret", REGISTRATION)

    assert page.status_code == 404
    assert "This invitation link is not valid" in page.content.decode()
    assert response.status_code == 404
    assert not Partner.objects.exists()


def test_a_second_waiting_invitation_to_the_same_address_is_refused(
    cooperative, chair, django_capture_on_commit_callbacks
):
    invite(english(chair), cooperative, django_capture_on_commit_callbacks)

    response = english(chair).post(
        f"/k/{cooperative.slug}/kelola/mitra/undang/",
        {"business_name": "CV Sayur Segar", "email": "halo@sayursegar.example", **TERMS_POST},
    )

    assert response.status_code == 200
    assert "still waiting to be used" in response.content.decode()
    assert PartnerInvitation.objects.count() == 1
    assert len(mail.outbox) == 1


def test_supervisor_cannot_invite(cooperative, supervisor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = english(supervisor).post(
            f"/k/{cooperative.slug}/kelola/mitra/undang/",
            {"business_name": "CV Sayur Segar", "email": "halo@sayursegar.example", **TERMS_POST},
        )

    assert response.status_code == 403
    assert not PartnerInvitation.objects.exists()
    assert mail.outbox == []
