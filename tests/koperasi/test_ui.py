"""The base of the UI: Rupiah, languages, error pages, page weight, demo data."""

from __future__ import annotations

import gzip
import re
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.core.management import call_command
from django.template import Context, Template
from django.test import Client

from koperasi.models import Cooperative, Role, User
from koperasi.money import format_rupiah, to_rupiah

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (1_250_000, "Rp 1.250.000"),
        (0, "Rp 0"),
        (999, "Rp 999"),
        (-50_000, "-Rp 50.000"),
        (Decimal("1000.5"), "Rp 1.001"),
        (12_345_678_901, "Rp 12.345.678.901"),
    ],
)
def test_rupiah_filter(amount, shown):
    assert Template("{{ amount|rupiah }}").render(Context({"amount": amount})) == shown


def test_money_refuses_floats():
    with pytest.raises(TypeError):
        format_rupiah(1.5)


def test_rounding_is_half_up_to_whole_rupiah():
    assert [to_rupiah(Decimal(x)) for x in ("0.5", "1.49", "2.5", "-0.5")] == [1, 1, 3, -1]


@pytest.mark.django_db
def test_pages_are_in_indonesian_by_default_and_english_on_request():
    client = Client()
    assert "Daftarkan koperasi" in client.get("/").content.decode()

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    assert "Register a cooperative" in client.get("/").content.decode()


@pytest.mark.django_db
def test_an_english_phone_still_gets_indonesian_until_the_person_chooses():
    client = Client(headers={"accept-language": "en-US,en;q=0.9"})

    response = client.get("/")

    assert "Daftarkan koperasi" in response.content.decode()
    assert response["Content-Language"] == "id"


@pytest.mark.django_db
def test_the_language_choice_is_kept_on_the_account(member):
    from tests.conftest import client_for

    client_for(member).post("/i18n/setlang/", {"language": "en", "next": "/"})
    member.refresh_from_db()
    fresh_device = client_for(member)  # no language cookie yet

    assert member.language == "en"
    assert "Register a cooperative" in fresh_device.get("/").content.decode()


def test_the_500_page_speaks_the_users_language(rf):
    from django.utils import translation
    from django.views.defaults import server_error

    with translation.override("id"):
        indonesian = server_error(rf.get("/")).content.decode()
    with translation.override("en"):
        english = server_error(rf.get("/")).content.decode()

    assert "Terjadi kesalahan" in indonesian
    assert "Something went wrong" in english


@pytest.mark.django_db
def test_the_404_page_speaks_the_users_language():
    client = Client()
    indonesian = client.get("/tidak-ada/")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get("/tidak-ada/")

    assert indonesian.status_code == english.status_code == 404
    assert "Halaman tidak ditemukan" in indonesian.content.decode()
    assert "Page not found" in english.content.decode()


@pytest.mark.django_db
def test_the_403_page_speaks_indonesian(member, cooperative):
    from tests.conftest import client_for

    response = client_for(member).get(f"/k/{cooperative.slug}/kelola/")

    assert response.status_code == 403
    assert "Tidak diizinkan" in response.content.decode()


def test_every_string_has_an_indonesian_translation():
    with (ROOT / "locale/id/LC_MESSAGES/django.po").open("rb") as handle:
        catalog = read_po(handle)

    missing = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    missing += [m.id for m in catalog if m.id and isinstance(m.id, tuple) and not all(m.string)]
    assert missing == []
    assert len(catalog) > 100


@pytest.mark.django_db
def test_the_home_page_with_all_its_assets_is_under_100_kb_compressed():
    client = Client()
    html = client.get("/").content
    assets = re.findall(rb'(?:href|src)="(/static/[^"]+)"', html)
    sizes = {"/": len(gzip.compress(html))}
    for url in assets:
        response = client.get(url.decode())
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        sizes[url.decode()] = len(gzip.compress(body))

    assert any(url.endswith(".js") for url in sizes)  # htmx, served by the app itself
    assert sum(sizes.values()) < 100 * 1024, sizes


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_prints_the_logins(capsys):
    call_command("seed_demo")
    first = (User.objects.count(), Cooperative.objects.count(), Role.objects.count())
    call_command("seed_demo")
    second = (User.objects.count(), Cooperative.objects.count(), Role.objects.count())

    out = capsys.readouterr().out
    assert first == second == (9, 1, 7)  # 8 people of the cooperative, 1 partner owner
    assert Cooperative.objects.get().status == Cooperative.Status.VERIFIED
    assert User.objects.get(email="staf@platform.demo").is_platform_staff
    for email in ("ketua@sejahtera.demo", "pengawas@sejahtera.demo", "kasir@sejahtera.demo"):
        assert email in out
    assert "koperasi-demo-2026" in out
    assert Client().login(email="kasir@sejahtera.demo", password="koperasi-demo-2026")
