"""The board's dashboard (`/k/<slug>/kelola/`): figures with their trends, the to-do list, who
sees what, and a fixed number of queries whatever the number of members."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from koperasi.models import Role
from services.ledger.models import Posting
from services.snapshots import PortfolioSnapshot, snapshots_take
from tests.conftest import client_for
from tests.dashboards.conftest import admit, deposit, english
from tests.factories import RoleFactory, UserFactory

pytestmark = pytest.mark.django_db


def _url(cooperative) -> str:
    return f"/k/{cooperative.slug}/kelola/"


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_figures_now_and_at_each_month_end(board, book):
    response = board.get(_url(book.cooperative))

    assert response.status_code == 200
    figures = response.context["figures"]
    assert figures.members == 4
    assert figures.savings == {"pokok": 200_000, "wajib": 150_000, "sukarela": 2_200_000}
    assert figures.savings_total == 2_550_000
    assert (figures.loans.loans, figures.loans.outstanding, figures.loans.at_risk) == (
        2,
        1_800_000,
        1_200_000,
    )
    assert figures.loans.par30_percent == Decimal("66.67")
    months = figures.months
    assert [m.month for m in months] == book.firsts
    assert [m.members for m in months] == [2] * 6 + [3] * 3 + [2] * 2 + [4]
    assert [m.savings["pokok"] for m in months] == [100_000] * 6 + [200_000] * 6
    assert [m.savings["wajib"] for m in months] == [0] * 5 + [150_000] * 7
    assert [m.savings["sukarela"] for m in months] == (
        [0] * 2 + [2_000_000] * 6 + [1_700_000] * 3 + [2_200_000]
    )
    assert [m.loans for m in months] == [0] * 8 + [1_200_000] * 3 + [1_800_000]
    # PAR30: none before the first snapshot, the month's last snapshot, today's for this month.
    assert [m.par30_bp for m in months] == [None] * 8 + [0, 10_000, 10_000, 6_667]
    assert figures.months_without_snapshot == book.firsts[:8]
    this_year = figures.participation[-1]
    assert (this_year.members, this_year.took_part, this_year.percent) == (
        4,
        1,
        Decimal("25.00"),
    )

    page = _text(response)
    assert 'id="stat-members"><span>Active members</span><strong>4</strong>' in page
    assert "Rp 2.550.000" in page
    assert 'id="savings-pokok">Rp 200.000<' in page
    assert 'id="savings-wajib">Rp 150.000<' in page
    assert 'id="savings-sukarela">Rp 2.200.000<' in page
    assert "<strong>Rp 1.800.000</strong>" in page
    assert "<strong>66.67%</strong>" in page
    assert "Rp 1.200.000 more than 30 days late" in page
    assert "8 months have no snapshot and are left out (open circles)." in page


def test_the_charts_are_inline_svg_without_styles_or_scripts(board, book):
    page = board.get(_url(book.cooperative)).content.decode()

    for chart in ("members", "savings", "loans", "par30", "participation"):
        assert f'<svg id="chart-{chart}" class="chart"' in page
    # The PAR30 chart: 8 open circles for the months without a snapshot, and their names.
    par30 = page[page.index('<svg id="chart-par30"') :]
    par30 = par30[: par30.index("</svg>")]
    assert par30.count("<circle") == 8
    assert "No snapshot, left out:" in par30
    assert "style=" not in page
    assert "<script>" not in page
    assert "<script " not in page.replace('<script src="/static/', "")


def test_the_to_do_list_counts_and_links(board, book):
    page = _text(board.get(_url(book.cooperative)))
    slug = book.cooperative.slug

    assert "Waiting for you" in page
    expected = [
        ("applications", f"/k/{slug}/kelola/anggota/?status=applicant", "1 membership application"),
        ("loans-applied", f"/k/{slug}/kelola/pinjaman/?tab=applied", "1 loan waiting for approval"),
        (
            "loans-approved",
            f"/k/{slug}/kelola/pinjaman/?tab=approved",
            "1 approved loan to pay out",
        ),
        ("withdrawals", f"/k/{slug}/kelola/penarikan/", "1 withdrawal request waiting"),
        (
            "notifications",
            f"/k/{slug}/kelola/notifikasi-gagal/",
            "1 message that could not be delivered",
        ),
    ]
    for key, href, label in expected:
        item = re.search(rf'<li id="to-do-{key}"><a href="([^"]+)">(.*?)</a></li>', page)
        assert item is not None, key
        assert item.group(1) == href.replace("&", "&amp;")
        assert re.sub(r"<[^>]+>", "", item.group(2)).strip() == label
        assert board.get(href).status_code == 200
    assert "Nothing is waiting." not in page


def test_the_to_do_links_point_at_the_pages_that_list_the_items(board, book):
    slug = book.cooperative.slug

    applicants = board.get(f"/k/{slug}/kelola/anggota/?status=applicant").content.decode()
    applied = board.get(f"/k/{slug}/kelola/pinjaman/?tab=applied").context["loans"]
    approved = board.get(f"/k/{slug}/kelola/pinjaman/?tab=approved").context["loans"]

    assert "Eka Putri" in applicants
    assert [loan.pk for loan in applied] == [book.loans["citra"].pk]
    assert [loan.pk for loan in approved] == [book.loans["fajar"].pk]


def test_an_empty_cooperative_has_nothing_waiting(board_client, cooperative):
    response = english(board_client).get(_url(cooperative))

    assert response.status_code == 200
    page = _text(response)
    assert "Nothing is waiting." in page
    assert '<li id="to-do-' not in page
    assert response.context["figures"].months[-1].members == 0
    assert response.context["figures"].participation == []


def test_supervisors_see_everything_but_the_to_do_is_the_boards(supervisor_client, book):
    page = _text(supervisor_client.get(_url(book.cooperative)))

    assert "Waiting for the board" in page
    assert "Waiting for you" not in page
    for key in ("applications", "loans-applied", "loans-approved", "withdrawals", "notifications"):
        assert f'id="to-do-{key}"' in page
    for chart in ("members", "savings", "loans", "par30", "participation"):
        assert f'<svg id="chart-{chart}"' in page


def test_tellers_see_only_what_they_can_act_on(teller_client, book):
    response = teller_client.get(_url(book.cooperative))
    page = _text(response)

    assert response.status_code == 200
    assert "Waiting for you" in page
    assert re.findall(r"<li id=\"to-do-([a-z-]+)\"", page) == ["withdrawals"]
    assert response.context["figures"].loans is None
    assert '<svg id="chart-members"' in page
    assert '<svg id="chart-savings"' in page
    for hidden in ("loans", "par30", "participation"):
        assert f'<svg id="chart-{hidden}"' not in page
    assert "PAR30" not in page


def test_a_teller_with_nothing_to_act_on_is_told_so(cooperative, teller_client):
    page = _text(teller_client.get(_url(cooperative)))

    assert "Nothing is waiting." in page


@pytest.mark.parametrize("kind", [Role.Kind.BOARD, Role.Kind.SUPERVISOR, Role.Kind.TELLER])
def test_another_cooperatives_staff_get_404(kind, book, other_cooperative):
    outsider = RoleFactory(cooperative=other_cooperative, kind=kind).user

    assert client_for(outsider).get(_url(book.cooperative)).status_code == 404


def test_members_are_refused_and_anonymous_visitors_sent_to_log_in(client, book):
    member = client_for(book.members["ani"].user)

    assert member.get(_url(book.cooperative)).status_code == 403
    response = client.get(_url(book.cooperative))
    assert response.status_code == 302
    assert response["Location"].startswith("/akun/login/")


def _grow(cooperative, chair, count: int, start: int) -> None:
    today = timezone.localdate()
    for n in range(start, start + count):
        member = admit(cooperative, today, chair=chair, full_name=f"Anggota {n}")
        deposit(member, "sukarela", 10_000 + n, today)


def _queries(client, url) -> int:
    client.get(url)  # warm-up: sessions, translations
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_query_count_does_not_grow_with_members(cooperative, chair):
    client = client_for(chair)
    url = _url(cooperative)
    _grow(cooperative, chair, 5, 0)
    with_5 = _queries(client, url)

    _grow(cooperative, chair, 45, 5)
    with_50 = _queries(client, url)

    assert with_5 == with_50
    assert with_50 <= 13


def test_the_evening_snapshot_records_todays_figures(book, other_cooperative, pending_cooperative):
    written = snapshots_take()

    assert written == 2  # the two verified cooperatives; never the pending one
    today = timezone.localdate()
    shot = PortfolioSnapshot.objects.get(cooperative=book.cooperative, date=today)
    assert (
        shot.members,
        shot.savings_pokok,
        shot.savings_wajib,
        shot.savings_sukarela,
        shot.loans_outstanding,
        shot.par30_outstanding,
    ) == (4, 200_000, 150_000, 2_200_000, 1_800_000, 1_200_000)
    assert not PortfolioSnapshot.objects.filter(cooperative=pending_cooperative).exists()
    empty = PortfolioSnapshot.objects.get(cooperative=other_cooperative, date=today)
    assert (empty.members, empty.savings_total, empty.loans_outstanding) == (0, 0, 0)


def test_a_second_snapshot_on_the_same_day_replaces_the_first(book):
    snapshots_take()
    budi = book.members["budi"]
    deposit(budi, "sukarela", 75_000, timezone.localdate())

    snapshots_take()

    shots = PortfolioSnapshot.objects.filter(
        cooperative=book.cooperative, date=timezone.localdate()
    )
    assert [s.savings_sukarela for s in shots] == [2_275_000]


def _posting_queries(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in captured.captured_queries if Posting._meta.db_table in q["sql"]]


def test_the_closed_months_are_summed_once_then_only_this_months_postings_are_read(board, book):
    url = _url(book.cooperative)
    this_month = str(book.firsts[-1])

    first = _posting_queries(board, url)
    again = _posting_queries(board, url)

    assert len(first) == len(again) == 2
    assert any("GROUP BY" in sql and str(book.firsts[1]) in sql for sql in first)
    # Warm: an EXISTS for late entries in the closed months, and this month's postings.
    assert not any("GROUP BY" in sql and str(book.firsts[1]) in sql for sql in again)
    assert any("EXISTS" in sql.upper() or "LIMIT 1" in sql for sql in again)
    assert any(this_month in sql for sql in again)


def test_a_deposit_dated_back_into_a_closed_month_shows_at_once(board, book):
    url = _url(book.cooperative)
    board.get(url)  # the closed months are summed and cached
    deposit(book.members["budi"], "wajib", 25_000, book.firsts[7] + dt.timedelta(days=2))

    months = board.get(url).context["figures"].months

    assert [m.savings["wajib"] for m in months] == [0] * 5 + [150_000] * 2 + [175_000] * 5


def test_todays_deposit_shows_at_once(board, book):
    url = _url(book.cooperative)
    board.get(url)
    deposit(book.members["citra"], "pokok", 100_000, timezone.localdate())

    figures = board.get(url).context["figures"]

    assert figures.savings["pokok"] == 300_000
    assert [m.savings["pokok"] for m in figures.months] == [100_000] * 6 + [200_000] * 5 + [300_000]


def test_a_login_without_a_role_gets_404(book):
    stranger = client_for(UserFactory())

    assert stranger.get(_url(book.cooperative)).status_code == 404
