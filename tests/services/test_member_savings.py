"""The member's own savings pages: dashboard, history, statements, withdrawal requests."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from html import unescape as html_unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from koperasi.models import Event
from members.actions import member_exit
from services.ledger.models import JournalEntry, Posting
from services.savings.actions import (
    add_months,
    month_start,
    savings_deposit,
    savings_withdraw,
    withdrawal_request_create,
    withdrawal_request_decide,
)
from services.savings.models import SavingsBill, WithdrawalRequest
from services.savings.selectors import member_accounts, month_end_balances
from tests.conftest import client_for
from tests.factories import UserFactory, make_member

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
THIS_MONTH = month_start(TODAY)
LOAD_MORE = {"HX-Request": "true", "HX-Target": "load-more"}  # what htmx sends
MINUS = "\N{MINUS SIGN}"  # how the history shows money going out


def _url(name: str, cooperative, **query) -> str:
    url = reverse(f"koperasi:{name}", kwargs={"coop_slug": cooperative.slug})
    if query:
        from urllib.parse import urlencode

        url += "?" + urlencode(query)
    return url


def _member(cooperative, **overrides):
    return make_member(cooperative, user=UserFactory(), **overrides)


def _english(user):
    client = client_for(user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def _deposit(member, kind: str, amount: int, on: dt.date | None = None, memo: str = ""):
    return savings_deposit(
        member=member,
        kind=kind,
        amount=amount,
        channel="cash",
        acting_user=None,
        on=on or TODAY,
        memo=memo,
    )


def _withdraw(member, amount: int, on: dt.date | None = None, memo: str = ""):
    return savings_withdraw(
        member=member, amount=amount, channel="cash", acting_user=None, on=on or TODAY, memo=memo
    )


def _rows(page) -> list[tuple]:
    return [(m.date, m.kind, m.amount, m.balance) for m in page.movements]


@pytest.fixture
def saver(cooperative):
    """A member with pokok, two months of wajib, sukarela in and part of it out."""
    member = _member(cooperative)
    _deposit(member, "pokok", 100_000, on=TODAY)
    _deposit(member, "wajib", 50_000, on=TODAY)
    _deposit(member, "sukarela", 200_000, on=TODAY)
    _withdraw(member, 30_000, on=TODAY)
    return member


# --- Dashboard -------------------------------------------------------------------------------


def test_the_dashboard_shows_the_members_own_balances_and_identity(cooperative, saver):
    response = _english(saver.user).get(_url("member-home", cooperative))

    assert response.status_code == 200
    balances = response.context["balances"]
    assert (balances.pokok, balances.wajib, balances.sukarela, balances.total) == (
        100_000,
        50_000,
        170_000,
        320_000,
    )
    html = response.content.decode()
    assert (
        '<tr id="balance-total"><th scope="row">Total</th><td class="num"><strong>Rp 320.000'
        in (html)
    )
    assert '<tr id="balance-sukarela">' in html
    assert "Rp 170.000" in html
    # The member sees their own NIK in full, and their number.
    assert f'<dd id="member-nik">{saver.nik}</dd>' in html
    assert f'<dd id="member-number">{saver.number}</dd>' in html
    assert saver.masked_nik not in html


def test_the_dashboard_lists_unpaid_and_overdue_wajib_months(cooperative):
    member = _member(cooperative)
    overdue_month = add_months(THIS_MONTH, -2)
    for period, due, paid in (
        (overdue_month, overdue_month.replace(day=10), 0),
        (add_months(THIS_MONTH, -1), TODAY - dt.timedelta(days=1), 5_000),
        (add_months(THIS_MONTH, 1), TODAY + dt.timedelta(days=20), 0),
    ):
        SavingsBill.objects.create(
            cooperative=cooperative,
            member=member,
            kind="wajib",
            period=period,
            due_date=due,
            amount=25_000,
            paid_amount=paid,
        )
    SavingsBill.objects.create(
        cooperative=cooperative,
        member=member,
        kind="wajib",
        period=add_months(THIS_MONTH, -3),
        due_date=TODAY - dt.timedelta(days=90),
        amount=25_000,
        paid_amount=25_000,
        status="paid",
    )

    response = _english(member.user).get(_url("member-home", cooperative))

    bills = response.context["bills"]
    assert [(b.period, b.outstanding, b.overdue) for b in bills.wajib] == [
        (overdue_month, 25_000, True),
        (add_months(THIS_MONTH, -1), 20_000, True),
        (add_months(THIS_MONTH, 1), 25_000, False),
    ]
    assert bills.wajib_overdue == 2
    # The pokok bill made on joining is still open.
    assert bills.pokok_outstanding == 100_000
    html = response.content.decode()
    assert '<span id="wajib-open-count">3 months to pay</span>' in html
    assert '<strong id="wajib-overdue-count">2 overdue</strong>: Rp 70.000' in html
    assert html.count('<tr class="overdue">') == 2
    assert 'id="pokok-due"' in html


def test_the_dashboard_says_when_every_wajib_month_is_paid(cooperative, saver):
    response = _english(saver.user).get(_url("member-home", cooperative))

    assert response.context["bills"].wajib == []
    assert 'id="wajib-all-paid"' in response.content.decode()


def test_the_dashboard_lists_pending_withdrawal_requests_only(cooperative, saver):
    pending = withdrawal_request_create(
        member=saver,
        amount=40_000,
        bank_name="BRI",
        bank_account_number="0123456789",
        bank_account_holder=saver.full_name,
    )
    decided = withdrawal_request_create(
        member=saver,
        amount=10_000,
        bank_name="BNI",
        bank_account_number="99887766",
        bank_account_holder=saver.full_name,
    )
    withdrawal_request_decide(
        request=decided, acting_user=cooperative.created_by, approve=False, reason="Salah rekening"
    )

    response = _english(saver.user).get(_url("member-home", cooperative))

    assert response.context["pending_requests"] == [pending]
    section = response.content.decode().split('id="pending-requests"')[1]
    assert "Rp 40.000 · BRI 0123456789" in section
    assert "99887766" not in section


def test_month_end_balances_walk_back_from_the_current_balance(cooperative):
    member = _member(cooperative)
    _deposit(member, "sukarela", 500_000, on=add_months(TODAY, -30))  # before the window
    _deposit(member, "sukarela", 100_000, on=add_months(THIS_MONTH, -23))  # first month shown
    _deposit(member, "pokok", 100_000, on=add_months(THIS_MONTH, -10))
    _withdraw(member, 50_000, on=add_months(THIS_MONTH, -3))
    _deposit(member, "sukarela", 70_000, on=TODAY)
    _deposit(member, "sukarela", 9_000, on=add_months(THIS_MONTH, 1))  # dated next month

    months = month_end_balances(accounts=member_accounts(member=member))

    assert len(months) == 24
    assert months[0].month == add_months(THIS_MONTH, -23)
    assert months[-1].month == THIS_MONTH
    expected = {}
    for offset in range(-23, 1):
        balance = 600_000
        if offset >= -10:
            balance += 100_000
        if offset >= -3:
            balance -= 50_000
        if offset == 0:
            balance += 70_000
        expected[add_months(THIS_MONTH, offset)] = balance
    assert {m.month: m.balance for m in months} == expected


def test_the_dashboard_draws_the_chart_with_a_table_for_screen_readers(cooperative, saver):
    _deposit(saver, "sukarela", 20_000, on=add_months(THIS_MONTH, -5))

    html = _english(saver.user).get(_url("member-home", cooperative)).content.decode()

    svg = html.split('<svg id="savings-chart"')[1].split("</svg>")[0]
    assert 'role="img"' in svg
    assert 'aria-labelledby="savings-chart-t savings-chart-d"' in svg
    assert "<title" in svg
    assert "<desc" in svg
    assert "to Rp 340.000 in" in svg
    assert svg.count("<rect") == 6  # the last six months hold savings
    assert "<script" not in html.split("<main")[1].split("</main>")[0]
    table = html.split('<table id="chart-table">')[1].split("</table>")[0]
    assert table.count("<tr>") == 25  # header and 24 months
    assert '<td class="num">Rp 340.000</td>' in table
    assert '<td class="num">Rp 20.000</td>' in table


def test_the_dashboard_runs_a_fixed_number_of_queries(cooperative, django_assert_max_num_queries):
    newcomer = _member(cooperative)
    veteran = _member(cooperative)
    for month in range(30):
        on = add_months(THIS_MONTH, -month)
        _deposit(veteran, "sukarela", 10_000 + month, on=on)
        _deposit(veteran, "sukarela", 5_000, on=on.replace(day=15))
        _withdraw(veteran, 1_000, on=on.replace(day=20))
    SavingsBill.objects.create(
        cooperative=cooperative,
        member=veteran,
        kind="wajib",
        period=THIS_MONTH,
        due_date=TODAY,
        amount=25_000,
    )
    withdrawal_request_create(
        member=veteran,
        amount=1_000,
        bank_name="BRI",
        bank_account_number="0123456789",
        bank_account_holder="A",
    )
    for _ in range(5):
        _deposit(_member(cooperative), "sukarela", 1_000)
    url = _url("member-home", cooperative)

    newcomer_client, veteran_client = client_for(newcomer.user), client_for(veteran.user)
    newcomer_client.get(url)
    veteran_client.get(url)
    with CaptureQueriesContext(connection) as short_history:
        newcomer_client.get(url)
    with django_assert_max_num_queries(12), CaptureQueriesContext(connection) as long_history:
        response = veteran_client.get(url)

    assert response.status_code == 200
    assert response.context["balances"].sukarela == sum(10_000 + m + 4_000 for m in range(30))
    assert len(long_history.captured_queries) == len(short_history.captured_queries)


# --- History ---------------------------------------------------------------------------------


def test_history_lists_movements_newest_first_with_the_balance_after_each(cooperative):
    member = _member(cooperative)
    day1, day2, day3 = TODAY - dt.timedelta(days=20), TODAY - dt.timedelta(days=10), TODAY
    _deposit(member, "pokok", 100_000, on=day1)
    _deposit(member, "sukarela", 80_000, on=day2, memo="Setoran pasar")
    _withdraw(member, 25_000, on=day3)

    response = _english(member.user).get(_url("member-history", cooperative))

    assert response.status_code == 200
    page = response.context["page"]
    assert _rows(page) == [
        (day3, "sukarela", -25_000, 155_000),
        (day2, "sukarela", 80_000, 180_000),
        (day1, "pokok", 100_000, 100_000),
    ]
    assert page.next_cursor is None
    html = response.content.decode()
    assert "Setoran pasar" in html
    assert f"{MINUS}Rp 25.000" in html
    assert "+Rp 80.000" in html
    assert 'id="load-more"' not in html


def test_history_filters_by_kind_and_dates(cooperative):
    member = _member(cooperative)
    early, middle, late = (TODAY - dt.timedelta(days=d) for d in (60, 30, 1))
    _deposit(member, "pokok", 100_000, on=early)
    _deposit(member, "sukarela", 10_000, on=early)
    _deposit(member, "sukarela", 20_000, on=middle)
    _deposit(member, "wajib", 25_000, on=middle)
    _deposit(member, "sukarela", 40_000, on=late)
    client = client_for(member.user)
    url = _url("member-history", cooperative)

    sukarela = client.get(url, {"kind": "sukarela"}).context["page"]
    assert _rows(sukarela) == [
        (late, "sukarela", 40_000, 70_000),
        (middle, "sukarela", 20_000, 30_000),
        (early, "sukarela", 10_000, 10_000),
    ]
    window = client.get(
        url, {"from": (early + dt.timedelta(days=1)).isoformat(), "to": middle.isoformat()}
    ).context["page"]
    # The balance after each row counts every movement, not just those shown.
    assert _rows(window) == [
        (middle, "wajib", 25_000, 155_000),
        (middle, "sukarela", 20_000, 130_000),
    ]
    both = client.get(url, {"kind": "pokok", "to": middle.isoformat()}).context["page"]
    assert _rows(both) == [(early, "pokok", 100_000, 100_000)]
    nothing = client.get(url, {"kind": "wajib", "to": early.isoformat()})
    assert nothing.context["page"].movements == []
    assert 'id="history-empty"' in nothing.content.decode()


def test_history_pages_twenty_at_a_time_with_load_more(cooperative):
    member = _member(cooperative)
    for n in range(45):
        _deposit(member, "sukarela", 1_000 + n, on=TODAY - dt.timedelta(days=45 - n))
    client = client_for(member.user)

    first = client.get(_url("member-history", cooperative, kind="sukarela"))
    assert [m.amount for m in first.context["page"].movements] == list(range(1_044, 1_024, -1))
    next_url = first.context["next_url"]
    assert "kind=sukarela" in next_url
    assert "cursor=" in next_url
    html = first.content.decode()
    assert f'href="{next_url.replace("&", "&amp;")}"' in html
    assert f'hx-get="{next_url.replace("&", "&amp;")}"' in html

    # htmx asks for the next page: only the rows and the next "load more" come back.
    second = client.get(next_url, headers=LOAD_MORE)
    fragment = second.content.decode()
    assert "<html" not in fragment
    assert _amounts(fragment) == list(range(1_024, 1_004, -1))
    # The running balance carries on across pages.
    total = sum(range(1_000, 1_045))
    assert _balances(fragment)[0] == total - sum(range(1_025, 1_045))
    third_url = html_unescape(re.search(r'hx-get="([^"]+)"', fragment).group(1))
    assert third_url.startswith(_url("member-history", cooperative))

    # Without JavaScript the same link is a full page.
    third = client.get(third_url)
    assert "<html" in third.content.decode()
    assert [m.amount for m in third.context["page"].movements] == [
        1_004,
        1_003,
        1_002,
        1_001,
        1_000,
    ]
    assert third.context["next_url"] == ""
    assert 'id="load-more"' not in third.content.decode()


def test_paging_splits_a_busy_day_without_losing_or_repeating_a_row(cooperative):
    member = _member(cooperative)
    for n in range(22):
        _deposit(member, "sukarela", 1_000 + n, on=TODAY)
    client = client_for(member.user)

    first = client.get(_url("member-history", cooperative))
    second = client.get(first.context["next_url"])

    assert [m.amount for m in first.context["page"].movements] == list(range(1_021, 1_001, -1))
    assert _rows(second.context["page"]) == [
        (TODAY, "sukarela", 1_001, 2_001),
        (TODAY, "sukarela", 1_000, 1_000),
    ]


def _amounts(html: str) -> list[int]:
    return [
        int(sign.replace(MINUS, "-") + digits.replace(".", ""))
        for sign, digits in re.findall(
            rf'<span class="amount">([+{MINUS}])Rp ([0-9.]+)</span>', html
        )
    ]


def _balances(html: str) -> list[int]:
    return [
        int(digits.replace(".", ""))
        for digits in re.findall(r'<small class="muted balance">Rp ([0-9.]+)</small>', html)
    ]


def test_each_history_page_costs_the_same_number_of_queries(cooperative):
    member = _member(cooperative)
    for n in range(70):
        _deposit(member, "sukarela", 1_000, on=TODAY - dt.timedelta(days=n))
    client = client_for(member.user)
    url = _url("member-history", cooperative)
    client.get(url)

    counts, next_url = [], url
    while next_url:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(next_url, headers=LOAD_MORE)
        counts.append(len(queries.captured_queries))
        found = re.search(r'hx-get="([^"]+)"', response.content.decode())
        next_url = html_unescape(found.group(1)) if found else None

    assert len(counts) == 4
    assert len(set(counts)) == 1
    assert counts[0] <= 10


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"from": "2025-13-45"}, "from", "Enter a real date, for example 2025-01-31."),
        ({"to": "kemarin"}, "to", "Enter a real date, for example 2025-01-31."),
        (
            {"from": "2025-06-01", "to": "2025-05-01"},
            "to",
            "The end date is before the start date.",
        ),
        ({"kind": "emas"}, "kind", "Select a valid choice."),
    ],
)
def test_bad_filters_give_a_clear_message_not_an_error(cooperative, saver, query, field, message):
    client = _english(saver.user)

    for name in ("member-history", "member-statement-csv", "member-statement-pdf"):
        response = client.get(_url(name, cooperative, **query))

        assert response.status_code == 400
        assert response["Content-Type"].startswith("text/html")
        assert message in response.content.decode()
        assert field in response.context["form"].errors


def test_a_forged_page_cursor_is_refused_clearly(cooperative, saver):
    response = _english(saver.user).get(_url("member-history", cooperative, cursor="x_1"))

    assert response.status_code == 400
    assert 'id="cursor-error"' in response.content.decode()


# --- Statements ------------------------------------------------------------------------------


@pytest.fixture
def statement_member(cooperative):
    member = _member(cooperative, full_name="Wayan Sudarsana")
    _deposit(member, "pokok", 100_000, on=dt.date(2024, 12, 20), memo="Simpanan pokok")
    _deposit(member, "sukarela", 300_000, on=dt.date(2024, 12, 28), memo="Tabungan awal")
    _deposit(member, "sukarela", 50_000, on=dt.date(2025, 1, 5), memo="=HYPERLINK(1)")
    _withdraw(member, 120_000, on=dt.date(2025, 2, 1), memo="Tarik tunai")
    _deposit(member, "wajib", 25_000, on=dt.date(2025, 2, 10), memo="Iuran Februari")
    _deposit(member, "sukarela", 1_000, on=dt.date(2025, 4, 1), memo="Setoran April")  # later
    return member


def test_the_csv_statement_has_the_opening_balance_every_movement_and_the_closing(
    cooperative, statement_member
):
    client = _english(statement_member.user)

    response = client.get(
        _url("member-statement-csv", cooperative, **{"from": "2025-01-01", "to": "2025-03-31"})
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    number = statement_member.number
    assert response["Content-Disposition"] == (
        f'attachment; filename="statement-{number}-2025-01-01-2025-03-31.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [
        ["Savings statement"],
        ["Cooperative", cooperative.name],
        ["Member", "Wayan Sudarsana"],
        ["Member number", str(number)],
        ["Period", "2025-01-01", "2025-03-31"],
        ["Savings", "All savings"],
        [],
        ["Date", "Savings", "Description", "In", "Out", "Balance"],
        ["2025-01-01", "", "Opening balance", "", "", "400000"],
        [
            "2025-01-05",
            "Voluntary savings (simpanan sukarela)",
            "'=HYPERLINK(1)",
            "50000",
            "",
            "450000",
        ],
        [
            "2025-02-01",
            "Voluntary savings (simpanan sukarela)",
            "Tarik tunai",
            "",
            "120000",
            "330000",
        ],
        [
            "2025-02-10",
            "Mandatory savings (simpanan wajib)",
            "Iuran Februari",
            "25000",
            "",
            "355000",
        ],
        ["2025-03-31", "", "Closing balance", "75000", "120000", "355000"],
    ]


def test_a_statement_of_one_kind_only_counts_that_kind(cooperative, statement_member):
    client = _english(statement_member.user)

    response = client.get(
        _url(
            "member-statement-csv",
            cooperative,
            kind="sukarela",
            **{"from": "2025-01-01", "to": "2025-12-31"},
        )
    )

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[5] == ["Savings", "Voluntary savings (simpanan sukarela)"]
    assert [(r[0], r[3], r[4], r[5]) for r in rows[8:]] == [
        ("2025-01-01", "", "", "300000"),
        ("2025-01-05", "50000", "", "350000"),
        ("2025-02-01", "", "120000", "230000"),
        ("2025-04-01", "1000", "", "231000"),
        ("2025-12-31", "51000", "120000", "231000"),
    ]


def test_the_statement_covers_this_year_so_far_by_default(cooperative, statement_member):
    _deposit(statement_member, "sukarela", 7_000, on=TODAY)

    response = client_for(statement_member.user).get(_url("member-statement-csv", cooperative))

    start = TODAY.replace(month=1, day=1)
    assert response["Content-Disposition"] == (
        f'attachment; filename="statement-{statement_member.number}-{start.isoformat()}-'
        f'{TODAY.isoformat()}.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[4][1:] == [start.isoformat(), TODAY.isoformat()]
    assert rows[-2][0] == TODAY.isoformat()
    assert rows[-2][3] == "7000"


def test_the_xlsx_statement_opens_in_a_spreadsheet(cooperative, statement_member):
    client = _english(statement_member.user)

    response = client.get(
        _url("member-statement-xlsx", cooperative, **{"from": "2025-01-01", "to": "2025-03-31"})
    )

    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('-2025-01-01-2025-03-31.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[1][:2] == ["Cooperative", cooperative.name]
    assert values[3][:2] == ["Member number", statement_member.number]
    body = values[8:]
    assert [(r[2], r[3], r[4], r[5]) for r in body] == [
        ("Opening balance", None, None, 400_000),
        ("=HYPERLINK(1)", 50_000, None, 450_000),
        ("Tarik tunai", None, 120_000, 330_000),
        ("Iuran Februari", 25_000, None, 355_000),
        ("Closing balance", 75_000, 120_000, 355_000),
    ]
    assert body[1][0].date() == dt.date(2025, 1, 5)
    # Text that looks like a formula is stored as text, never evaluated.
    assert sheet.cell(row=10, column=3).data_type == "s"


def test_the_pdf_statement_is_a_small_pdf(cooperative, statement_member):
    client = _english(statement_member.user)

    response = client.get(
        _url("member-statement-pdf", cooperative, **{"from": "2025-01-01", "to": "2025-03-31"})
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].endswith('-2025-01-01-2025-03-31.pdf"')
    assert response["Cache-Control"].startswith("max-age=0")
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF")
    assert len(response.content) < 20_000


# --- Withdrawal requests ---------------------------------------------------------------------


def _request_data(**overrides) -> dict:
    return {
        "amount": "50.000",
        "bank_name": "Bank Rakyat Indonesia",
        "bank_account_number": "0123-4567 890",
        "bank_account_holder": "Sri Wahyuni",
        **overrides,
    }


def test_a_member_asks_to_withdraw_and_sees_the_request(cooperative, saver):
    client = _english(saver.user)
    url = _url("member-withdrawal", cooperative)

    form_page = client.get(url)
    assert form_page.context["room"].available == 170_000
    assert 'id="withdrawal-form"' in form_page.content.decode()
    assert not form_page.context["form"].is_bound
    assert f'value="{saver.full_name}"' in form_page.content.decode()
    assert 'class="error"' not in form_page.content.decode()

    response = client.post(url, _request_data(), follow=True)

    assert response.redirect_chain == [(url, 302)]
    request = WithdrawalRequest.objects.get()
    assert (request.member, request.amount, request.status) == (saver, 50_000, "pending")
    assert request.bank_account_number == "01234567890"
    html = response.content.decode()
    assert "Your request to withdraw Rp 50.000 is sent." in html
    assert f'<li class="card" id="request-{request.pk}">' in html
    assert response.context["room"].available == 120_000
    # Nothing moves until the cooperative approves.
    assert member_accounts(member=saver)["sukarela"].balance == 170_000


def test_a_rejected_request_shows_its_reason(cooperative, saver):
    request = withdrawal_request_create(
        member=saver,
        amount=10_000,
        bank_name="BRI",
        bank_account_number="0123456789",
        bank_account_holder="Sri",
    )
    withdrawal_request_decide(
        request=request,
        acting_user=cooperative.created_by,
        approve=False,
        reason="Nama pemilik rekening tidak cocok",
    )

    html = _english(saver.user).get(_url("member-withdrawal", cooperative)).content.decode()

    row = html.split(f'id="request-{request.pk}">')[1].split("</li>")[0]
    assert "Rejected" in row
    assert "Nama pemilik rekening tidak cocok" in row


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"amount": "170.001"}, "amount", "You can request at most Rp 170.000 now."),
        ({"amount": "0"}, "amount", "Enter an amount above zero, in whole Rupiah."),
        ({"amount": "-5000"}, "amount", "Enter an amount above zero, in whole Rupiah."),
        ({"amount": "lima puluh ribu"}, "amount", "Enter the amount in whole Rupiah, digits only."),
        ({"amount": "50000,50"}, "amount", "Enter the amount in whole Rupiah, digits only."),
        ({"amount": "1e6"}, "amount", "Enter the amount in whole Rupiah, digits only."),
        (
            {"amount": "9" * 25},
            "amount",
            "That amount is too large for one transaction.",
        ),
        ({"amount": ""}, "amount", "This field is required."),
        ({"bank_account_number": "12ab"}, "bank_account_number", "5 to 30 digits"),
        ({"bank_name": "  "}, "bank_name", "This field is required."),
    ],
)
def test_a_refused_withdrawal_request_creates_nothing(cooperative, saver, data, field, message):
    client = _english(saver.user)
    events_before = Event.objects.count()

    response = client.post(_url("member-withdrawal", cooperative), _request_data(**data))

    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert any(message in error for error in errors)
    assert message in response.content.decode()
    assert not WithdrawalRequest.objects.exists()
    assert Event.objects.count() == events_before


def test_pending_requests_count_against_what_can_be_asked(cooperative, saver):
    client = _english(saver.user)
    url = _url("member-withdrawal", cooperative)
    client.post(url, _request_data(amount="150000"))

    response = client.post(url, _request_data(amount="30000"))

    assert "You can request at most Rp 20.000 now." in response.content.decode()
    assert list(WithdrawalRequest.objects.values_list("amount", flat=True)) == [150_000]


def test_a_member_who_left_reads_everything_but_cannot_ask_to_withdraw(cooperative, saver):
    member_exit(member=saver, acting_user=cooperative.created_by, reason="Pindah kota")
    client = _english(saver.user)

    home = client.get(_url("member-home", cooperative))
    assert home.status_code == 200
    assert home.context["balances"].total == 0
    assert 'id="member-left"' in home.content.decode()
    assert 'id="withdrawal-link"' not in home.content.decode()
    history = client.get(_url("member-history", cooperative))
    assert history.context["page"].movements[0].entry_kind == JournalEntry.Kind.EXIT
    assert history.context["page"].movements[0].balance == 0
    csv_response = client.get(_url("member-statement-csv", cooperative))
    assert csv_response.status_code == 200
    assert client.get(_url("member-statement-xlsx", cooperative)).status_code == 200

    page = client.get(_url("member-withdrawal", cooperative))
    assert 'id="withdrawal-form"' not in page.content.decode()
    assert "only active members can ask to withdraw" in page.content.decode()
    events_before = Event.objects.count()
    refused = client.post(_url("member-withdrawal", cooperative), _request_data(amount="1000"))
    assert refused.status_code == 200
    assert "Only an active member can withdraw." in refused.content.decode()
    assert not WithdrawalRequest.objects.exists()
    assert Event.objects.count() == events_before


def test_a_member_who_rejoined_sees_the_new_membership(cooperative, saver):
    member_exit(member=saver, acting_user=cooperative.created_by)
    rejoined = make_member(cooperative, user=saver.user)
    _deposit(rejoined, "sukarela", 12_000)

    response = client_for(saver.user).get(_url("member-home", cooperative))

    assert response.context["member"] == rejoined
    assert response.context["balances"].total == 12_000


# --- Privacy ---------------------------------------------------------------------------------

MEMBER_PAGES = [
    "member-home",
    "member-history",
    "member-statement-csv",
    "member-statement-xlsx",
    "member-statement-pdf",
    "member-withdrawal",
]


def test_two_members_each_see_only_their_own_savings(cooperative):
    ani, budi = _member(cooperative, full_name="Ani"), _member(cooperative, full_name="Budi")
    _deposit(ani, "sukarela", 111_000, memo="Ani menabung")
    _deposit(budi, "sukarela", 222_000, memo="Budi menabung")
    withdrawal_request_create(
        member=budi,
        amount=2_000,
        bank_name="BNI",
        bank_account_number="5555566666",
        bank_account_holder="Budi",
    )

    for me, other, mine, theirs in (
        (ani, budi, 111_000, 222_000),
        (budi, ani, 222_000, 111_000),
    ):
        client = client_for(me.user)
        home = client.get(_url("member-home", cooperative))
        assert home.context["member"] == me
        assert home.context["balances"].total == mine
        history = client.get(_url("member-history", cooperative))
        assert [m.amount for m in history.context["page"].movements] == [mine]
        statement = client.get(_url("member-statement-csv", cooperative)).content.decode()
        pages = home.content.decode() + history.content.decode() + statement
        assert other.nik not in pages
        assert other.full_name + " menabung" not in pages
        assert f"{theirs:,}".replace(",", ".") not in pages
        assert str(theirs) not in statement
        withdrawals = client.get(_url("member-withdrawal", cooperative)).content.decode()
        assert ("5555566666" in withdrawals) is (me == budi)


@pytest.mark.parametrize("name", MEMBER_PAGES)
def test_a_member_of_another_cooperative_gets_404(cooperative, other_cooperative, saver, name):
    outsider = _member(other_cooperative)

    assert client_for(outsider.user).get(_url(name, cooperative)).status_code == 404


@pytest.mark.parametrize("name", MEMBER_PAGES)
def test_a_member_role_without_a_membership_gets_404(cooperative, member, name):
    assert client_for(member).get(_url(name, cooperative)).status_code == 404


@pytest.mark.parametrize("name", MEMBER_PAGES)
def test_staff_without_the_member_role_are_refused(cooperative, chair, name):
    assert client_for(chair).get(_url(name, cooperative)).status_code == 403


@pytest.mark.parametrize("name", MEMBER_PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, cooperative, name):
    response = client.get(_url(name, cooperative))

    assert response.status_code == 302
    assert response["Location"].startswith("/akun/login/")


def test_a_staff_member_who_is_also_a_member_sees_their_own_savings(cooperative, chair, saver):
    own = make_member(cooperative, user=chair)
    _deposit(own, "sukarela", 9_000)

    response = client_for(chair).get(_url("member-home", cooperative))

    assert response.context["member"] == own
    assert response.context["balances"].total == 9_000
    assert Posting.objects.filter(account__member=saver).exists()
