"""Offers: what a partner may publish, and what becomes of the picture."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from PIL import Image

from koperasi.errors import DomainError
from koperasi.models import Event
from partners import offers
from partners.models import Offer
from tests.partners_offers.conftest import make_offer, make_partner, picture_bytes, today, upload

pytestmark = pytest.mark.django_db


def offer_data(**overrides) -> dict:
    data = {
        "title": "  Beras   Pandan Wangi ",
        "description": "Beras premium dari Cianjur.",
        "unit": "kg",
        "price": 15_000,
        "discount_percent": Decimal("7.5"),
        "valid_from": today(),
        "valid_to": today() + dt.timedelta(days=14),
        "picture": None,
    }
    data.update(overrides)
    return data


def test_a_partner_user_publishes_an_offer(partner, staff):
    offer = offers.offer_create(partner=partner, acting_user=staff, data=offer_data())

    offer.refresh_from_db()
    assert offer.title == "Beras Pandan Wangi"
    assert offer.price == 15_000
    assert offer.discount_percent == Decimal("7.50")
    assert offer.member_price == 13_875
    assert offer.created_by == staff
    assert not offer.picture
    event = Event.objects.get(kind="offer.created")
    assert event.actor == staff
    assert event.data == {"offer_id": offer.pk, "partner_id": partner.pk}


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"price": 0}, "price", "The price must be above zero."),
        ({"price": -5_000}, "price", "The price must be above zero."),
        (
            {"discount_percent": Decimal("100.01")},
            "discount_percent",
            "The member discount is between 0 and 100 percent.",
        ),
        (
            {"discount_percent": Decimal("-1")},
            "discount_percent",
            "The member discount is between 0 and 100 percent.",
        ),
        (
            {"valid_to": today() - dt.timedelta(days=1)},
            "valid_to",
            "The last day cannot come before the first day.",
        ),
        ({"title": "   "}, "title", "Give the offer a title."),
    ],
)
def test_an_invalid_offer_is_refused_and_nothing_is_saved(
    partner, owner, media_files, overrides, field, message
):
    data = offer_data(picture=upload("beras.png", picture_bytes()), **overrides)

    with pytest.raises(DomainError) as refused:
        offers.offer_create(partner=partner, acting_user=owner, data=data)

    assert (refused.value.field, refused.value.message) == (field, message)
    assert Offer.objects.count() == 0
    assert media_files() == []
    assert not Event.objects.filter(kind="offer.created").exists()


def test_someone_outside_the_partner_cannot_publish(partner, other_owner):
    with pytest.raises(DomainError, match="Only the partner's owner and staff"):
        offers.offer_create(partner=partner, acting_user=other_owner, data=offer_data())

    assert Offer.objects.count() == 0


def test_a_big_picture_is_shrunk_to_a_small_jpeg_and_a_square_thumbnail(partner, owner):
    data = offer_data(picture=upload("beras.png", picture_bytes("PNG", (2000, 1000), "RGBA")))

    offer = offers.offer_create(partner=partner, acting_user=owner, data=data)

    with offer.picture.open("rb") as handle, Image.open(handle) as picture:
        assert (picture.format, picture.mode, picture.size) == ("JPEG", "RGB", (800, 400))
        assert picture.getpixel((400, 200))[0] > 240  # still red
        assert "exif" not in picture.info
    with offer.thumbnail.open("rb") as handle, Image.open(handle) as thumbnail:
        assert (thumbnail.format, thumbnail.size) == ("JPEG", (160, 160))
        assert thumbnail.getpixel((80, 5)) == (255, 255, 255)  # padding above the 160x80 copy
    assert offer.picture.name.startswith(f"offers/{partner.pk}/")
    assert offer.picture.name.endswith(".jpg")


def test_the_picture_loses_its_metadata(partner, owner):
    image = Image.new("RGB", (300, 200), "blue")
    exif = Image.Exif()
    exif[0x010F] = "Kamera Rahasia"  # Make
    exif[0x0112] = 1  # Orientation
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    data = offer_data(picture=upload("foto.jpg", out.getvalue(), "image/jpeg"))

    offer = offers.offer_create(partner=partner, acting_user=owner, data=data)

    raw = offer.picture.read()
    assert b"Kamera Rahasia" not in raw
    with Image.open(io.BytesIO(raw)) as picture:
        assert picture.size == (300, 200)  # small pictures are not enlarged
        assert not picture.getexif()


def test_a_webp_picture_is_accepted(partner, owner):
    data = offer_data(picture=upload("x.webp", picture_bytes("WEBP", (900, 900)), "image/webp"))

    offer = offers.offer_create(partner=partner, acting_user=owner, data=data)

    with offer.picture.open("rb") as handle, Image.open(handle) as picture:
        assert picture.size == (800, 800)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "surat.jpg",
            b"%PDF-1.4 this is a letter, not a photo" * 10,
            "This file is named surat.jpg but it is not a picture. It may have been renamed: "
            "upload the photo itself (JPEG, PNG or WebP).",
        ),
        (
            "catatan.txt",
            b"just some text",
            "This file is not a picture. Upload a JPEG, PNG or WebP photo.",
        ),
        (
            "foto.jpg",
            picture_bytes("PNG", (50, 50)),
            "This file is named foto.jpg but it is really a PNG picture. It may have been "
            "renamed: save it again with the right name (.png).",
        ),
        (
            "animasi.gif",
            picture_bytes("GIF", (50, 50), "L"),
            "Pictures in GIF format are not accepted. Upload a JPEG, PNG or WebP photo.",
        ),
        (
            "rusak.png",
            picture_bytes("PNG", (400, 400))[:200],
            "This picture is damaged and cannot be read.",
        ),
        (
            "raksasa.png",
            picture_bytes("PNG", (8000, 6000), "1"),
            "This picture has too many pixels to process (at most 40 megapixels). "
            "Make it smaller and upload it again.",
        ),
        (
            "besar.jpg",
            b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024),
            "This file is 5.0 MB; a picture may be at most 5 MB.",
        ),
    ],
)
def test_a_bad_picture_is_refused_clearly_and_nothing_is_saved(
    partner, owner, media_files, name, data, message
):
    with pytest.raises(DomainError) as refused:
        offers.offer_create(
            partner=partner, acting_user=owner, data=offer_data(picture=upload(name, data))
        )

    assert (refused.value.field, refused.value.message) == ("picture", message)
    assert Offer.objects.count() == 0
    assert media_files() == []


def test_an_update_replaces_the_picture_and_removes_the_old_files(
    partner, owner, media_files, django_capture_on_commit_callbacks
):
    offer = offers.offer_create(
        partner=partner,
        acting_user=owner,
        data=offer_data(picture=upload("a.png", picture_bytes("PNG", (400, 400)))),
    )
    old = sorted([offer.picture.name, offer.thumbnail.name])
    assert media_files() == old

    with django_capture_on_commit_callbacks(execute=True):
        offer = offers.offer_update(
            offer=offer,
            acting_user=owner,
            data=offer_data(price=16_000, picture=upload("b.png", picture_bytes("PNG", (100, 50)))),
        )

    assert offer.price == 16_000
    assert media_files() == sorted([offer.picture.name, offer.thumbnail.name])
    assert not set(old) & set(media_files())
    event = Event.objects.get(kind="offer.updated")
    assert event.data == {
        "offer_id": offer.pk,
        "partner_id": partner.pk,
        "changed": ["price", "picture"],
    }


def test_a_bad_picture_on_update_changes_nothing(partner, owner, offer, media_files):
    before = Offer.objects.filter(pk=offer.pk).values().get()

    with pytest.raises(DomainError, match="not a picture"):
        offers.offer_update(
            offer=offer,
            acting_user=owner,
            data=offer_data(price=1, picture=upload("x.png", b"hello")),
        )

    assert Offer.objects.filter(pk=offer.pk).values().get() == before
    assert media_files() == []


def test_a_picture_can_be_removed(partner, owner, media_files, django_capture_on_commit_callbacks):
    offer = offers.offer_create(
        partner=partner,
        acting_user=owner,
        data=offer_data(picture=upload("a.png", picture_bytes("PNG", (400, 400)))),
    )

    with django_capture_on_commit_callbacks(execute=True):
        offer = offers.offer_update(
            offer=offer, acting_user=owner, data=offer_data(remove_picture=True)
        )

    offer.refresh_from_db()
    assert not offer.picture
    assert not offer.thumbnail
    assert media_files() == []


def test_withdrawing_an_offer_stops_it_once(partner, owner, offer):
    offers.offer_withdraw(offer=offer, acting_user=owner)
    offer.refresh_from_db()
    withdrawn_at = offer.withdrawn_at
    assert withdrawn_at is not None
    assert not Offer.objects.published().filter(pk=offer.pk).exists()

    with pytest.raises(DomainError, match="already withdrawn"):
        offers.offer_withdraw(offer=offer, acting_user=owner)
    with pytest.raises(DomainError, match="A withdrawn offer cannot be changed"):
        offers.offer_update(offer=offer, acting_user=owner, data=offer_data())

    offer.refresh_from_db()
    assert offer.withdrawn_at == withdrawn_at
    assert offer.title == "Pupuk Urea 50 kg"
    assert Event.objects.filter(kind="offer.withdrawn").count() == 1


def test_another_partner_cannot_withdraw(offer, other_owner):
    with pytest.raises(DomainError):
        offers.offer_withdraw(offer=offer, acting_user=other_owner)

    offer.refresh_from_db()
    assert offer.withdrawn_at is None


def test_offer_states_for_the_partner_list(partner, owner):
    day = today()
    published = make_offer(partner, title="now")
    open_ended = make_offer(partner, title="open", valid_to=None)
    scheduled = make_offer(partner, title="later", valid_from=day + dt.timedelta(days=1))
    expired = make_offer(
        partner,
        title="past",
        valid_from=day - dt.timedelta(days=10),
        valid_to=day - dt.timedelta(days=1),
    )
    withdrawn = make_offer(partner, title="gone")
    offers.offer_withdraw(offer=withdrawn, acting_user=owner)
    make_offer(make_partner("CV Lain"), title="another partner's")

    states = {o.pk: o.state for o in offers.offers_with_state(partner=partner)}

    assert states == {
        published.pk: "published",
        open_ended.pk: "published",
        scheduled.pk: "scheduled",
        expired.pk: "expired",
        withdrawn.pk: "withdrawn",
    }
