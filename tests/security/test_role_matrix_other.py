"""Who may open each page outside a cooperative's area: every GET page that takes no id, for
every kind of visitor (see tests/security/visitors.py), with its expected answer in one table.

200: the page; 302: to log in (anonymous, and a bare API token: it opens no page of the portal),
or, for a partner user opening the registration, to their own portal; 401: the JSON API without
a valid token (a portal session is not one); 403: the figures, for banks and funds only (the
partner here is a supplier); 404: not theirs to know about (the platform for anyone but its
staff, the partner portal's business pages for anyone but partner users); 405: POST only.
A page outside /k/<slug>/ missing from the table fails `test_every_page_is_in_the_table`.
"""

from __future__ import annotations

import pytest
from django.urls import URLResolver, get_resolver, reverse

from tests.security.visitors import VISITORS, shared_world

pytestmark = pytest.mark.django_db

# fmt: off
# anonymous, member, teller, supervisor, board (chair), other cooperative's board,
# partner owner, partner staff, platform staff, API token (no session)
#                                     anon memb tell supv bord othr ownr staf plat tokn
MATRIX = {
    "home":                          (200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "koperasi:cooperative-register": (302, 200, 200, 200, 200, 200, 200, 200, 200, 302),
    "koperasi:my-cooperatives":      (302, 200, 200, 200, 200, 200, 200, 200, 200, 302),
    "koperasi:regency-options":      (200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "platform:home":                 (302, 404, 404, 404, 404, 404, 404, 404, 200, 302),
    "platform:audit":                (302, 404, 404, 404, 404, 404, 404, 404, 200, 302),
    "platform:audit-csv":            (302, 404, 404, 404, 404, 404, 404, 404, 200, 302),
    "notifications:inbox":           (302, 200, 200, 200, 200, 200, 200, 200, 200, 302),
    "notifications:preferences":     (302, 200, 200, 200, 200, 200, 200, 200, 200, 302),
    "notifications:read-all":        (405, 405, 405, 405, 405, 405, 405, 405, 405, 405),
    "partners:home":                 (200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "partners:register":             (302, 200, 200, 200, 200, 200, 302, 302, 200, 302),
    "partners:partnership-list":     (302, 404, 404, 404, 404, 404, 200, 200, 404, 302),
    "partners:offer-list":           (302, 404, 404, 404, 404, 404, 200, 200, 404, 302),
    "partners:offer-create":         (302, 404, 404, 404, 404, 404, 200, 200, 404, 302),
    "partners:order-list":           (302, 404, 404, 404, 404, 404, 200, 200, 404, 302),
    "partners:purchase-list":        (302, 404, 404, 404, 404, 404, 200, 200, 404, 302),
    "partners:purchase-record":      (302, 404, 404, 404, 404, 404, 200, 200, 404, 302),
    "partners:settlement-list":      (302, 404, 404, 404, 404, 404, 200, 200, 404, 302),
    "partners:figures":              (302, 404, 404, 404, 404, 404, 403, 403, 404, 302),
    "partners:token-list":           (302, 404, 404, 404, 404, 404, 200, 200, 404, 302),
    "api:api-root":                  (200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "api:openapi-json":              (200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "api:openapi-view":              (200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "api:offer_list":                (401, 401, 401, 401, 401, 401, 401, 401, 401, 200),
    "api:order_list":                (401, 401, 401, 401, 401, 401, 401, 401, 401, 200),
    "api:purchase_list":             (401, 401, 401, 401, 401, 401, 401, 401, 401, 200),
    "api:figures_list":              (401, 401, 401, 401, 401, 401, 401, 401, 401, 200),
    "api:not-found":                 (404, 404, 404, 404, 404, 404, 404, 404, 404, 404),
}
# fmt: on

LOGIN = "/akun/login/"

#: Pages whose address is not just `reverse(name)`.
ADDRESSES = {
    "koperasi:regency-options": "/wilayah/kabupaten/?province=32",
    "api:not-found": "/api/v1/tidak-ada",
}

#: Whose pages these are not: the cooperative's area (test_role_matrix.py), the accounts
#: (allauth), the language switch, Django's admin.
OUT_OF_SCOPE = ("k/", "akun/", "i18n/", "django-admin/", "static/", "media/")


def _routes() -> dict[str, set[str]]:
    """Each route outside the cooperative's area that takes no id, with its names."""

    def walk(patterns, route="", namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
                yield from walk(pattern.url_patterns, route + str(pattern.pattern), inner)
            elif pattern.name:
                yield route + str(pattern.pattern), namespace + pattern.name

    routes: dict[str, set[str]] = {}
    for route, name in walk(get_resolver().url_patterns):
        if not route.startswith(OUT_OF_SCOPE) and "<" not in route:
            routes.setdefault(route, set()).add(name)
    return routes


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with shared_world(django_db_blocker) as world:
        yield world


def _address(name: str) -> str:
    return ADDRESSES.get(name) or reverse(name)


def test_every_page_is_in_the_table():
    missing = sorted(
        " or ".join(sorted(names)) for names in _routes().values() if not names & set(MATRIX)
    )
    known = set().union(*_routes().values())

    assert missing == []
    assert sorted(set(MATRIX) - known) == []


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_each_visitor_gets_the_expected_answer(world, name):
    url = _address(name)
    answers, elsewhere = {}, set()

    for visitor in VISITORS:
        response = world.clients[visitor].get(url)
        answers[visitor] = response.status_code
        if response.status_code == 302 and visitor in {"anonymous", "token"}:
            elsewhere |= {response["Location"]} - {f"{LOGIN}?next={url}"}

    assert answers == dict(zip(VISITORS, MATRIX[name], strict=True))
    assert elsewhere == set()


def test_the_public_answers_show_no_business_data(world):
    """The 200s that everybody gets: the portal's landing, the API's root, docs and schema
    name no partner and no offer; the region list is the province's."""
    public = ["partners:home", "api:api-root", "api:openapi-json", "api:openapi-view"]
    outsiders = [v for v in VISITORS if v not in {"partner", "partner_staff"}]

    leaks = {
        (name, visitor)
        for name in public
        for visitor in outsiders
        for secret in (world.partner.name, world.offer.title)
        if secret in world.clients[visitor].get(_address(name)).content.decode()
    }
    owner_home = world.clients["partner"].get(reverse("partners:home")).content.decode()
    regencies = world.clients["anonymous"].get(_address("koperasi:regency-options"))

    assert leaks == set()
    assert world.partner.name in owner_home
    assert "Kota Bandung" in regencies.content.decode()
