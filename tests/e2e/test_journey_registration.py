"""A person registers a cooperative, platform staff verify it, its chair sees the dashboard."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from tests.e2e.helpers import log_in, set_up_authenticator
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_register_verify_and_open_the_dashboard(live_server, page: Page, browser, screenshot):
    base = live_server.url
    UserFactory(email="verifikator@platform.test", is_platform_staff=True)

    # A newcomer signs up and confirms the email address.
    page.goto(base)
    page.get_by_role("link", name="Daftarkan koperasi").first.click()
    page.get_by_role("link", name="Daftar").first.click()
    page.get_by_label("Nama lengkap").fill("Made Wirawan")
    page.get_by_label("Email").fill("made@subak.test")
    page.locator("#id_password1").fill("sawah-berundak-88")
    page.locator("#id_password2").fill("sawah-berundak-88")
    page.get_by_role("button", name="Daftar").click()
    link = re.search(r"https?://[^\s]+/akun/confirm-email/[^\s]+/", mail.outbox[-1].body)
    page.goto(link.group(0))
    page.get_by_role("button", name="Konfirmasi").click()

    # ... and registers the cooperative; the regency list follows the province (htmx).
    page.goto(f"{base}/daftar-koperasi/")
    page.get_by_label("Nama koperasi").fill("Koperasi Produsen Subak Jatiluwih")
    page.get_by_label("Nomor badan hukum").fill("AHU-0007788.AH.01.26.TAHUN 2020")
    page.get_by_label("Nomor Induk Koperasi").fill("5102010000772020")
    page.get_by_label("Jenis").select_option("produsen")
    page.get_by_label("Provinsi").select_option(label="Bali")
    expect(page.locator("#id_regency option", has_text="Kabupaten Tabanan")).to_have_count(1)
    page.get_by_label("Kabupaten/kota").select_option(label="Kabupaten Tabanan")
    page.get_by_label("Alamat").fill("Desa Jatiluwih, Penebel, Tabanan")
    page.get_by_label("Telepon").fill("0361 812345")
    page.get_by_label("Email").fill("pengurus@subak.test")
    screenshot(page, "registration-form")
    page.get_by_role("button", name="Daftar").click()
    # As its chair they must set up an authenticator app before anything else.
    secret = set_up_authenticator(page, "sawah-berundak-88")
    page.goto(f"{base}/koperasi-saya/")
    page.get_by_role("link", name="Koperasi Produsen Subak Jatiluwih").first.click()
    expect(page.get_by_text("Menunggu verifikasi").first).to_be_visible()
    page.get_by_role("button", name="Keluar").click()

    # Platform staff verify it in their own browser.
    staff = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    staff_page = staff.new_page()
    log_in(staff_page, base, "verifikator@platform.test")
    staff_page.goto(f"{base}/platform/")
    staff_page.get_by_role("link", name="Koperasi Produsen Subak Jatiluwih").click()
    staff_page.get_by_role("button", name="Verifikasi").click()
    expect(staff_page.get_by_text("terverifikasi").first).to_be_visible()
    staff.close()

    # The chair logs in and sees the cooperative's dashboard, now verified.
    log_in(page, base, "made@subak.test", "sawah-berundak-88", totp_secret=secret)
    page.get_by_role("link", name="Koperasi Produsen Subak Jatiluwih").first.click()
    expect(page.get_by_role("heading", name="Koperasi Produsen Subak Jatiluwih")).to_be_visible()
    expect(page.get_by_text("Menunggu verifikasi")).to_have_count(0)
    expect(page.get_by_text("Ketua", exact=True)).to_be_visible()
    screenshot(page, "chair-dashboard")
