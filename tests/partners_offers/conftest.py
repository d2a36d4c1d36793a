"""Fixtures for offers and orders: partners, partnerships, members with logins, pictures."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from PIL import Image

from partners.models import Offer, Partner, Partnership, PartnerUser
from tests.factories import UserFactory, make_member, make_partner
from tests.factories import add_partner_user as add_any_partner_user


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _english():
    """Actions called directly answer in English (pages follow the client's language cookie)."""
    with translation.override("en"):
        yield


@pytest.fixture
def media_files(settings):
    """The files saved under MEDIA_ROOT, as paths relative to it."""

    def files() -> list[str]:
        root = settings.MEDIA_ROOT
        if not root.exists():
            return []
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())

    return files


def today() -> dt.date:
    return timezone.localdate()


def add_partner_user(partner: Partner, role: str = PartnerUser.Role.OWNER):
    """A partner user who reads the portal in English."""
    return add_any_partner_user(partner, role, language="en")


def partnership(cooperative, partner, status=Partnership.Status.ACTIVE) -> Partnership:
    return Partnership.objects.create(
        cooperative=cooperative,
        partner=partner,
        terms="Harga khusus anggota",
        valid_from=dt.date(2026, 1, 1),
        status=status,
    )


def make_offer(partner: Partner, **overrides) -> Offer:
    data = {
        "title": "Pupuk Urea 50 kg",
        "unit": "sack",
        "price": 250_000,
        "discount_percent": Decimal("10"),
        "valid_from": today() - dt.timedelta(days=1),
        "valid_to": today() + dt.timedelta(days=30),
    }
    data.update(overrides)
    return Offer.objects.create(partner=partner, **data)


def picture_bytes(fmt: str = "PNG", size=(2000, 1000), mode: str = "RGB", **save) -> bytes:
    image = Image.new(mode, size, "red" if mode in {"RGB", "RGBA"} else 128)
    out = io.BytesIO()
    image.save(out, format=fmt, **save)
    return out.getvalue()


def upload(name: str, data: bytes, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def partner(cooperative) -> Partner:
    """A supplier with an ACTIVE partnership with `cooperative`."""
    partner = make_partner("PT Tani Makmur")
    partnership(cooperative, partner)
    return partner


@pytest.fixture
def other_partner(other_cooperative) -> Partner:
    """A partner of another cooperative only."""
    partner = make_partner("CV Pasar Raya")
    partnership(other_cooperative, partner)
    return partner


@pytest.fixture
def owner(partner):
    return add_partner_user(partner)


@pytest.fixture
def staff(partner):
    return add_partner_user(partner, PartnerUser.Role.STAFF)


@pytest.fixture
def other_owner(other_partner):
    return add_partner_user(other_partner)


@pytest.fixture
def buyer(cooperative):
    """An active member of `cooperative` with a login (English)."""
    return make_member(
        cooperative, user=UserFactory(language="en"), full_name="Sri Wahyuni", email=""
    )


@pytest.fixture
def other_buyer(cooperative):
    return make_member(cooperative, user=UserFactory(language="en"), full_name="Budi Santoso")


@pytest.fixture
def outsider(other_cooperative):
    """An active member of another cooperative."""
    return make_member(other_cooperative, user=UserFactory(language="en"), full_name="Dewi")


@pytest.fixture
def offer(partner, owner) -> Offer:
    return make_offer(partner, created_by=owner)
