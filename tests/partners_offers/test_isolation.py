"""Nobody reaches what is not theirs: every such request answers 404 and changes nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from partners import offers
from partners.models import Offer, Order
from tests.conftest import client_for, english_client
from tests.partners_offers.conftest import make_offer, picture_bytes, today, upload

pytestmark = pytest.mark.django_db


def offer_with_picture(partner, user) -> Offer:
    return offers.offer_create(
        partner=partner,
        acting_user=user,
        data={
            "title": "Kopi Arabika",
            "price": 90_000,
            "valid_from": today(),
            "picture": upload("kopi.png", picture_bytes("PNG", (300, 300))),
        },
    )


def snapshot(model, pk) -> dict:
    return model.objects.filter(pk=pk).values().get()


def test_a_partner_gets_404_on_another_partners_offers_and_orders(
    partner, owner, other_partner, other_owner, outsider
):
    theirs = offer_with_picture(other_partner, other_owner)
    order = offers.order_place(
        member=outsider, offer=theirs, quantity=1, note="", acting_user=outsider.user
    )
    offer_before, order_before = snapshot(Offer, theirs.pk), snapshot(Order, order.pk)
    client = english_client(owner)

    for method, path, data in [
        ("get", f"/mitra/penawaran/{theirs.pk}/ubah/", None),
        ("post", f"/mitra/penawaran/{theirs.pk}/ubah/", {"title": "Milik saya", "price": "1"}),
        ("post", f"/mitra/penawaran/{theirs.pk}/tarik/", None),
        ("get", f"/mitra/penawaran/{theirs.pk}/gambar/", None),
        ("get", f"/mitra/penawaran/{theirs.pk}/gambar-kecil/", None),
        ("get", f"/mitra/pesanan/{order.pk}/", None),
        ("post", f"/mitra/pesanan/{order.pk}/konfirmasi/", None),
        ("post", f"/mitra/pesanan/{order.pk}/tolak/", {"reason": "Bukan milik saya"}),
        ("post", f"/mitra/pesanan/{order.pk}/selesai/", None),
    ]:
        response = getattr(client, method)(path, data or {})
        assert response.status_code == 404, (method, path)

    assert snapshot(Offer, theirs.pk) == offer_before
    assert snapshot(Order, order.pk) == order_before
    lists = client.get("/mitra/penawaran/").content.decode()
    lists += client.get("/mitra/pesanan/").content.decode()
    assert f'id="offer-{theirs.pk}"' not in lists
    assert f'id="order-{order.pk}"' not in lists


def test_a_member_of_another_cooperative_gets_404_on_the_offer_and_its_picture(
    cooperative, partner, owner, outsider
):
    offer = offer_with_picture(partner, owner)
    client = english_client(outsider.user)
    other = outsider.cooperative.slug

    for path in [
        f"/k/{other}/anggota/mitra/penawaran/{offer.pk}/",
        f"/k/{other}/anggota/mitra/penawaran/{offer.pk}/gambar/",
        f"/k/{other}/anggota/mitra/penawaran/{offer.pk}/gambar-kecil/",
        # and through the offer's own cooperative, where they are nobody
        f"/k/{cooperative.slug}/anggota/mitra/penawaran/{offer.pk}/",
        f"/k/{cooperative.slug}/anggota/mitra/penawaran/{offer.pk}/gambar/",
    ]:
        assert client.get(path).status_code == 404, path
    response = client.post(
        f"/k/{other}/anggota/mitra/penawaran/{offer.pk}/", {"quantity": "1", "action": "place"}
    )
    assert response.status_code == 404
    assert Order.objects.count() == 0


def test_a_withdrawn_offers_picture_is_gone_for_members(cooperative, buyer, partner, owner):
    offer = offer_with_picture(partner, owner)
    client = english_client(buyer.user)
    url = f"/k/{cooperative.slug}/anggota/mitra/penawaran/{offer.pk}/gambar-kecil/"
    assert client.get(url).status_code == 200

    offers.offer_withdraw(offer=offer, acting_user=owner)

    assert client.get(url).status_code == 404
    assert (
        client.get(f"/k/{cooperative.slug}/anggota/mitra/penawaran/{offer.pk}/").status_code == 404
    )


def test_a_member_gets_404_on_another_members_order(cooperative, buyer, other_buyer, offer):
    order = offers.order_place(
        member=buyer, offer=offer, quantity=1, note="", acting_user=buyer.user
    )
    client = english_client(other_buyer.user)

    response = client.post(f"/k/{cooperative.slug}/anggota/mitra/pesanan/{order.pk}/batal/")
    page = client.get(f"/k/{cooperative.slug}/anggota/mitra/pesanan/").content.decode()

    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED
    assert f'id="order-{order.pk}"' not in page


@pytest.mark.parametrize("who", ["chair", "teller", "buyer"])
def test_cooperative_people_get_404_on_the_partner_portal_pages(request, who, offer, buyer):
    person = request.getfixturevalue(who)
    user = person.user if who == "buyer" else person
    order = offers.order_place(
        member=buyer, offer=offer, quantity=1, note="", acting_user=buyer.user
    )
    client = client_for(user)

    for method, path in [
        ("get", "/mitra/penawaran/"),
        ("get", "/mitra/penawaran/baru/"),
        ("post", "/mitra/penawaran/baru/"),
        ("get", f"/mitra/penawaran/{offer.pk}/ubah/"),
        ("post", f"/mitra/penawaran/{offer.pk}/tarik/"),
        ("get", f"/mitra/penawaran/{offer.pk}/gambar-kecil/"),
        ("get", "/mitra/pesanan/"),
        ("get", f"/mitra/pesanan/{order.pk}/"),
        ("post", f"/mitra/pesanan/{order.pk}/konfirmasi/"),
        ("post", f"/mitra/pesanan/{order.pk}/tolak/"),
        ("post", f"/mitra/pesanan/{order.pk}/selesai/"),
    ]:
        assert getattr(client, method)(path).status_code == 404, (method, path)

    offer.refresh_from_db()
    order.refresh_from_db()
    assert offer.withdrawn_at is None
    assert order.status == Order.Status.PLACED


def test_a_partner_user_gets_404_on_the_member_pages(cooperative, owner, offer, buyer):
    order = offers.order_place(
        member=buyer, offer=offer, quantity=1, note="", acting_user=buyer.user
    )
    client = client_for(owner)
    slug = cooperative.slug

    for method, path in [
        ("get", f"/k/{slug}/anggota/mitra/penawaran/"),
        ("get", f"/k/{slug}/anggota/mitra/penawaran/{offer.pk}/"),
        ("post", f"/k/{slug}/anggota/mitra/penawaran/{offer.pk}/"),
        ("get", f"/k/{slug}/anggota/mitra/penawaran/{offer.pk}/gambar-kecil/"),
        ("get", f"/k/{slug}/anggota/mitra/pesanan/"),
        ("post", f"/k/{slug}/anggota/mitra/pesanan/{order.pk}/batal/"),
    ]:
        assert getattr(client, method)(path).status_code == 404, (method, path)

    order.refresh_from_db()
    assert order.status == Order.Status.PLACED


def test_anonymous_visitors_are_sent_to_log_in(cooperative, offer):
    client = Client()

    assert client.get("/mitra/penawaran/").status_code == 302
    assert client.get(f"/k/{cooperative.slug}/anggota/mitra/penawaran/").status_code == 302
    assert client.get(f"/mitra/penawaran/{offer.pk}/gambar/").status_code == 302


def test_an_unrelated_partner_offer_is_not_listed_even_with_the_same_cooperative_slug(
    cooperative, buyer, other_partner
):
    hidden = make_offer(other_partner)

    page = english_client(buyer.user).get(f"/k/{cooperative.slug}/anggota/mitra/penawaran/")

    assert f'id="offer-{hidden.pk}"' not in page.content.decode()
