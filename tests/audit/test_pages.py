"""Reading the audit log: the board and supervisors of a cooperative, and platform staff."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import transaction
from django.utils import timezone

from koperasi.models import Event, Role
from tests.audit.conftest import browser
from tests.conftest import client_for
from tests.factories import RoleFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db

JAKARTA = dt.timezone(dt.timedelta(hours=7))


def record(*, kind, actor=None, cooperative=None, data=None, at=None, ip="203.0.113.7") -> Event:
    with transaction.atomic():
        return Event.objects.create(
            kind=kind,
            actor=actor,
            cooperative=cooperative,
            data=data or {},
            ip_address=ip,
            created_at=at or timezone.now(),
        )


def _url(cooperative, suffix="") -> str:
    return f"/k/{cooperative.slug}/kelola/audit/{suffix}"


def _ids(response) -> list[int]:
    return [row.event.pk for row in response.context["rows"]]


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


@pytest.fixture
def log(cooperative, other_cooperative, chair, teller, member, other_board):
    """A small history: this cooperative's events, its staff's sign-ins, and others'."""
    saver = make_member(cooperative, full_name="Sri Wahyuni")
    at = dt.datetime(2025, 3, 10, 9, 0, tzinfo=JAKARTA)
    return {
        "saver": saver,
        "deposit": record(
            kind="savings.deposited",
            actor=teller,
            cooperative=cooperative,
            data={"member_id": saver.pk, "amount": 250_000, "kind": "sukarela", "entry_id": 1},
            at=at,
        ),
        "grant": record(
            kind="role.granted",
            actor=chair,
            cooperative=cooperative,
            data={"user_id": teller.pk, "role": "teller", "title": ""},
            at=at + dt.timedelta(days=1),
        ),
        "policy": record(
            kind="loan.policy_changed",
            actor=chair,
            cooperative=cooperative,
            data={"two_approvals_above": [10_000_000, 5_000_000]},
            at=at + dt.timedelta(days=2),
        ),
        "teller_login": record(kind="auth.login", actor=teller, at=at + dt.timedelta(days=3)),
        "failed_on_chair": record(
            kind="auth.login_failed",
            data={"email": chair.email, "user_id": chair.pk},
            at=at + dt.timedelta(days=3, hours=1),
            ip="198.51.100.9",
        ),
        "denied_here": record(
            kind="access.denied",
            actor=other_board,
            cooperative=cooperative,
            data={"status": 404, "method": "GET", "path": f"/k/{cooperative.slug}/kelola/"},
            at=at + dt.timedelta(days=4),
        ),
        # Not this cooperative's business:
        "member_login": record(kind="auth.login", actor=member, at=at + dt.timedelta(days=3)),
        "other_login": record(kind="auth.login", actor=other_board, at=at + dt.timedelta(days=3)),
        "other_deposit": record(
            kind="savings.deposited",
            actor=other_board,
            cooperative=other_cooperative,
            data={"member_id": 999, "amount": 1_000, "kind": "sukarela"},
            at=at,
        ),
        "staff_denied_elsewhere": record(
            kind="access.denied",
            actor=teller,
            cooperative=other_cooperative,
            data={"status": 404, "method": "GET", "path": f"/k/{other_cooperative.slug}/"},
            at=at,
        ),
    }


MINE = ["denied_here", "failed_on_chair", "teller_login", "policy", "grant", "deposit"]


def _mine(log, cooperative) -> list[int]:
    """This cooperative's log, newest first: the fixture's events and make_member's."""
    fixture = [log[name].pk for name in MINE]
    admitted = list(
        Event.objects.filter(cooperative=cooperative, kind__startswith="member.")
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
    )
    return admitted + fixture  # applied and admitted today, after the fixture's 2025 dates


def test_a_supervisor_reads_the_log_newest_first(cooperative, english_supervisor, log):
    response = client_for(english_supervisor).get(_url(cooperative))

    assert response.status_code == 200
    assert _ids(response) == _mine(log, cooperative)
    page = response.content.decode()
    row = page[page.index(f'id="event-{log["deposit"].pk}"') :]
    row = row[: row.index("</tr>")]
    assert "10 Mar 2025" in row
    assert "09:00:00" in row  # Jakarta time
    assert "Deposit of Rp 250.000 from Sri Wahyuni (1): Voluntary savings" in row
    assert "203.0.113.7" in row
    assert log["deposit"].actor.full_name in row
    assert "Failed sign-in as " + cooperative.roles.get(title="chair").user.email in page
    assert "198.51.100.9" in page


def test_the_board_reads_it_too(cooperative, chair, log):
    assert _ids(client_for(chair).get(_url(cooperative))) == _mine(log, cooperative)


