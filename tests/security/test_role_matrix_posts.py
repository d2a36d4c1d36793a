"""What an empty POST does to every URL without an object id that accepts POST, for every kind
of visitor: the expected answers in one table, and proof that nothing was written.

302: anonymous visitors are sent to log in (a few forms that need no input redirect the people
allowed to use them); 400/415/422: the form or the JSON body is refused; 401: the JSON API without
a token; 403: known here but not allowed; 404: not theirs to know about; 405: POST not answered
there. A refusal writes nothing. An empty form writes nothing either, except at the few URLs that
need no input at all (`WRITES`), whose one change is asserted.
A URL that accepts POST and is missing from the table fails `test_every_post_is_in_the_table`.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.urls import URLResolver, get_resolver, reverse

from tests.security.visitors import VISITORS, shared_world

pytestmark = pytest.mark.django_db

# fmt: off
# anonymous, member, teller, supervisor, board (chair), other cooperative's board,
# partner owner, partner staff, platform staff, API token (no session)
#                                      anon memb tell supv bord othr ownr staf plat tokn
MATRIX = {
    # A cooperative's area (/k/<slug>/)
    "koperasi:cooperative-edit":      (302, 403, 403, 403, 200, 404, 404, 404, 404, 302),
    "koperasi:role-list":             (302, 403, 403, 403, 200, 404, 404, 404, 404, 302),
    "koperasi:member-join":           (200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "koperasi:member-add":            (302, 403, 403, 403, 200, 404, 404, 404, 404, 302),
    "koperasi:import-start":          (302, 403, 403, 403, 200, 404, 404, 404, 404, 302),
    "koperasi:teller":                (302, 403, 200, 403, 200, 404, 404, 404, 404, 302),
    "koperasi:savings-product":       (302, 403, 403, 403, 200, 404, 404, 404, 404, 302),
    "koperasi:member-withdrawal":     (302, 200, 403, 403, 403, 404, 404, 404, 404, 302),
    "koperasi:loan-apply":            (302, 400, 403, 403, 403, 404, 404, 404, 404, 302),
    "koperasi:loan-product-create":   (302, 403, 403, 403, 400, 404, 404, 404, 404, 302),
    "koperasi:loan-policy":           (302, 403, 403, 403, 400, 404, 404, 404, 404, 302),
    "koperasi:loan-portfolio-csv":    (302, 403, 302, 302, 302, 404, 404, 404, 404, 302),
    "koperasi:loan-portfolio-xlsx":   (302, 403, 302, 302, 302, 404, 404, 404, 404, 302),
    "koperasi:announcement-list":     (302, 403, 403, 403, 200, 404, 404, 404, 404, 302),
    "koperasi:meeting-create":        (302, 403, 403, 403, 200, 404, 404, 404, 404, 302),
    "koperasi:vote-create":           (302, 403, 403, 403, 200, 404, 404, 404, 404, 302),
    "koperasi:shu-list":              (302, 403, 403, 403, 400, 404, 404, 404, 404, 302),
    "koperasi:participation-weights": (302, 403, 403, 403, 400, 404, 404, 404, 404, 302),
    "koperasi:member-purchase-code":  (302, 302, 403, 403, 403, 404, 404, 404, 404, 302),
    "koperasi:partnership-propose":   (302, 403, 403, 403, 200, 404, 404, 404, 404, 302),
    "koperasi:partner-invite":        (302, 403, 403, 403, 200, 404, 404, 404, 404, 302),
    "koperasi:period-close-submit":   (302, 403, 403, 403, 400, 404, 404, 404, 404, 302),
    "koperasi:month-end":             (302, 403, 403, 403, 400, 404, 404, 404, 404, 302),
    "koperasi:rat-pack":              (302, 403, 403, 200, 200, 404, 404, 404, 404, 302),
    # Outside it (the platform has no POST without an id)
    "koperasi:cooperative-register":  (302, 200, 200, 200, 200, 200, 200, 200, 200, 302),
    "notifications:read-all":         (302, 302, 302, 302, 302, 302, 302, 302, 302, 302),
    "notifications:preferences":      (302, 302, 302, 302, 302, 302, 302, 302, 302, 302),
    "partners:register":              (302, 200, 200, 200, 200, 200, 302, 302, 200, 302),
    "partners:partnership-list":      (302, 404, 404, 404, 404, 404, 200, 403, 404, 302),
    "partners:offer-create":          (302, 404, 404, 404, 404, 404, 422, 422, 404, 302),
    "partners:purchase-record":       (302, 404, 404, 404, 404, 404, 400, 400, 404, 302),
    "partners:token-list":            (302, 404, 404, 404, 404, 404, 200, 403, 404, 302),
    # The JSON API: a session is no token; a body not sent as JSON is refused (415)
    "api:api-root":                   (200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "api:openapi-json":               (200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "api:openapi-view":               (200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "api:offer_create_endpoint":      (401, 401, 401, 401, 401, 401, 401, 401, 401, 415),
    "api:order_list":                 (405, 405, 405, 405, 405, 405, 405, 405, 405, 405),
    "api:purchase_create":            (401, 401, 401, 401, 401, 401, 401, 401, 401, 415),
    "api:figures_list":               (405, 405, 405, 405, 405, 405, 405, 405, 405, 405),
    "api:not-found":                  (404, 404, 404, 404, 404, 404, 404, 404, 404, 404),
}

LOGGED_IN = tuple(v for v in VISITORS if v not in {"anonymous", "token"})

#: The URLs that need no input: an empty POST is the whole request, and writes what it says.
#: Who may write, and the tables that change; every other answer writes nothing.
WRITES = {
    # The export is made in the background: a job (supervisors may read the books).
    "koperasi:loan-portfolio-csv":   (("teller", "supervisor", "board"), {"services.job"}),
    "koperasi:loan-portfolio-xlsx":  (("teller", "supervisor", "board"), {"services.job"}),
    # A new shopping code for the member.
    "koperasi:member-purchase-code": (("member",), {"partners.purchasecode"}),
    # Every notification of the person marked read (of those who have notifications).
    "notifications:read-all":        (("member", "board", "partner"),
                                      {"notifications.notification"}),
    # No box ticked: every notification off but the security ones, which stay on.
    "notifications:preferences":     (LOGGED_IN, {"notifications.preference"}),
    # The refused form still reads the approval rule, which is created with its default
    # the first time anybody reads it (the products page does the same on GET).
    "koperasi:loan-policy":          (("board",), {"services.loanpolicy"}),
}
# fmt: on

#: URLs whose address is not just `reverse(name)` (with the cooperative's slug under /k/).
ADDRESSES = {
    "api:not-found": "/api/v1/tidak-ada",
}

LOGIN = "/akun/login/"
OUT_OF_SCOPE = ("akun/", "i18n/", "django-admin/", "static/", "media/")
COOPERATIVE = "k/<slug:coop_slug>/"

#: Apps whose rows must not change; the audit trail and the regions are left out.
STATE_APPS = ("account", "mfa", "koperasi", "notifications", "members", "services", "partners")
NOT_STATE = {"koperasi.event", "koperasi.province", "koperasi.regency"}
#: Columns a request may touch without changing anything a person would notice.
NOISE = {"last_login", "last_used_at"}


def _walk(patterns, route="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _walk(pattern.url_patterns, route + str(pattern.pattern), inner)
        elif pattern.name:
            yield route + str(pattern.pattern), namespace + pattern.name, pattern.callback


def _methods(view) -> set[str] | None:
    """The methods a view's `require_http_methods` admits; None when it declares none."""
    while view is not None:
        code = getattr(view, "__code__", None)
        if code is not None and "request_method_list" in code.co_freevars:
            cell = view.__closure__[code.co_freevars.index("request_method_list")]
            return set(cell.cell_contents)
        view = getattr(view, "__wrapped__", None)
    return None


