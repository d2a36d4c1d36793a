"""Who may open each page of a cooperative: every GET page under /k/<slug>/ that takes no
other id, for every kind of visitor, with its expected answer in one table.

200: the page; 302: sent to log in (or, for a form reached by GET only to redirect, elsewhere);
400: the page needs its parameters (the simulator's CSV); 403: known here but not allowed;
404: not theirs to know about (other cooperatives' board, partners, platform staff: a partner
never reaches a member's page); 405: the URL takes POST only.
A new page under /k/<slug>/ that is missing from the table fails `test_every_page_is_in_the_table`.
"""

from __future__ import annotations

import pytest
from django.urls import URLResolver, get_resolver

from koperasi.models import Role
from partners.models import Partner, PartnerUser
from tests.conftest import client_for
from tests.factories import CooperativeFactory, RoleFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db

VISITORS = (
    "anonymous",
    "member",
    "teller",
    "supervisor",
    "board",
    "other_board",
    "partner",
    "platform",
)

# fmt: off
# page:                      anonymous member teller supervisor board other-board partner platform
MATRIX = {
    "announcement-list":        (302, 403, 403, 200, 200, 404, 404, 404),
    "arrears":                  (302, 403, 200, 200, 200, 404, 404, 404),
    "audit-csv":                (302, 403, 403, 200, 200, 404, 404, 404),
    "audit-log":                (302, 403, 403, 200, 200, 404, 404, 404),
    "cooperative-edit":         (302, 403, 200, 200, 200, 404, 404, 404),
    "cooperative-home":         (200, 200, 200, 200, 200, 200, 200, 200),
    "dashboard":                (302, 403, 200, 200, 200, 404, 404, 404),
    "import-start":             (302, 403, 403, 200, 200, 404, 404, 404),
    "import-template":          (302, 403, 403, 200, 200, 404, 404, 404),
    "job-list":                 (302, 403, 200, 200, 200, 404, 404, 404),
    "loan-apply":               (302, 200, 403, 403, 403, 404, 404, 404),
    "loan-list":                (302, 403, 200, 200, 200, 404, 404, 404),
    "loan-policy":              (302, 403, 403, 403, 405, 404, 404, 404),
    "loan-portfolio":           (302, 403, 200, 200, 200, 404, 404, 404),
    "loan-portfolio-csv":       (302, 403, 200, 200, 200, 404, 404, 404),
    "loan-portfolio-xlsx":      (302, 403, 200, 200, 200, 404, 404, 404),
    "loan-product-create":      (302, 403, 403, 403, 200, 404, 404, 404),
    "loan-products":            (302, 403, 200, 200, 200, 404, 404, 404),
    "loan-simulator":           (200, 200, 200, 200, 200, 200, 200, 200),
    "loan-simulator-csv":       (400, 400, 400, 400, 400, 400, 400, 400),
    "meeting-create":           (302, 403, 403, 403, 200, 404, 404, 404),
    "meeting-list":             (302, 403, 200, 200, 200, 404, 404, 404),
    "member-add":               (302, 403, 403, 403, 200, 404, 404, 404),
    "member-history":           (302, 200, 403, 403, 403, 404, 404, 404),
    "member-home":              (302, 200, 403, 403, 403, 404, 404, 404),
    "member-join":              (200, 200, 200, 200, 200, 200, 200, 200),
    "member-list":              (302, 403, 200, 200, 200, 404, 404, 404),
    "member-loans":             (302, 200, 403, 403, 403, 404, 404, 404),
    "member-meetings":          (302, 200, 403, 403, 403, 404, 404, 404),
    "member-offer-list":        (302, 200, 403, 403, 403, 404, 404, 404),
    "member-order-list":        (302, 200, 403, 403, 403, 404, 404, 404),
    "member-participation":     (302, 200, 403, 403, 403, 404, 404, 404),
    "member-purchase-code":     (302, 200, 403, 403, 403, 404, 404, 404),
    "member-purchase-list":     (302, 200, 403, 403, 403, 404, 404, 404),
    "member-shu":               (302, 200, 403, 403, 403, 404, 404, 404),
    "member-statement-csv":     (302, 200, 403, 403, 403, 404, 404, 404),
    "member-statement-pdf":     (302, 200, 403, 403, 403, 404, 404, 404),
    "member-statement-xlsx":    (302, 200, 403, 403, 403, 404, 404, 404),
    "member-votes":             (302, 200, 403, 403, 403, 404, 404, 404),
    "member-withdrawal":        (302, 200, 403, 403, 403, 404, 404, 404),
    "month-end":                (302, 403, 403, 200, 200, 404, 404, 404),
    "notification-failures":    (302, 403, 403, 200, 200, 404, 404, 404),
    "participation-board":      (302, 403, 200, 200, 200, 404, 404, 404),
    "participation-weights":    (302, 403, 403, 403, 405, 404, 404, 404),
    "partner-invite":           (302, 403, 403, 403, 200, 404, 404, 404),
    "partner-sales":            (302, 403, 403, 200, 200, 404, 404, 404),
    "partner-sales-csv":        (302, 403, 403, 200, 200, 404, 404, 404),
    "partnership-list":         (302, 403, 403, 200, 200, 404, 404, 404),
    "partnership-propose":      (302, 403, 403, 403, 200, 404, 404, 404),
    "period-close":             (302, 403, 403, 200, 200, 404, 404, 404),
    "period-close-submit":      (302, 403, 403, 403, 405, 404, 404, 404),
    "rat-pack":                 (302, 403, 403, 200, 200, 404, 404, 404),
    "reports":                  (302, 403, 403, 200, 200, 404, 404, 404),
    "role-list":                (302, 403, 200, 200, 200, 404, 404, 404),
    "savings-product":          (302, 403, 200, 200, 200, 404, 404, 404),
    "shu-list":                 (302, 403, 403, 200, 200, 404, 404, 404),
    "teller":                   (302, 403, 200, 403, 200, 404, 404, 404),
    "teller-member":            (302, 403, 200, 403, 200, 404, 404, 404),
    "vote-create":              (302, 403, 403, 403, 200, 404, 404, 404),
    "vote-list":                (302, 403, 200, 200, 200, 404, 404, 404),
    "withdrawal-requests":      (302, 403, 200, 200, 200, 404, 404, 404),
}
# fmt: on


