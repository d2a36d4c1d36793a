"""The board sends an announcement from the dashboard; a member sees the unread count on a
phone, reads it in the inbox, marks it read without a page load (htmx), and chooses how to hear
about such messages next time."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from koperasi.celery import app as celery_app
from koperasi.models import Role
from koperasi.notifications.models import Notification
from tests.e2e.helpers import log_in
from tests.factories import CooperativeFactory, RoleFactory, UserFactory, make_member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tasks_in_process():
    """No worker runs beside the live server: the fan-out runs where it is queued."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def test_an_announcement_reaches_the_inbox(
    live_server, page: Page, browser, browser_context_args, screenshot, tasks_in_process
):
    cooperative = CooperativeFactory(name="Koperasi Produsen Susu Sapi Perah Lembang")
    RoleFactory(
        cooperative=cooperative,
        kind=Role.Kind.BOARD,
        title=Role.Title.CHAIR,
        user=UserFactory(email="ketua@lembang.test", full_name="Asep Hidayat"),
    )
    member = make_member(
        cooperative, user=UserFactory(email="euis@lembang.test"), full_name="Euis Komariah"
    )
    make_member(cooperative, user=UserFactory(email="ujang@lembang.test"), full_name="Ujang")
    base, slug = live_server.url, cooperative.slug

    # The chair writes to every active member.
    board = browser.new_context(**browser_context_args)
    board_page = board.new_page()
    log_in(board_page, base, "ketua@lembang.test")
    board_page.goto(f"{base}/k/{slug}/kelola/pengumuman/")
    expect(board_page.locator("#field-audience")).to_contain_text("2 orang")
    board_page.locator("input[name=audience][value=active]").check()
    board_page.locator("#id_title").fill("Pengambilan susu dimajukan")
    board_page.locator("#id_body").fill("Mulai Senin, susu diambil pukul 05.30 di pos desa.")
    board_page.locator("#announcement-form button[type=submit]").click()
    expect(board_page.locator("main")).to_contain_text("Pengambilan susu dimajukan")
    screenshot(board_page, "announcement-sent")
    board.close()

    # The member sees the unread count in the header, on a phone (the welcome from being
    # admitted is unread too).
    unread = Notification.objects.filter(recipient=member.user, read_at=None)
    assert unread.filter(title="Pengambilan susu dimajukan").count() == 1
    before = unread.count()
    log_in(page, base, "euis@lembang.test")
    page.goto(f"{base}/k/{slug}/anggota/")
    expect(page.locator("#inbox-count")).to_contain_text(f"{before} belum dibaca")
    page.locator("#inbox-link").click()
    message = page.locator("#inbox li.unread", has_text="Pengambilan susu dimajukan")
    expect(message).to_contain_text("pukul 05.30")
    screenshot(page, "inbox-unread")

    # Marking it read swaps the row and the header count in place.
    message.get_by_role("button", name="Tandai sudah dibaca").click()
    read = page.locator("#inbox li.read", has_text="Pengambilan susu dimajukan")
    expect(read).to_have_count(1)
    expect(page.locator("#inbox-count")).to_contain_text(f"{before - 1} belum dibaca")
    assert unread.filter(title="Pengambilan susu dimajukan").count() == 0

    # Next time, by email too.
    page.get_by_role("link", name="Pengaturan notifikasi").click()
    email_box = page.locator("#kind-announcement input[name$=email]")
    if not email_box.is_checked():
        email_box.check()
    page.locator("#preferences-form button[type=submit]").click()
    expect(page.locator("#kind-announcement input[name$=email]")).to_be_checked()
    screenshot(page, "preferences")
