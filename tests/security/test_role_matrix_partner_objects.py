"""Who may open or act on each partner-portal URL that names an object (or a month), with
partner P1's own objects, for every kind of visitor, in one table.

Pages that take GET are asked by GET; POST-only URLs by POST with valid answers (each visitor
in a savepoint of its own, so one visitor's success does not change what the next finds).
200: the page; 302: done and sent on (or, for anonymous visitors, sent to log in); 403: a
partner user whose role may not do it (staff do not sign or end partnerships, nor revoke API
tokens); 404: not theirs to know about (another partner, members, the board, platform staff).
Refused requests change nothing. A partner-portal URL with an argument missing from the table
fails `test_every_partner_url_with_ids_is_in_the_table`.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from partners.models import PartnerUser
from tests.conftest import client_for
from tests.factories import add_partner_user
from tests.security.test_isolation_sweep import POSTED, SWEEP, row_counts, rows_of
from tests.security.world import world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

VISITORS = ("anonymous", "member", "board", "owner", "staff", "other_owner", "platform")

# fmt: off
# URL name                         anonymous member board owner staff other-owner platform
MATRIX = {
    "partners:partnership-accept":  (302, 404, 404, 302, 403, 404, 404),
    "partners:partnership-end":     (302, 404, 404, 302, 403, 404, 404),
    "partners:offer-update":        (302, 404, 404, 200, 200, 404, 404),
    "partners:offer-withdraw":      (302, 404, 404, 302, 302, 404, 404),
    "partners:offer-picture":       (302, 404, 404, 200, 200, 404, 404),
    "partners:offer-thumbnail":     (302, 404, 404, 200, 200, 404, 404),
    "partners:order-detail":        (302, 404, 404, 200, 200, 404, 404),
    "partners:order-confirm":       (302, 404, 404, 302, 302, 404, 404),
    "partners:order-reject":        (302, 404, 404, 302, 302, 404, 404),
    "partners:order-fulfil":        (302, 404, 404, 302, 302, 404, 404),
    "partners:purchase-detail":     (302, 404, 404, 200, 200, 404, 404),
    "partners:token-revoke":        (302, 404, 404, 302, 403, 404, 404),
    "partners:settlement-detail":   (302, 404, 404, 200, 200, 200, 404),
    "partners:settlement-csv":      (302, 404, 404, 200, 200, 200, 404),
    "partners:settlement-pdf":      (302, 404, 404, 200, 200, 200, 404),
}
# fmt: on
#: Another partner's owner reads their own (empty or not) settlement of the same month: a month
#: names no object (see test_isolation_sweep.test_settlement_months_*).

SETTLEMENTS = {"partners:settlement-detail", "partners:settlement-csv", "partners:settlement-pdf"}


def _partner_urls_with_arguments() -> list[str]:
    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, inner)
            elif namespace == "partners:" and pattern.pattern.converters:
                yield f"partners:{pattern.name}"

    return sorted(set(walk(get_resolver().url_patterns)))


def test_every_partner_url_with_ids_is_in_the_table():
    assert sorted(MATRIX) == _partner_urls_with_arguments()


@pytest.fixture
def visitors(world) -> dict[str, Client]:
    staff = add_partner_user(world.a.partner, role=PartnerUser.Role.STAFF)
    users = {
        "member": world.a.member.user,
        "board": world.a.board,
        "owner": world.a.partner_owner,
        "staff": staff,
        "other_owner": world.b.partner_owner,
        "platform": world.platform_staff,
    }
    return {"anonymous": Client(), **{kind: client_for(user) for kind, user in users.items()}}


def _url_and_objects(name: str, world) -> tuple[str, list]:
    if name in SETTLEMENTS:
        today = timezone.localdate()
        return reverse(name, args=[today.year, today.month]), []
    ids = SWEEP[name].ids
    objects = [getattr(world.a, attribute) for attribute in ids.values()]
    return reverse(name, kwargs={k: o.pk for k, o in zip(ids, objects, strict=True)}), objects


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_each_visitor_gets_the_expected_answer(world, visitors, name):
    url, objects = _url_and_objects(name, world)
    post_only = name not in SETTLEMENTS and SWEEP[name].methods == "POST"
    answers = {}
    for visitor in VISITORS:
        with transaction.atomic():
            before_rows, before_counts = rows_of(objects), row_counts()
            if post_only:
                response = visitors[visitor].post(url, POSTED.get(name, lambda w: {})(world.a))
            else:
                response = visitors[visitor].get(url)
            answers[visitor] = response.status_code
            if response.status_code in (403, 404) or visitor == "anonymous":
                assert (rows_of(objects), row_counts()) == (before_rows, before_counts), visitor
            if visitor == "anonymous":
                assert response["Location"].startswith("/akun/login/"), visitor
            transaction.set_rollback(True)

    assert answers == dict(zip(VISITORS, MATRIX[name], strict=True))
