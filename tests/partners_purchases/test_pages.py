"""The pages: recording at the till, lists, the member's code, and who sees what."""

from __future__ import annotations

import datetime as dt

import pytest

from partners.models import Purchase, PurchaseCode
from partners.purchases import live_code, purchase_code_issue
from tests.conftest import english_client
from tests.partners_purchases.conftest import record

pytestmark = pytest.mark.django_db

RECORD = "/mitra/pembelian/catat/"


def form_data(member, issued, **overrides):
    data = {
        "cooperative": member.cooperative_id,
        "member_number": member.number,
        "code": issued.code,
        "amount": "150.000",
        "discount": "15.000",
        "description": "Pupuk urea 2 karung",
        "request_key": "form-1",
    }
    data.update(overrides)
    return data


def test_staff_record_a_purchase_at_the_till(partner, staff, buyer):
    code = purchase_code_issue(member=buyer)
    client = english_client(staff)

    assert client.get(RECORD).status_code == 200
    response = client.post(RECORD, form_data(buyer, code), follow=True)

    purchase = Purchase.objects.get()
    assert response.redirect_chain == [(f"/mitra/pembelian/{purchase.pk}/", 302)]
    assert (purchase.amount, purchase.discount, purchase.description, purchase.recorded_by) == (
        150_000,
        15_000,
        "Pupuk urea 2 karung",
        staff,
    )
    assert f"Purchase of Rp 150.000 recorded for member {buyer.number}" in response.content.decode()


def test_a_resent_form_records_once(partner, owner, buyer):
    code = purchase_code_issue(member=buyer)
    client = english_client(owner)

    first = client.post(RECORD, form_data(buyer, code))
    second = client.post(RECORD, form_data(buyer, code))

    purchase = Purchase.objects.get()
    assert first["Location"] == second["Location"] == f"/mitra/pembelian/{purchase.pk}/"


def test_the_qr_text_fills_in_the_member(partner, owner, buyer):
    code = purchase_code_issue(member=buyer)
    qr = f"KOPERASI:{buyer.cooperative.slug}:{buyer.number}:{code.code}"

    response = english_client(owner).post(
        RECORD, {"qr": qr, "amount": "20000", "request_key": "q1"}
    )

    assert response.status_code == 302
    assert Purchase.objects.get().member == buyer


def test_a_wrong_code_is_shown_at_the_code_field(partner, owner, buyer):
    code = purchase_code_issue(member=buyer)
    wrong = f"{(int(code.code) + 1) % 1_000_000:06d}"

    response = english_client(owner).post(RECORD, form_data(buyer, code, code=wrong))

    assert response.status_code == 400
    assert "The member number or the code is not right." in response.content.decode()
    assert Purchase.objects.count() == 0
    code.refresh_from_db()
    assert code.failed_attempts == 1


def test_no_recording_for_a_cooperative_without_active_partnership(
    partner, owner, other_cooperative, outsider
):
    code = purchase_code_issue(member=outsider)
    client = english_client(owner)
    qr = f"KOPERASI:{other_cooperative.slug}:{outsider.number}:{code.code}"

    by_choice = client.post(RECORD, form_data(outsider, code))
    by_qr = client.post(RECORD, {"qr": qr, "amount": "20000", "request_key": "q2"})

    assert by_choice.status_code == by_qr.status_code == 400
    assert "Select a valid choice" in by_choice.content.decode()
    assert (
        "Your business has no active partnership with this cooperative." in by_qr.content.decode()
    )
    assert Purchase.objects.count() == 0
    code.refresh_from_db()
    assert (code.used_at, code.failed_attempts) == (None, 0)


def test_partner_purchase_list_filters_and_isolation(
    cooperative, partner, owner, other_partner, other_owner, buyer, outsider
):
    mine = record(partner, owner, buyer, 11_000)
    theirs = record(other_partner, other_owner, outsider, 22_000)
    Purchase.objects.filter(pk=mine.pk).update(
        occurred_at=dt.datetime(2025, 5, 5, 10, tzinfo=dt.UTC)
    )

    client = english_client(owner)
    everything = client.get("/mitra/pembelian/")
    in_may = client.get("/mitra/pembelian/?month=2025-05")
    in_june = client.get("/mitra/pembelian/?month=2025-06")
    bad = client.get("/mitra/pembelian/?month=2025-13")

    assert [p.pk for p in everything.context["page"].object_list] == [mine.pk]
    assert [p.pk for p in in_may.context["page"].object_list] == [mine.pk]
    assert list(in_june.context["page"].object_list) == []
    assert bad.status_code == 400
    assert client.get(f"/mitra/pembelian/{mine.pk}/").status_code == 200
    assert client.get(f"/mitra/pembelian/{theirs.pk}/").status_code == 404
    other_view = english_client(other_owner).get("/mitra/penyelesaian/2025/5/")
    assert other_view.context["settlement"].report.rows == []
    assert english_client(other_owner).get("/mitra/penyelesaian/").context["months"][0].amount == (
        22_000
    )


