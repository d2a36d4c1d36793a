"""Who may open each page of a cooperative that names an object: every URL under /k/<slug>/
with ids (and the report downloads, named by report and format), requested by GET with the
cooperative's own objects, for every kind of visitor, with its expected answer in one table.

The visitors are those of test_role_matrix.py; "member" is the member whose loan, order and
notifications the world holds, "partner" the owner of the partner that works with this
cooperative. 200: the page (or file); 302: sent to log in; 403: known here but not allowed;
404: not theirs to know about (other cooperatives' board, partners, platform staff; and a
member asking for a job: jobs are the back office's, see services/jobs/views.py); 405: the URL
takes POST only, and the visitor got past the role check.
A new such URL missing from the table fails `test_every_page_with_ids_is_in_the_table`.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse

from tests.conftest import client_for
from tests.security.test_isolation_sweep import SWEEP
from tests.security.test_role_matrix import VISITORS
from tests.security.world import World, world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

# fmt: off
# page:                       anonymous member teller supervisor board other-board partner platform
MATRIX = {
    "announcement-detail":          (302, 403, 403, 200, 200, 404, 404, 404),
    "announcement-status":          (302, 403, 403, 200, 200, 404, 404, 404),
    "import-accept":                (302, 403, 403, 403, 405, 404, 404, 404),
    "import-detail":                (302, 403, 403, 200, 200, 404, 404, 404),
    "import-status":                (302, 403, 403, 200, 200, 404, 404, 404),
    "job-detail":                   (302, 404, 200, 200, 200, 404, 404, 404),
    "job-download":                 (302, 404, 200, 200, 200, 404, 404, 404),
    "loan-approve":                 (302, 403, 403, 403, 405, 404, 404, 404),
    "loan-detail":                  (302, 403, 200, 200, 200, 404, 404, 404),
    "loan-disburse":                (302, 403, 403, 403, 405, 404, 404, 404),
    "loan-product-edit":            (302, 403, 200, 200, 200, 404, 404, 404),
    "loan-receipt":                 (302, 403, 200, 200, 200, 404, 404, 404),
    "loan-reject":                  (302, 403, 403, 403, 405, 404, 404, 404),
    "loan-repay":                   (302, 403, 200, 403, 200, 404, 404, 404),
    "meeting-admin":                (302, 403, 200, 200, 200, 404, 404, 404),
    "meeting-document":             (302, 200, 200, 200, 200, 404, 404, 404),
    "meeting-document-upload":      (302, 403, 403, 403, 405, 404, 404, 404),
    "meeting-door":                 (302, 403, 405, 403, 405, 404, 404, 404),
    "meeting-quorum":               (302, 403, 200, 200, 200, 404, 404, 404),
    "member-decide":                (302, 403, 403, 403, 405, 404, 404, 404),
    "member-detail":                (302, 403, 200, 200, 200, 404, 404, 404),
    "member-exit":                  (302, 403, 403, 403, 405, 404, 404, 404),
    "member-loan-detail":           (302, 200, 403, 403, 403, 404, 404, 404),
    "member-loan-repay":            (302, 405, 403, 403, 403, 404, 404, 404),
    "member-meeting":               (302, 200, 403, 403, 403, 404, 404, 404),
    "member-meeting-checkin":       (302, 405, 403, 403, 403, 404, 404, 404),
    "member-meeting-rsvp":          (302, 405, 403, 403, 403, 404, 404, 404),
    "member-offer-detail":          (302, 200, 403, 403, 403, 404, 404, 404),
    "member-offer-picture":         (302, 200, 403, 403, 403, 404, 404, 404),
    "member-offer-thumbnail":       (302, 200, 403, 403, 403, 404, 404, 404),
    "member-order-cancel":          (302, 405, 403, 403, 403, 404, 404, 404),
    "member-vote":                  (302, 200, 403, 403, 403, 404, 404, 404),
    "notification-failure-retry":   (302, 403, 403, 403, 405, 404, 404, 404),
    "partnership-accept":           (302, 403, 403, 403, 405, 404, 404, 404),
    "partnership-end":              (302, 403, 403, 403, 405, 404, 404, 404),
    "partnership-figures-grant":    (302, 403, 403, 403, 405, 404, 404, 404),
    "partnership-figures-revoke":   (302, 403, 403, 403, 405, 404, 404, 404),
    "receipt":                      (302, 403, 200, 200, 200, 404, 404, 404),
    "report-download":              (302, 403, 403, 200, 200, 404, 404, 404),
    "role-revoke":                  (302, 403, 403, 403, 405, 404, 404, 404),
    "shu-csv":                      (302, 403, 403, 200, 200, 404, 404, 404),
    "shu-detail":                   (302, 403, 403, 200, 200, 404, 404, 404),
    "shu-publish":                  (302, 403, 403, 403, 405, 404, 404, 404),
    "vote-admin":                   (302, 403, 200, 200, 200, 404, 404, 404),
    "withdrawal-request-decide":    (302, 403, 405, 403, 405, 404, 404, 404),
}
# fmt: on

#: URLs whose other arguments are not objects: what to fill them with.
OTHER_ARGUMENTS = {"report-download": {"report": "neraca", "fmt": "csv"}}


def _pages_with_ids() -> list[str]:
    """The names of the URLs under /k/<slug>/ that take another argument."""

    def walk(patterns, route=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route + str(pattern.pattern))
            elif pattern.name:
                yield route + str(pattern.pattern), pattern.name

    prefix = "k/<slug:coop_slug>/"
    return sorted(
        {
            name
            for route, name in walk(get_resolver().url_patterns)
            if route.startswith(prefix) and route.count("<") > 1
        }
    )


def _url(world: World, name: str) -> str:
    own = world.a
    arguments = OTHER_ARGUMENTS.get(name) or {
        kwarg: getattr(own, attribute).pk
        for kwarg, attribute in SWEEP[f"koperasi:{name}"].ids.items()
    }
    return reverse(f"koperasi:{name}", kwargs={"coop_slug": own.cooperative.slug, **arguments})


@pytest.fixture(scope="module")
def clients(world, django_db_blocker) -> dict[str, Client]:
    """One signed-in client per visitor for the module (signing in is most of a request's
    cost); each test's changes to their sessions are rolled back with it."""
    own = world.a
    users = {
        "anonymous": None,
        "member": own.member.user,
        "teller": own.teller,
        "supervisor": own.supervisor,
        "board": own.board,
        "other_board": world.b.board,
        "partner": own.partner_owner,
        "platform": world.platform_staff,
    }
    with django_db_blocker.unblock():
        return {visitor: client_for(user) if user else Client() for visitor, user in users.items()}


def test_every_page_with_ids_is_in_the_table():
    assert sorted(MATRIX) == _pages_with_ids()


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_each_visitor_gets_the_expected_answer(world, clients, name):
    url = _url(world, name)

    answers = {visitor: clients[visitor].get(url).status_code for visitor in VISITORS}

    assert answers == dict(zip(VISITORS, MATRIX[name], strict=True))