@pytest.mark.parametrize("who", ["teller", "member"])
def test_tellers_and_members_are_refused(request, cooperative, who, log):
    user = request.getfixturevalue(who)

    assert client_for(user).get(_url(cooperative)).status_code == 403
    assert client_for(user).get(_url(cooperative, "unduh.csv")).status_code == 403


def test_another_cooperatives_board_gets_404_and_never_sees_these_events(
    cooperative, other_cooperative, other_board, log
):
    client = client_for(other_board)

    assert client.get(_url(cooperative)).status_code == 404
    assert client.get(_url(cooperative, "unduh.csv")).status_code == 404
    own = client.get(_url(other_cooperative))
    own_csv = _csv(client.get(_url(other_cooperative, "unduh.csv")))

    shown = set(_ids(own))
    assert log["other_deposit"].pk in shown
    assert log["other_login"].pk in shown  # their own chair's sign-in
    assert not shown & set(_mine(log, cooperative))
    assert not {int(r[0]) for r in own_csv[1:]} & set(_mine(log, cooperative))


def test_anonymous_visitors_are_sent_to_log_in(client, cooperative):
    response = client.get(_url(cooperative))

    assert response.status_code == 302
    assert response["Location"].startswith("/akun/login/")


FILTERS = [
    ({"category": "money"}, ["deposit"]),
    ({"category": "roles"}, ["grant"]),
    ({"category": "settings"}, ["policy"]),
    ({"category": "sign_in"}, ["failed_on_chair", "teller_login"]),
    ({"category": "denied"}, ["denied_here"]),
    ({"kind": "POLICY"}, ["policy"]),
    ({"date_from": "2025-03-11", "date_to": "2025-03-12"}, ["policy", "grant"]),
    ({"date_to": "2025-03-10"}, ["deposit"]),
]


@pytest.mark.parametrize(("query", "expected"), FILTERS)
def test_filters(cooperative, supervisor, log, query, expected):
    response = client_for(supervisor).get(_url(cooperative), query)

    assert response.status_code == 200
    assert _ids(response) == [log[name].pk for name in expected]


def test_filter_by_actor_name_or_email(cooperative, supervisor, chair, log):
    by_email = client_for(supervisor).get(_url(cooperative), {"actor": chair.email.upper()})
    by_name = client_for(supervisor).get(_url(cooperative), {"actor": chair.full_name[1:-1]})

    assert _ids(by_email) == [log["policy"].pk, log["grant"].pk]
    assert _ids(by_name) == _ids(by_email)


def test_a_day_in_jakarta_is_the_filter_day(cooperative, supervisor, teller):
    late = record(
        kind="savings.deposited",
        actor=teller,
        cooperative=cooperative,
        at=dt.datetime(2025, 5, 1, 23, 30, tzinfo=JAKARTA),  # 16:30 UTC
    )
    record(
        kind="savings.deposited",
        actor=teller,
        cooperative=cooperative,
        at=dt.datetime(2025, 5, 2, 0, 30, tzinfo=JAKARTA),  # still 1 May in UTC
    )

    response = client_for(supervisor).get(
        _url(cooperative), {"date_from": "2025-05-01", "date_to": "2025-05-01"}
    )

    assert _ids(response) == [late.pk]


def test_dates_the_wrong_way_round_are_refused(cooperative, supervisor, log):
    response = client_for(supervisor).get(
        _url(cooperative), {"date_from": "2025-03-12", "date_to": "2025-03-10"}
    )

    assert response.status_code == 400
    assert response.context["rows"] == []