def _post_routes() -> dict[str, set[str]]:
    """Each route without an object id that may take POST (or does not say), with its names."""
    routes: dict[str, set[str]] = {}
    for route, name, view in _walk(get_resolver().url_patterns):
        if route.startswith(OUT_OF_SCOPE):
            continue
        ids = route.removeprefix(COOPERATIVE).count("<")
        methods = _methods(view)
        if ids == 0 and (methods is None or "POST" in methods):
            routes.setdefault(route, set()).add(name)
    return routes


def _address(world, name: str) -> str:
    if name in ADDRESSES:
        return ADDRESSES[name]
    route = next(route for route, names in _post_routes().items() if name in names)
    return reverse(name, args=[world.cooperative.slug] if route.startswith(COOPERATIVE) else [])


def _state_models() -> list:
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in STATE_APPS and model._meta.label_lower not in NOT_STATE
    ]


def _rows(model) -> list[tuple]:
    columns = [f.attname for f in model._meta.concrete_fields if f.attname not in NOISE]
    return list(model.objects.order_by("pk").values_list(*columns))


def _state() -> dict[str, list[tuple]]:
    """Every row of the portal's own tables, less the audit trail and noisy columns."""
    return {model._meta.label_lower: _rows(model) for model in _state_models()}


def _changed_tables(before: dict[str, list[tuple]]) -> set[str]:
    """The tables that differ from `before`: the row counts of all in one query, the rows of
    those that had rows (only they can have been edited)."""
    quote = connection.ops.quote_name
    models = _state_models()
    counts = " UNION ALL ".join(
        f"SELECT %s, COUNT(*) FROM {quote(model._meta.db_table)}"  # noqa: S608 (model tables)
        for model in models
    )
    with connection.cursor() as cursor:
        cursor.execute(counts, [model._meta.label_lower for model in models])
        changed = {label for label, count in cursor.fetchall() if count != len(before[label])}
    return changed | {
        model._meta.label_lower
        for model in models
        if before[model._meta.label_lower] and _rows(model) != before[model._meta.label_lower]
    }


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with shared_world(django_db_blocker) as world:
        yield world


