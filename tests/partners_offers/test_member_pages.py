"""The member's partner pages under /k/<slug>/anggota/mitra/."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from partners import offers
from partners.models import Order, Partnership
from tests.conftest import english_client
from tests.partners_offers.conftest import (
    make_offer,
    make_partner,
    partnership,
    picture_bytes,
    today,
    upload,
)

pytestmark = pytest.mark.django_db


def base(cooperative) -> str:
    return f"/k/{cooperative.slug}/anggota/mitra"


def test_members_see_only_published_offers_of_active_partners_of_their_cooperative(
    cooperative, buyer, partner, owner, other_partner
):
    day = today()
    shown = make_offer(partner, title="Pupuk", price=100_000, discount_percent=Decimal("15"))
    open_ended = make_offer(partner, title="Benih", valid_to=None, discount_percent=Decimal(0))
    withdrawn = make_offer(partner, title="Ditarik")
    offers.offer_withdraw(offer=withdrawn, acting_user=owner)
    expired = make_offer(
        partner, title="Lewat", valid_from=day - dt.timedelta(9), valid_to=day - dt.timedelta(1)
    )
    scheduled = make_offer(partner, title="Nanti", valid_from=day + dt.timedelta(1))
    proposed = make_partner("UD Usulan")
    partnership(cooperative, proposed, Partnership.Status.PROPOSED)
    ended = make_partner("UD Selesai")
    partnership(cooperative, ended, Partnership.Status.ENDED)
    hidden = [
        withdrawn,
        expired,
        scheduled,
        make_offer(proposed),
        make_offer(ended),
        make_offer(other_partner),
    ]

    page = english_client(buyer.user).get(f"{base(cooperative)}/penawaran/")

    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('class="card offer-card"') == 2
    assert f'id="offer-{shown.pk}"' in html
    assert f'id="offer-{open_ended.pk}"' in html
    for offer in hidden:
        assert f'id="offer-{offer.pk}"' not in html
    assert "<del>Rp 100.000</del>" in html
    assert "<strong>Rp 85.000</strong>" in html
    assert "PT Tani Makmur" in html
    assert "css/offers.css" in html


def test_a_thumbnail_is_lazy_with_its_size(cooperative, buyer, partner, owner):
    offer = offers.offer_create(
        partner=partner,
        acting_user=owner,
        data={
            "title": "Gula",
            "price": 18_000,
            "valid_from": today(),
            "picture": upload("gula.png", picture_bytes("PNG", (1000, 500))),
        },
    )
    client = english_client(buyer.user)

    html = client.get(f"{base(cooperative)}/penawaran/").content.decode()
    detail = client.get(f"{base(cooperative)}/penawaran/{offer.pk}/").content.decode()
    picture = client.get(f"{base(cooperative)}/penawaran/{offer.pk}/gambar/")

    assert f'src="{base(cooperative)}/penawaran/{offer.pk}/gambar-kecil/?v=' in html
    assert 'width="96" height="96" loading="lazy"' in html
    assert 'width="800" height="400" loading="lazy"' in detail
    assert picture.status_code == 200
    assert picture["Content-Type"] == "image/jpeg"
    assert picture["Cache-Control"].startswith("private")
    assert "public" not in picture["Cache-Control"]


def test_the_order_form_shows_the_total_and_places_the_order(cooperative, buyer, partner):
    offer = make_offer(partner, price=12_000, discount_percent=Decimal("10"))
    client = english_client(buyer.user)
    url = f"{base(cooperative)}/penawaran/{offer.pk}/"

    page = client.get(url).content.decode()
    assert "Total:</p>" not in page
    assert "<strong>Rp 10.800</strong> (1 × Rp 10.800)" in page  # noqa: RUF001
    total = client.get(url, {"quantity": "3"}, HTTP_HX_REQUEST="true").content.decode()
    assert total.startswith('<p id="order-total"')
    assert "<strong>Rp 32.400</strong>" in total
    preview = client.post(url, {"quantity": "4", "note": "", "action": "preview"})
    assert "<strong>Rp 43.200</strong>" in preview.content.decode()
    assert Order.objects.count() == 0

    response = client.post(url, {"quantity": "4", "note": "Sabtu pagi", "action": "place"})

    assert response.status_code == 302
    assert response["Location"] == f"{base(cooperative)}/pesanan/"
    order = Order.objects.get()
    assert (order.member, order.quantity, order.unit_price, order.total, order.note) == (
        buyer,
        4,
        10_800,
        43_200,
        "Sabtu pagi",
    )
    orders = client.get(response["Location"]).content.decode()
    assert f"Your order #{order.pk} for Rp 43.200 is placed." in orders
    assert f'id="order-{order.pk}" data-status="placed"' in orders
    assert "Cancel the order" in orders


def test_a_wrong_quantity_is_shown_on_the_form(cooperative, buyer, offer):
    response = english_client(buyer.user).post(
        f"{base(cooperative)}/penawaran/{offer.pk}/", {"quantity": "1000", "action": "place"}
    )

    assert response.status_code == 422
    assert "Ensure this value is less than or equal to 999." in response.content.decode()
    assert Order.objects.count() == 0


def test_the_member_cancels_a_placed_order(cooperative, buyer, offer, owner):
    order = offers.order_place(
        member=buyer, offer=offer, quantity=1, note="", acting_user=buyer.user
    )
    client = english_client(buyer.user)

    response = client.post(f"{base(cooperative)}/pesanan/{order.pk}/batal/")

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    page = client.get(f"{base(cooperative)}/pesanan/").content.decode()
    assert f'id="order-{order.pk}" data-status="cancelled"' in page
    assert "Cancel the order" not in page


def test_a_confirmed_order_can_no_longer_be_cancelled(cooperative, buyer, offer, owner):
    order = offers.order_place(
        member=buyer, offer=offer, quantity=1, note="", acting_user=buyer.user
    )
    offers.order_confirm(order=order, acting_user=owner)
    client = english_client(buyer.user)

    response = client.post(f"{base(cooperative)}/pesanan/{order.pk}/batal/", follow=True)

    assert (
        "Only an order the partner has not decided on yet can be cancelled."
        in response.content.decode()
    )
    order.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED


def test_a_rejected_order_shows_the_reason(cooperative, buyer, offer, owner):
    order = offers.order_place(
        member=buyer, offer=offer, quantity=1, note="", acting_user=buyer.user
    )
    offers.order_reject(order=order, acting_user=owner, reason="Stok habis")

    page = english_client(buyer.user).get(f"{base(cooperative)}/pesanan/").content.decode()

    assert f'id="order-{order.pk}" data-status="rejected"' in page
    assert "Reason: Stok habis" in page
