"""The partner portal's offer and order pages (/mitra/penawaran/, /mitra/pesanan/)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from partners import offers
from partners.models import Offer, Order
from tests.conftest import english_client
from tests.partners_offers.conftest import (
    make_offer,
    picture_bytes,
    today,
    upload,
)

pytestmark = pytest.mark.django_db


def offer_form(**overrides) -> dict:
    data = {
        "title": "Minyak Goreng 2 L",
        "description": "Minyak sawit.",
        "unit": "bottle",
        "price": "Rp 38.000",
        "discount_percent": "5",
        "valid_from": today().isoformat(),
        "valid_to": "",
    }
    data.update(overrides)
    return data


def place(buyer, offer, quantity=1) -> Order:
    return offers.order_place(
        member=buyer, offer=offer, quantity=quantity, note="", acting_user=buyer.user
    )


@pytest.mark.parametrize("who", ["owner", "staff"])
def test_owner_and_staff_create_an_offer_with_a_picture(request, partner, who, media_files):
    user = request.getfixturevalue(who)
    client = english_client(user)
    assert client.get("/mitra/penawaran/baru/").status_code == 200

    response = client.post(
        "/mitra/penawaran/baru/",
        {**offer_form(), "picture": upload("minyak.png", picture_bytes("PNG", (1200, 900)))},
    )

    assert response.status_code == 302
    assert response["Location"] == "/mitra/penawaran/"
    offer = Offer.objects.get()
    assert (offer.partner, offer.price, offer.discount_percent, offer.valid_to) == (
        partner,
        38_000,
        Decimal("5.00"),
        None,
    )
    assert offer.member_price == 36_100
    assert len(media_files()) == 2
    page = client.get("/mitra/penawaran/").content.decode()
    assert f'id="offer-{offer.pk}" data-state="published"' in page
    assert f'src="/mitra/penawaran/{offer.pk}/gambar-kecil/?v=' in page
    assert "Rp 36.100" in page


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"price": "0"}, "Enter an amount above zero."),
        ({"discount_percent": "120"}, "Ensure this value is less than or equal to 100."),
        (
            {"valid_to": (today() - dt.timedelta(days=1)).isoformat()},
            "The last day cannot come before the first day.",
        ),
    ],
)
def test_the_form_refuses_wrong_values(owner, overrides, error):
    response = english_client(owner).post("/mitra/penawaran/baru/", offer_form(**overrides))

    assert response.status_code == 422
    assert error in response.content.decode()
    assert Offer.objects.count() == 0


def test_a_renamed_file_is_refused_on_the_form_and_nothing_is_saved(owner, media_files):
    response = english_client(owner).post(
        "/mitra/penawaran/baru/",
        {**offer_form(), "picture": upload("foto.jpg", b"not an image at all", "image/jpeg")},
    )

    assert response.status_code == 422
    assert (
        "This file is named foto.jpg but it is not a picture. It may have been renamed"
        in response.content.decode()
    )
    assert Offer.objects.count() == 0
    assert media_files() == []


def test_edit_and_withdraw(owner, offer):
    client = english_client(owner)
    page = client.get(f"/mitra/penawaran/{offer.pk}/ubah/")
    assert page.status_code == 200
    assert 'value="250.000"' in page.content.decode()

    response = client.post(
        f"/mitra/penawaran/{offer.pk}/ubah/", offer_form(title="Pupuk NPK", price="300.000")
    )
    assert response.status_code == 302
    offer.refresh_from_db()
    assert (offer.title, offer.price) == ("Pupuk NPK", 300_000)

    response = client.post(f"/mitra/penawaran/{offer.pk}/tarik/")
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.withdrawn_at is not None
    page = client.get("/mitra/penawaran/").content.decode()
    assert f'id="offer-{offer.pk}" data-state="withdrawn"' in page
    assert "Withdrawn" in page


def test_the_partner_sees_its_own_pictures(owner, partner):
    offer = offers.offer_create(
        partner=partner,
        acting_user=owner,
        data={
            "title": "Gula",
            "price": 18_000,
            "valid_from": today(),
            "picture": upload("gula.png", picture_bytes("PNG", (300, 300))),
        },
    )
    client = english_client(owner)

    picture = client.get(f"/mitra/penawaran/{offer.pk}/gambar/")
    thumbnail = client.get(f"/mitra/penawaran/{offer.pk}/gambar-kecil/")

    assert picture.status_code == thumbnail.status_code == 200
    assert picture["Content-Type"] == "image/jpeg"
    assert b"".join(picture.streaming_content)[:3] == b"\xff\xd8\xff"
    assert "private" in thumbnail["Cache-Control"]


def test_orders_list_filters_and_pages(owner, buyer, offer, settings, monkeypatch):
    monkeypatch.setattr(offers, "ORDERS_PER_PAGE", 2)
    placed = [place(buyer, offer, quantity=q) for q in (1, 2, 3)]
    confirmed = offers.order_confirm(order=placed[0], acting_user=owner)
    client = english_client(owner)

    first = client.get("/mitra/pesanan/").content.decode()
    second = client.get("/mitra/pesanan/?page=2").content.decode()
    only_confirmed = client.get("/mitra/pesanan/?status=confirmed").content.decode()

    assert first.index(f'id="order-{placed[2].pk}"') < first.index(f'id="order-{placed[1].pk}"')
    assert f'id="order-{placed[0].pk}"' not in first
    assert f'id="order-{placed[0].pk}"' in second
    assert "Confirmed (1)" in first
    assert "All (3)" in first
    assert f'id="order-{confirmed.pk}"' in only_confirmed
    assert f'id="order-{placed[1].pk}"' not in only_confirmed


def test_confirm_with_htmx_swaps_the_row(owner, buyer, offer):
    order = place(buyer, offer)

    response = english_client(owner).post(
        f"/mitra/pesanan/{order.pk}/konfirmasi/",
        {"next": "/mitra/pesanan/?status=placed"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith(f'<tr id="order-{order.pk}" data-status="confirmed">')
    assert f"Order #{order.pk} is confirmed. The member is told." in html
    assert "Mark as fulfilled" in html
    order.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED


def test_without_javascript_the_actions_redirect_back(owner, buyer, offer):
    order = place(buyer, offer)
    client = english_client(owner)

    response = client.post(
        f"/mitra/pesanan/{order.pk}/konfirmasi/", {"next": "/mitra/pesanan/?status=placed"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/mitra/pesanan/?status=placed"

    response = client.post(f"/mitra/pesanan/{order.pk}/selesai/", {"next": "https://evil.test/"})
    assert response["Location"] == "/mitra/pesanan/"
    order.refresh_from_db()
    assert order.status == Order.Status.FULFILLED


def test_reject_needs_a_reason(owner, buyer, offer):
    order = place(buyer, offer)
    client = english_client(owner)

    response = client.post(
        f"/mitra/pesanan/{order.pk}/tolak/", {"reason": " "}, HTTP_HX_REQUEST="true"
    )
    assert "Tell the member why the order is rejected." in response.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED

    response = client.post(f"/mitra/pesanan/{order.pk}/tolak/", {"reason": "Stok habis"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.reason) == (Order.Status.REJECTED, "Stok habis")


def test_a_refused_step_shows_why_and_changes_nothing(owner, buyer, offer):
    order = place(buyer, offer)

    response = english_client(owner).post(
        f"/mitra/pesanan/{order.pk}/selesai/", HTTP_HX_REQUEST="true"
    )

    assert "Only a confirmed order can be marked as fulfilled." in response.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED
    assert order.decided_at is None


def test_order_detail(staff, buyer, offer):
    order = offers.order_place(
        member=buyer, offer=offer, quantity=2, note="Antar ke balai desa", acting_user=buyer.user
    )

    page = english_client(staff).get(f"/mitra/pesanan/{order.pk}/").content.decode()

    assert f"Order #{order.pk}" in page
    assert "Sri Wahyuni" in page
    assert "Antar ke balai desa" in page
    assert "Rp 450.000" in page
    assert f'action="{reverse("partners:order-confirm", args=[order.pk])}"' in page
    assert buyer.nik not in page


def test_a_scheduled_and_an_expired_offer_show_their_state(owner, partner):
    scheduled = make_offer(partner, valid_from=today() + dt.timedelta(days=3))
    expired = make_offer(
        partner, valid_from=today() - dt.timedelta(days=9), valid_to=today() - dt.timedelta(days=2)
    )

    page = english_client(owner).get("/mitra/penawaran/").content.decode()

    assert f'id="offer-{scheduled.pk}" data-state="scheduled"' in page
    assert f'id="offer-{expired.pk}" data-state="expired"' in page
    assert "Scheduled" in page
    assert "Expired" in page