def test_member_sees_their_live_code_and_qr(cooperative, buyer):
    client = english_client(buyer.user)
    url = f"/k/{cooperative.slug}/anggota/mitra/kode-belanja/"

    empty = client.get(url)
    assert empty.status_code == 200
    assert "You have no code that still works." in empty.content.decode()
    assert PurchaseCode.objects.count() == 0  # looking does not make a code

    client.post(url)
    code = live_code(member=buyer)
    page = client.get(url).content.decode()

    assert '<p class="shop-code-digits" id="code" ' in page
    assert f">{code.code}</p>" in page
    assert '<svg viewBox="' in page
    assert 'class="qr-code"' in page
    section = page[page.index('<section class="shop-code"') : page.index("</section>")]
    assert "style=" not in section
    assert "<script" not in section

    client.post(url)  # a new code ends the old one
    assert live_code(member=buyer).pk != code.pk
    assert PurchaseCode.objects.filter(member=buyer).count() == 2


def test_member_sees_only_their_own_code_and_purchases(
    cooperative, partner, owner, buyer, other_buyer
):
    theirs = purchase_code_issue(member=other_buyer)
    record(partner, owner, buyer, 12_345)
    record(partner, owner, other_buyer, 67_890)
    own_code = purchase_code_issue(member=buyer)
    client = english_client(buyer.user)

    code_page = client.get(f"/k/{cooperative.slug}/anggota/mitra/kode-belanja/").content.decode()
    purchases = client.get(f"/k/{cooperative.slug}/anggota/mitra/belanja/")

    assert own_code.code in code_page
    assert f">{theirs.code}<" not in code_page
    assert [(p.partner.name, p.amount, p.discount) for p in purchases.context["page"]] == [
        ("PT Tani Makmur", 12_345, 0)
    ]
    assert "Rp 67.890" not in purchases.content.decode()


def test_partner_users_get_404_on_member_and_board_pages(cooperative, owner):
    client = english_client(owner)

    for path in [
        "anggota/mitra/kode-belanja/",
        "anggota/mitra/belanja/",
        "kelola/mitra/penjualan/",
        "kelola/mitra/penjualan/csv/",
    ]:
        assert client.get(f"/k/{cooperative.slug}/{path}").status_code == 404, path
    assert client.post(f"/k/{cooperative.slug}/anggota/mitra/kode-belanja/").status_code == 404
    assert PurchaseCode.objects.count() == 0


def test_members_and_board_get_404_on_partner_pages(cooperative, chair, buyer):
    for user in (chair, buyer.user):
        client = english_client(user)
        for path in [
            "/mitra/pembelian/",
            RECORD,
            "/mitra/penyelesaian/",
            "/mitra/penyelesaian/2025/3/",
            "/mitra/penyelesaian/2025/3/csv/",
            "/mitra/penyelesaian/2025/3/pdf/",
        ]:
            assert client.get(path).status_code == 404, path


def test_sales_page_is_for_board_and_supervisors_of_this_cooperative(
    cooperative, chair, supervisor, teller, buyer, other_board
):
    url = f"/k/{cooperative.slug}/kelola/mitra/penjualan/"

    assert english_client(chair).get(url).status_code == 200
    assert english_client(supervisor).get(url).status_code == 200
    assert english_client(teller).get(url).status_code == 403
    assert english_client(buyer.user).get(url).status_code == 403
    assert english_client(other_board).get(url).status_code == 404
    assert english_client(other_board).get(url + "csv/").status_code == 404


def test_a_member_of_another_cooperative_gets_404(cooperative, outsider):
    client = english_client(outsider.user)

    assert client.get(f"/k/{cooperative.slug}/anggota/mitra/kode-belanja/").status_code == 404
    assert client.post(f"/k/{cooperative.slug}/anggota/mitra/kode-belanja/").status_code == 404
    assert PurchaseCode.objects.count() == 0


def test_a_member_who_left_gets_no_code(cooperative, buyer):
    from members.models import Member

    Member.objects.filter(pk=buyer.pk).update(status=Member.Status.RESIGNED)
    client = english_client(buyer.user)
    url = f"/k/{cooperative.slug}/anggota/mitra/kode-belanja/"

    client.post(url)
    page = client.get(url).content.decode()

    assert PurchaseCode.objects.count() == 0
    assert "Only an active member can get a shopping code." in page