def _cooperative_pages() -> list[str]:
    """The names of the pages under /k/<slug>/ that take no other argument."""

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
            if route.startswith(prefix) and route.count("<") == 1
        }
    )


@pytest.fixture
def visitors(cooperative):
    board = RoleFactory(cooperative=cooperative, kind=Role.Kind.BOARD, title=Role.Title.CHAIR)
    member = make_member(cooperative, user=UserFactory(), acting_user=board.user)
    other = CooperativeFactory()
    partner_user = UserFactory()
    partner = Partner.objects.create(
        name="CV Mitra",
        npwp="012345678901234",
        kind=Partner.Kind.SUPPLIER,
        address="Bandung",
        phone="+62225550001",
        email="mitra@example.test",
    )
    PartnerUser.objects.create(partner=partner, user=partner_user, role=PartnerUser.Role.OWNER)
    return {
        "anonymous": None,
        "member": member.user,
        "teller": RoleFactory(cooperative=cooperative, kind=Role.Kind.TELLER).user,
        "supervisor": RoleFactory(cooperative=cooperative, kind=Role.Kind.SUPERVISOR).user,
        "board": board.user,
        "other_board": RoleFactory(cooperative=other, kind=Role.Kind.BOARD).user,
        "partner": partner_user,
        "platform": UserFactory(is_platform_staff=True),
    }


def _answers(cooperative, visitors, name: str) -> tuple[int, ...]:
    from django.test import Client
    from django.urls import reverse

    url = reverse(f"koperasi:{name}", args=[cooperative.slug])
    answers = []
    for visitor in VISITORS:
        user = visitors[visitor]
        client = client_for(user) if user else Client()
        answers.append(client.get(url).status_code)
    return tuple(answers)


def test_every_page_is_in_the_table():
    assert sorted(MATRIX) == _cooperative_pages()


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_each_visitor_gets_the_expected_answer(cooperative, visitors, name):
    expected = dict(zip(VISITORS, MATRIX[name], strict=True))

    assert dict(zip(VISITORS, _answers(cooperative, visitors, name), strict=True)) == expected
