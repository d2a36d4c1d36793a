"""A member logs in on a phone, reads their savings, pages through the history and downloads
this year's statement."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from services.savings.actions import savings_deposit, savings_withdraw
from tests.e2e.helpers import log_in
from tests.factories import CooperativeFactory, UserFactory, make_member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _saver():
    today = timezone.localdate()
    cooperative = CooperativeFactory(name="Koperasi Simpan Pinjam Tani Makmur")
    member = make_member(
        cooperative, user=UserFactory(email="siti@tani.test"), full_name="Siti Aminah"
    )
    last_year = dt.date(today.year - 1, 6, 1)
    for day in range(21):
        savings_deposit(
            member=member,
            kind="sukarela",
            amount=50_000,
            channel="cash",
            acting_user=None,
            on=last_year + dt.timedelta(days=day),
            memo="Tabungan panen",
        )
    for kind, amount, memo in (("pokok", 100_000, "Simpanan pokok"), ("wajib", 25_000, "Iuran")):
        savings_deposit(
            member=member,
            kind=kind,
            amount=amount,
            channel="cash",
            acting_user=None,
            on=today,
            memo=memo,
        )
    savings_withdraw(
        member=member, amount=200_000, channel="cash", acting_user=None, on=today, memo="Tarik"
    )
    return cooperative, member, today


def test_a_member_reads_the_balance_and_downloads_the_statement(
    live_server, page: Page, screenshot
):
    cooperative, member, today = _saver()
    base = live_server.url
    home = f"{base}/k/{cooperative.slug}/anggota/"

    log_in(page, base, "siti@tani.test")

    page.goto(home)
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="My savings")).to_be_visible()
    expect(page.locator("#total-savings")).to_contain_text("Rp 975.000")
    expect(page.locator("#balance-sukarela")).to_contain_text("Rp 850.000")
    expect(page.locator("#member-nik")).to_have_text(member.nik)
    expect(page.locator("#savings-chart")).to_be_visible()
    screenshot(page, "member-savings")

    with page.expect_download() as download_info:
        page.locator("#statement-csv").click()
    download = download_info.value
    start = today.replace(month=1, day=1)
    assert download.suggested_filename == (
        f"statement-{member.number}-{start.isoformat()}-{today.isoformat()}.csv"
    )
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text("utf-8-sig"))))
    assert rows[2] == ["Member", "Siti Aminah"]
    assert [(r[2], r[3], r[4], r[5]) for r in rows[8:]] == [
        ("Opening balance", "", "", "1050000"),
        ("Simpanan pokok", "100000", "", "1150000"),
        ("Iuran", "25000", "", "1175000"),
        ("Tarik", "", "200000", "975000"),
        ("Closing balance", "125000", "200000", "975000"),
    ]

    # The history shows 20 movements; "load more" appends the rest in place (htmx).
    page.locator("#history-link").click()
    expect(page.locator("tr.movement")).to_have_count(20)
    page.locator("#load-more a").click()
    expect(page.locator("tr.movement")).to_have_count(24)
    expect(page.locator("#load-more")).to_have_count(0)
    assert page.url.endswith("/anggota/riwayat/")
    expect(page.locator("tr.movement").last).to_contain_text("Rp 50.000")
    screenshot(page, "member-history")