def test_older_events_page_by_page(cooperative, supervisor, teller):
    start = dt.datetime(2025, 1, 1, 8, 0, tzinfo=JAKARTA)
    made = [
        record(
            kind="savings.deposited",
            actor=teller,
            cooperative=cooperative,
            at=start + dt.timedelta(minutes=i // 2),  # pairs share a timestamp
        ).pk
        for i in range(55)
    ]
    newest_first = sorted(
        made,
        key=lambda pk: (Event.objects.get(pk=pk).created_at, pk),
        reverse=True,
    )
    client = client_for(supervisor)

    first = client.get(_url(cooperative), {"category": "money"})
    more = client.get(_url(cooperative) + first.context["next_url"], headers={"HX-Request": "true"})
    htmx = client.get(
        _url(cooperative) + first.context["next_url"],
        headers={"HX-Request": "true", "HX-Target": "load-more"},
    )

    assert _ids(first) == newest_first[:50]
    assert _ids(more) == newest_first[50:]
    assert more.context["next_url"] == ""
    assert "<html" not in htmx.content.decode()
    assert htmx.content.decode().count('class="event"') == 5


def test_a_cursor_that_does_not_exist_shows_nothing(cooperative, supervisor, log):
    response = client_for(supervisor).get(_url(cooperative), {"before": "99999999"})

    assert response.status_code == 200
    assert response.context["rows"] == []


def test_the_csv_holds_exactly_the_filtered_rows(cooperative, english_supervisor, chair, log):
    query = {"category": "sign_in"}

    response = client_for(english_supervisor).get(_url(cooperative, "unduh.csv"), query)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = _csv(response)
    assert rows[0] == [
        "Number",
        "When",
        "Who",
        "Email",
        "What",
        "Kind",
        "Cooperative",
        "IP address",
        "Browser",
        "Page",
        "Details",
    ]
    assert [int(r[0]) for r in rows[1:]] == [log["failed_on_chair"].pk, log["teller_login"].pk]
    failed = rows[1]
    assert failed[1] == "2025-03-13T10:00:00+07:00"
    assert failed[2:4] == ["", ""]
    assert failed[4] == f"Failed sign-in as {chair.email}"
    assert failed[5] == "auth.login_failed"
    assert failed[7] == "198.51.100.9"
    assert rows[2][2:4] == [log["teller_login"].actor.full_name, log["teller_login"].actor.email]
    exported = Event.objects.get(kind="data.exported")
    assert (exported.actor, exported.cooperative) == (english_supervisor, cooperative)
    assert exported.data == {"what": "audit", "filters": {"category": "sign_in"}}


def test_the_csv_without_filters_is_the_whole_log_up_to_the_download(cooperative, chair, log):
    rows = _csv(client_for(chair).get(_url(cooperative, "unduh.csv")))

    assert [int(r[0]) for r in rows[1:]] == _mine(log, cooperative)


def test_text_that_looks_like_a_formula_stays_text_in_the_csv(cooperative, supervisor):
    sly = RoleFactory(
        cooperative=cooperative, kind=Role.Kind.TELLER, user=UserFactory(full_name="=SUM(1+1)")
    ).user
    record(kind="auth.login_failed", data={"email": "@evil", "user_id": sly.pk})
    record(kind="role.granted", actor=sly, cooperative=cooperative, data={"note": "=1+1"})

    rows = _csv(client_for(supervisor).get(_url(cooperative, "unduh.csv")))

    assert rows[1][2] == "'=SUM(1+1)"
    assert rows[2][4] == "Gagal masuk sebagai @evil"  # the supervisor reads Indonesian


def test_a_new_staff_member_brings_their_sign_ins(cooperative, supervisor):
    newcomer = UserFactory()
    login = record(kind="auth.login", actor=newcomer)
    client = client_for(supervisor)
    assert login.pk not in _ids(client.get(_url(cooperative)))

    RoleFactory(cooperative=cooperative, user=newcomer, kind=Role.Kind.TELLER)

    assert login.pk in _ids(client.get(_url(cooperative)))


def test_the_log_page_costs_a_fixed_number_of_queries(
    cooperative, supervisor, teller, django_assert_max_num_queries
):
    savers = [make_member(cooperative) for _ in range(3)]
    for saver in savers:
        record(
            kind="savings.deposited",
            actor=teller,
            cooperative=cooperative,
            data={"member_id": saver.pk, "amount": 1_000, "kind": "wajib"},
        )
    client = client_for(supervisor)
    client.get(_url(cooperative))  # warm up the session and the tenant

    with django_assert_max_num_queries(12):
        assert client.get(_url(cooperative)).status_code == 200


# --- The platform's log --------------------------------------------------------------------


def test_platform_staff_read_every_event(platform_staff, cooperative, other_cooperative, log):
    client = client_for(platform_staff)

    response = client.get("/platform/audit/")
    by_cooperative = client.get("/platform/audit/", {"cooperative": other_cooperative.name})
    rows = _csv(client.get("/platform/audit/unduh.csv", {"category": "sign_in"}))

    assert response.status_code == 200
    assert set(_ids(response)) == set(
        Event.objects.exclude(kind="data.exported").values_list("pk", flat=True)
    )
    assert set(_ids(by_cooperative)) == {
        log["other_deposit"].pk,
        log["staff_denied_elsewhere"].pk,
    }
    assert {int(r[0]) for r in rows[1:]} == {
        log[name].pk for name in ("teller_login", "failed_on_chair", "member_login", "other_login")
    }


def test_the_platform_log_is_hidden_from_everybody_else(chair, cooperative):
    client = browser(chair)

    assert client.get("/platform/audit/").status_code == 404
    assert client.get("/platform/audit/unduh.csv").status_code == 404

    denied = list(
        Event.objects.filter(kind="access.denied")
        .order_by("pk")
        .values_list("data__view", flat=True)
    )
    assert denied == ["platform:audit", "platform:audit-csv"]
