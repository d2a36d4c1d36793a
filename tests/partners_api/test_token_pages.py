"""The partner portal's API tokens page: owners create and revoke, staff only look."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from koperasi.models import Event
from partners.models import ApiToken, PartnerUser
from partners.tokens import api_token_create
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.partners_api.conftest import ApiClient

pytestmark = pytest.mark.django_db

PAGE = "/mitra/api/"


def english(user):
    client = client_for(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def staff(partner):
    user = UserFactory(language="en")
    PartnerUser.objects.create(partner=partner, user=user, role=PartnerUser.Role.STAFF)
    return user


def test_the_owner_creates_a_token_and_sees_it_once(partner, owner):
    client = english(owner)

    response = client.post(PAGE, {"name": "Kasir toko 1"})

    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    plaintext = re.search(r'id="new-token-value" value="([^"]+)"', html).group(1)
    assert "it will not be shown again" in html
    token = ApiToken.objects.get(partner=partner)
    assert (token.name, token.created_by) == ("Kasir toko 1", owner)
    assert plaintext.startswith(token.prefix + "_")
    assert ApiClient(plaintext).get("/offers").status_code == 200
    assert Event.objects.get(kind="api_token.created").actor == owner
    # Shown once: the list page does not show it again.
    again = client.get(PAGE).content.decode()
    assert plaintext not in again
    assert token.prefix in again
    assert 'href="/api/v1/docs"' in again


def test_a_token_needs_a_name(partner, owner):
    response = english(owner).post(PAGE, {"name": "  "})

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_staff_see_the_tokens_but_cannot_create_or_revoke(partner, owner, staff, token):
    client = english(staff)
    stored = ApiToken.objects.get(partner=partner)

    page = client.get(PAGE)
    create = client.post(PAGE, {"name": "Mine"})
    revoke = client.post(f"/mitra/api/token/{stored.pk}/cabut/")

    assert page.status_code == 200
    assert "Kasir toko 1" in page.content.decode()
    assert "owner can create or revoke API tokens." in page.content.decode()
    assert 'id="token-create-form"' not in page.content.decode()
    assert (create.status_code, revoke.status_code) == (403, 403)
    assert ApiToken.objects.count() == 1
    stored.refresh_from_db()
    assert stored.revoked_at is None


def test_the_owner_revokes_a_token(partner, owner, token):
    stored = ApiToken.objects.get(partner=partner)

    response = english(owner).post(f"/mitra/api/token/{stored.pk}/cabut/", follow=True)

    assert response.status_code == 200
    assert "The token Kasir toko 1 is revoked." in response.content.decode()
    stored.refresh_from_db()
    assert stored.revoked_at is not None
    assert Event.objects.get(kind="api_token.revoked").actor == owner
    assert ApiClient(token).get("/offers").status_code == 401


def test_another_partners_token_cannot_be_revoked(owner, other_partner, other_owner):
    theirs, plaintext = api_token_create(partner=other_partner, acting_user=other_owner, name="X")

    response = english(owner).post(f"/mitra/api/token/{theirs.pk}/cabut/")

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert ApiClient(plaintext).get("/offers").status_code == 200


def test_people_outside_partners_get_404(member):
    assert client_for(member).get(PAGE).status_code == 404


def test_revoking_is_post_only(partner, owner, token):
    stored = ApiToken.objects.get(partner=partner)

    assert english(owner).get(f"/mitra/api/token/{stored.pk}/cabut/").status_code == 405
    stored.refresh_from_db()
    assert stored.revoked_at is None