@pytest.fixture(scope="module")
def state_before(world):
    return _state()


def _post(client, url: str, before, data=None):
    """POST, and the tables it changed; rolled back, so that every visitor meets the same world."""
    with transaction.atomic():
        response = client.post(url, data or {})
        changed = _changed_tables(before)
        transaction.set_rollback(True)
    return response, changed


def test_every_post_is_in_the_table():
    routes = _post_routes()
    missing = sorted(
        " or ".join(sorted(names)) for names in routes.values() if not names & set(MATRIX)
    )

    assert missing == []
    assert sorted(set(MATRIX) - set().union(*routes.values())) == []


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_each_visitor_gets_the_expected_answer_and_nothing_else_changes(world, state_before, name):
    url = _address(world, name)
    writers, tables = WRITES.get(name, ((), set()))
    answers, changes, elsewhere = {}, {}, set()

    for visitor in VISITORS:
        response, changes[visitor] = _post(world.clients[visitor], url, state_before)
        answers[visitor] = response.status_code
        if response.status_code == 302 and visitor in {"anonymous", "token"}:
            elsewhere |= {response["Location"]} - {f"{LOGIN}?next={url}"}

    assert answers == dict(zip(VISITORS, MATRIX[name], strict=True))
    assert changes == {visitor: tables if visitor in writers else set() for visitor in VISITORS}
    assert elsewhere == set()


FILLED_IN_NOTHING = {"csrfmiddlewaretoken": "-"}


@pytest.mark.parametrize(
    "name", sorted(n for n in MATRIX if not n.startswith("api:") and n not in WRITES)
)
def test_a_form_sent_with_nothing_filled_in_is_refused_with_its_errors(world, state_before, name):
    """A browser's form always carries its CSRF field: the form is bound, and its errors show.
    (With a body truly empty, `Form(request.POST or None)` is unbound: the page shows again.)"""
    url = _address(world, name)
    allowed = [
        v
        for v, status in zip(VISITORS, MATRIX[name], strict=True)
        if v in LOGGED_IN and status in {200, 400, 422}
    ]
    answers = {}

    for visitor in allowed:
        response, changed = _post(world.clients[visitor], url, state_before, FILLED_IN_NOTHING)
        answers[visitor] = (
            response.status_code in {200, 400, 422},
            'role="alert"' in response.content.decode(),
            changed,
        )

    assert allowed
    assert answers == {visitor: (True, True, set()) for visitor in allowed}
