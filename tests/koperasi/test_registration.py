"""Registering a cooperative: the happy path and every input the form refuses."""

from __future__ import annotations

import pytest
from django.urls import reverse

from koperasi.models import Cooperative, Event, Role
from tests.conftest import client_for
from tests.factories import CooperativeFactory, UserFactory, enrol_second_factor

URL = reverse("koperasi:cooperative-register")

VALID = {
    "name": "Koperasi Produsen Kopi Gayo Makmur",
    "legal_entity_number": "ahu-0004567.ah.01.26.tahun 2019",
    "nik_koperasi": "1104 0100 0001 2019",
    "type": "produsen",
    "province": "11",
    "regency": "11.04",
    "address": "Jl. Lebe Kader No. 3, Takengon",
    "phone": "0812-3456-7890",
    "email": "Pengurus@GayoMakmur.test",
    "fiscal_year_start_month": "1",
}


@pytest.fixture
def person():
    return UserFactory()


@pytest.fixture
def client(person):
    return client_for(person)


@pytest.mark.django_db
def test_registration_creates_a_pending_cooperative_with_its_chair(client, person):
    response = client.post(URL, VALID)

    cooperative = Cooperative.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/k/{cooperative.slug}/kelola/"
    assert cooperative.slug == "koperasi-produsen-kopi-gayo-makmur"
    assert cooperative.status == Cooperative.Status.PENDING
    assert cooperative.legal_entity_number == "AHU-0004567.AH.01.26.TAHUN 2019"
    assert cooperative.nik_koperasi == "1104010000012019"
    assert cooperative.phone == "+6281234567890"
    assert cooperative.email == "pengurus@gayomakmur.test"
    assert cooperative.regency.name == "Kabupaten Aceh Tengah"
    role = Role.objects.get(cooperative=cooperative)
    assert (role.user, role.kind, role.title) == (person, "board", "chair")
    assert list(Event.objects.values_list("kind", "actor")) == [
        ("cooperative.registered", person.pk)
    ]


@pytest.mark.django_db
def test_the_chair_can_set_up_the_cooperative_before_it_is_verified(client, person):
    client.post(URL, VALID)
    cooperative = Cooperative.objects.get()

    # As chair they now hold a board role: the dashboard waits for their second factor.
    first = client.get(f"/k/{cooperative.slug}/kelola/")
    assert first.status_code == 302
    assert first["Location"] == reverse("mfa_activate_totp")
    enrol_second_factor(person)
    dashboard = client.get(f"/k/{cooperative.slug}/kelola/")

    assert dashboard.status_code == 200
    assert "Menunggu verifikasi" in dashboard.content.decode()


@pytest.mark.django_db
def test_anonymous_visitors_are_asked_to_log_in_first():
    from django.test import Client

    response = Client().get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def _refused(client, changes, field):
    response = client.post(URL, {**VALID, **changes})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert Cooperative.objects.count() == 0


BAD_INPUTS = [
    ({"name": ""}, "name"),
    ({"name": "K" * 201}, "name"),
    ({"legal_entity_number": ""}, "legal_entity_number"),
    ({"legal_entity_number": "123456"}, "legal_entity_number"),
    ({"legal_entity_number": "AHU-0004567.AH.01.26.TAHUN 2999"}, "legal_entity_number"),
    ({"legal_entity_number": "<script>alert(1)</script>"}, "legal_entity_number"),
    ({"nik_koperasi": "12345"}, "nik_koperasi"),
    ({"nik_koperasi": "11040100000120190"}, "nik_koperasi"),
    ({"nik_koperasi": "110401000001201A"}, "nik_koperasi"),
    ({"nik_koperasi": "1111111111111111"}, "nik_koperasi"),
    ({"type": "bank"}, "type"),
    ({"province": ""}, "province"),
    ({"province": "99"}, "province"),
    ({"regency": "32.73"}, "regency"),  # Bandung is not in Aceh
    ({"address": ""}, "address"),
    ({"address": "x" * 501}, "address"),
    ({"phone": "12345"}, "phone"),
    ({"email": "not-an-email"}, "email"),
    ({"fiscal_year_start_month": "13"}, "fiscal_year_start_month"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("changes", "field"), BAD_INPUTS)
def test_each_bad_input_is_refused_at_its_field_and_creates_nothing(client, changes, field):
    _refused(client, changes, field)

    assert Role.objects.count() == 0
    assert Event.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("legal_entity_number", "AHU-0004567.AH.01.26.TAHUN 2019"),
        ("nik_koperasi", "1104010000012019"),
    ],
)
def test_a_number_already_registered_is_refused(client, field, value):
    existing = CooperativeFactory(**{field: value})

    response = client.post(URL, VALID)

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert list(Cooperative.objects.all()) == [existing]
    assert not Role.objects.filter(cooperative__slug="koperasi-produsen-kopi-gayo-makmur").exists()


@pytest.mark.django_db
def test_a_missing_field_message_is_in_indonesian(client):
    response = client.post(URL, {**VALID, "name": ""})

    assert "Bidang ini tidak boleh kosong." in response.content.decode()


@pytest.mark.django_db
def test_two_cooperatives_with_one_name_get_different_addresses(client):
    CooperativeFactory(slug="koperasi-produsen-kopi-gayo-makmur")

    client.post(URL, VALID)

    assert Cooperative.objects.filter(slug="koperasi-produsen-kopi-gayo-makmur-2").exists()


@pytest.mark.django_db
def test_regency_options_follow_the_province(client):
    response = client.get(reverse("koperasi:regency-options"), {"province": "34"})

    html = response.content.decode()
    assert html.count('<option value="34.') == 5
    assert "Kota Yogyakarta" in html
    assert "Bandung" not in html


@pytest.mark.django_db
def test_all_38_provinces_and_514_regencies_ship_with_the_code():
    from koperasi.models import Province, Regency

    assert Province.objects.count() == 38
    assert Regency.objects.count() == 514
    assert Province.objects.get(code="96").name == "Papua Barat Daya"
