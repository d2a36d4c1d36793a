from __future__ import annotations

import pytest
from django.test import Client

from koperasi.models import Event
from partners.actions import PARTNER_REGISTERED
from partners.models import Partner, PartnerUser
from partners.validators import normalize_npwp, validate_npwp
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.partners.conftest import make_partner, registration

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.partners.urls")]

URL = "/mitra/daftar/"


def english_client(user):
    client = client_for(user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def test_registration_creates_the_partner_and_makes_the_registrant_its_owner():
    # given a logged-in person who is not yet a partner user
    user = UserFactory()
    client = english_client(user)

    # when they register a business
    response = client.post(URL, registration())

    # then the partner exists with the NPWP stored as digits and they own it
    assert response.status_code == 302
    assert response["Location"] == "/mitra/"
    partner = Partner.objects.get()
    assert partner.name == "PT Tani Makmur Sejahtera"
    assert partner.npwp == "012345678901000"
    assert partner.kind == Partner.Kind.SUPPLIER
    assert partner.phone == "+6281234567890"
    assert partner.email == "sales@tanimakmur.example"
    assert list(PartnerUser.objects.values_list("user_id", "role")) == [(user.pk, "owner")]
    event = Event.objects.get(kind=PARTNER_REGISTERED)
    assert event.actor == user
    assert event.data == {"partner_id": partner.pk, "name": "PT Tani Makmur Sejahtera"}
    # and the landing page is now their dashboard
    dashboard = client.get("/mitra/")
    assert dashboard.templates[0].name == "partners/portal_dashboard.html"


def test_the_16_digit_npwp_of_2024_is_accepted():
    client = english_client(UserFactory())

    response = client.post(URL, registration(npwp="0012 3456 7890 1000"))

    assert response.status_code == 302
    assert Partner.objects.get().npwp == "0012345678901000"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"npwp": "01.234.567.8-901"}, "npwp", "Enter the NPWP as 15 digits"),
        ({"npwp": "01.234.567.8-901.00A"}, "npwp", "Enter the NPWP as 15 digits"),
        ({"npwp": "12345678901234567"}, "npwp", "Enter the NPWP as 15 digits"),
        ({"npwp": "111.111.111.1-111.111"}, "npwp", "This is not a real NPWP."),
        ({"npwp": "3273019912900001"}, "npwp", "A 16-digit NPWP is either a NIK"),
        ({"npwp": "0" * 25}, "npwp", "at most 24 characters"),
        ({"npwp": ""}, "npwp", "This field is required."),
        ({"name": ""}, "name", "This field is required."),
        ({"name": "   "}, "name", "This field is required."),
        ({"name": "P" * 201}, "name", "at most 200 characters"),
        ({"address": "J" * 501}, "address", "at most 500 characters"),
        ({"kind": "bank"}, "kind", "Select a valid choice."),
        ({"phone": "12"}, "phone", "Enter an Indonesian phone number"),
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
    ],
)
def test_a_bad_registration_is_refused_with_a_clear_message(overrides, field, message):
    # given a logged-in person
    user = UserFactory()
    client = english_client(user)

    # when they register with one bad input
    response = client.post(URL, registration(**overrides))

    # then the form comes back with the message at that field and nothing is created
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert any(message in error for error in errors), errors
    assert Partner.objects.count() == 0
    assert PartnerUser.objects.count() == 0
    assert not Event.objects.filter(kind=PARTNER_REGISTERED).exists()


def test_an_npwp_already_registered_is_refused():
    make_partner(npwp="012345678901000")
    client = english_client(UserFactory())

    response = client.post(URL, registration(npwp="01.234.567.8-901.000"))

    assert response.status_code == 200
    assert response.context["form"].errors["npwp"] == [
        "A partner with this NPWP is already registered."
    ]
    assert Partner.objects.count() == 1
    assert PartnerUser.objects.count() == 0


def test_registration_needs_a_login():
    response = Client().post(URL, registration())

    assert response.status_code == 302
    assert response["Location"].startswith("/akun/login/")
    assert Partner.objects.count() == 0


def test_a_partner_user_cannot_register_a_second_business(partner_owner):
    client = english_client(partner_owner)

    response = client.post(URL, registration(npwp="029876543210000"))

    assert response.status_code == 302
    assert Partner.objects.count() == 1


@pytest.mark.parametrize(
    ("written", "digits"),
    [
        ("01.234.567.8-901.000", "012345678901000"),
        ("0123 4567 8901 2345", "0123456789012345"),
        ("3273011503900001", "3273011503900001"),
    ],
)
def test_valid_npwp_forms_normalise_to_digits(written, digits):
    assert normalize_npwp(written) == digits
    validate_npwp(digits)
