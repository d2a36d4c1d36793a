from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from koperasi.models import Role
from partners.actions import partnership_propose
from partners.models import Partnership
from tests.conftest import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.partners.urls")]

PARTNER_ONLY_PAGES = [
    ("get", "/mitra/kemitraan/"),
    ("post", "/mitra/kemitraan/"),
]


def _proposal(cooperative, chair, partner) -> Partnership:
    return partnership_propose(
        cooperative=cooperative,
        partner=partner,
        acting_user=chair,
        data={"terms": "Terms", "valid_from": date(2026, 1, 1)},
    )


@pytest.mark.parametrize("path", ["kelola/", "anggota/", "kelola/peran/"])
def test_a_partner_user_gets_404_on_cooperative_pages(cooperative, partner_owner, path):
    response = client_for(partner_owner).get(f"/k/{cooperative.slug}/{path}")

    assert response.status_code == 404


@pytest.mark.parametrize("who", ["chair", "member"])
def test_cooperative_people_get_404_on_partner_pages(request, cooperative, chair, partner, who):
    user = request.getfixturevalue(who)
    partnership = _proposal(cooperative, chair, partner)
    client = client_for(user)

    for method, path in [
        *PARTNER_ONLY_PAGES,
        ("post", f"/mitra/kemitraan/{partnership.pk}/terima/"),
        ("get", f"/mitra/kemitraan/{partnership.pk}/terima/"),
    ]:
        assert getattr(client, method)(path).status_code == 404, (method, path)

    partnership.refresh_from_db()
    assert partnership.status == Partnership.Status.PROPOSED
    assert partnership.accepted_by_partner_at is None


@pytest.mark.parametrize("who", ["chair", "member"])
def test_cooperative_people_see_the_public_landing_and_registration(request, who):
    client = client_for(request.getfixturevalue(who))

    landing = client.get("/mitra/")
    register = client.get("/mitra/daftar/")

    assert landing.status_code == 200
    assert landing.templates[0].name == "partners/portal_landing.html"
    assert register.status_code == 200


def test_anonymous_visitors_see_the_landing_and_are_sent_to_log_in_elsewhere():
    client = Client()

    assert client.get("/mitra/").status_code == 200
    assert client.get("/mitra/kemitraan/")["Location"].startswith("/akun/login/")
    assert client.get("/mitra/daftar/")["Location"].startswith("/akun/login/")


def test_another_partners_partnership_is_404(
    cooperative, chair, partner, other_partner, other_partner_owner
):
    partnership = _proposal(cooperative, chair, partner)

    response = client_for(other_partner_owner).post(f"/mitra/kemitraan/{partnership.pk}/terima/")

    assert response.status_code == 404
    partnership.refresh_from_db()
    assert partnership.status == Partnership.Status.PROPOSED
    assert partnership.accepted_by_partner_at is None


def test_a_partner_sees_only_its_own_partnerships(
    cooperative, other_cooperative, chair, partner, other_partner, partner_owner
):
    mine = _proposal(cooperative, chair, partner)
    Role.objects.create(cooperative=other_cooperative, user=chair, kind=Role.Kind.BOARD)
    theirs = _proposal(other_cooperative, chair, other_partner)

    response = client_for(partner_owner).get("/mitra/kemitraan/")

    assert response.status_code == 200
    assert [p.pk for p in response.context["partnerships"]] == [mine.pk]
    assert f'id="partnership-{theirs.pk}"' not in response.content.decode()
