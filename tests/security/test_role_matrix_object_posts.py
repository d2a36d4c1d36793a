"""Who may act on an object of a cooperative: every URL under /k/<slug>/ with ids that takes
POST, sent a valid form about the cooperative's own objects, by every kind of visitor, with its
expected answer in one table.

The visitors and their clients are those of test_role_matrix_objects.py: "member" is the member
whose loan, order and meeting the world holds, "partner" the owner of the partner that works
with this cooperative. The objects are those the isolation sweep names (`SWEEP`), the forms
those it posts (`POSTED`). Where the world's object is not in a state the action takes (an
application already decided, a meeting next week), `READY` brings one there through the app's
own actions first, so that the allowed visitors' request can succeed.

302: anonymous visitors are sent to log in; the people allowed are sent on to the result (the
meeting's door list, the loan, the job publishing the SHU); 403: known here but not allowed (a
supervisor reads only; a teller records repayments, withdrawals and presence at the door, but
decides nothing else; the back office has no member pages); 404: not theirs to know about
(another cooperative's board, partners, platform staff).

Each visitor's request runs in a savepoint of its own, rolled back after it, so that one
visitor's success does not change what the next one finds. A refusal changes nothing: no
counted table gains or loses a row, no audit event is written, the named objects keep their
rows. An allowed request does what it says: a named object or a counted table changes.
Maker-checker on loan approval (two different board members above the threshold, nobody approves
their own loan) is asked through these URLs in tests/loans/test_review.py.

A URL under /k/<slug>/ with ids that takes POST and is missing from the table fails
`test_every_post_with_ids_is_in_the_table`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import transaction
from django.urls import get_resolver, reverse
from django.utils import timezone

from members.actions import member_apply
from partners.actions import partnership_figures_grant, partnership_propose
from partners.models import Partner
from services.loans.actions import loan_approve, loan_reject
from services.participation.models import Meeting, ShuYear, Vote
from services.participation.votes import vote_cast
from tests.factories import UserFactory, add_partner_user, make_partner, member_data
from tests.security.test_isolation_sweep import POSTED, SWEEP, row_counts
from tests.security.test_role_matrix import VISITORS
from tests.security.test_role_matrix_objects import clients  # noqa: F401
from tests.security.test_role_matrix_posts import _methods, _walk
from tests.security.world import BORN, CoopWorld, world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

# fmt: off
# URL name:                    anonymous member teller supervisor board other-board partner platform
MATRIX = {
    "import-accept":                (302, 403, 403, 403, 302, 404, 404, 404),
    "loan-approve":                 (302, 403, 403, 403, 302, 404, 404, 404),
    "loan-disburse":                (302, 403, 403, 403, 302, 404, 404, 404),
    "loan-product-edit":            (302, 403, 403, 403, 302, 404, 404, 404),
    "loan-reject":                  (302, 403, 403, 403, 302, 404, 404, 404),
    "loan-repay":                   (302, 403, 302, 403, 302, 404, 404, 404),
    "meeting-document-upload":      (302, 403, 403, 403, 302, 404, 404, 404),
    "meeting-door":                 (302, 403, 302, 403, 302, 404, 404, 404),
    "member-decide":                (302, 403, 403, 403, 302, 404, 404, 404),
    "member-exit":                  (302, 403, 403, 403, 302, 404, 404, 404),
    "member-loan-repay":            (302, 302, 403, 403, 403, 404, 404, 404),
    "member-meeting-checkin":       (302, 302, 403, 403, 403, 404, 404, 404),
    "member-meeting-rsvp":          (302, 302, 403, 403, 403, 404, 404, 404),
    "member-offer-detail":          (302, 302, 403, 403, 403, 404, 404, 404),
    "member-order-cancel":          (302, 302, 403, 403, 403, 404, 404, 404),
    "member-vote":                  (302, 302, 403, 403, 403, 404, 404, 404),
    "notification-failure-retry":   (302, 403, 403, 403, 302, 404, 404, 404),
    "partnership-accept":           (302, 403, 403, 403, 302, 404, 404, 404),
    "partnership-end":              (302, 403, 403, 403, 302, 404, 404, 404),
    "partnership-figures-grant":    (302, 403, 403, 403, 302, 404, 404, 404),
    "partnership-figures-revoke":   (302, 403, 403, 403, 302, 404, 404, 404),
    "role-revoke":                  (302, 403, 403, 403, 302, 404, 404, 404),
    "shu-publish":                  (302, 403, 403, 403, 302, 404, 404, 404),
    "withdrawal-request-decide":    (302, 403, 302, 403, 302, 404, 404, 404),
}
# fmt: on

REFUSED = {403, 404, 405}
LOGIN = "/akun/login/"
COOPERATIVE = "k/<slug:coop_slug>/"


# --- Objects in a state the action takes ---------------------------------------------------


def _an_applicant(w: CoopWorld) -> dict:
    """The world's members are active: someone applies, for the board to decide."""
    applicant = member_apply(
        cooperative=w.cooperative,
        data=member_data(full_name="Tono", birth_date=BORN),
        user=UserFactory(),
    )
    return {"member_id": applicant}


def _a_member_without_loans(w: CoopWorld) -> dict:
    """A member with a loan cannot leave: the other member's application is turned down."""
    loan_reject(loan=w.other_loan, acting_user=w.board, reason="Tidak layak")
    return {"member_id": w.other_member}


def _an_approved_loan(w: CoopWorld) -> dict:
    loan_approve(loan=w.other_loan, acting_user=w.board)
    return {}


def _a_partners_proposal(w: CoopWorld) -> dict:
    """A partner proposes (and so accepts its side); the board has yet to accept."""
    partner = make_partner("PT Mitra Baru")
    proposal = partnership_propose(
        cooperative=w.cooperative,
        partner=partner,
        acting_user=add_partner_user(partner),
        data={"terms": "Harga grosir", "valid_from": timezone.localdate()},
    )
    return {"partnership_id": proposal}


def _a_financing_partner(w: CoopWorld) -> dict:
    """Figures are shared only with a bank or fund: the world's partner becomes one."""
    Partner.objects.filter(pk=w.partner.pk).update(kind=Partner.Kind.BANK_OR_FUND)
    return {}


def _a_financing_partner_seeing_figures(w: CoopWorld) -> dict:
    _a_financing_partner(w)
    return {"consent": partnership_figures_grant(partnership=w.partnership, acting_user=w.board)}


def _a_meeting_running_now(w: CoopWorld) -> dict:
    """The world's meeting is next week: presence is taken only while it runs."""
    now = timezone.now()
    Meeting.objects.filter(pk=w.meeting.pk).update(
        starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=2)
    )
    return {}


def _an_approved_shu_split(w: CoopWorld) -> dict:
    """The members approved the split: a ballot for the first option, the vote closed, and the
    SHU year linked to it."""
    vote_cast(vote=w.vote, member=w.member, option_id=w.vote.options.first().pk)
    Vote.objects.filter(pk=w.vote.pk).update(closes_at=timezone.now() - dt.timedelta(minutes=1))
    ShuYear.objects.filter(pk=w.shu.pk).update(vote=w.vote)
    return {}


#: What brings an object of the world into a state the action takes. It may name another
#: object for an id (by its URL argument), or one more object whose row the action changes.
READY: dict[str, Callable[[CoopWorld], dict]] = {
    "member-decide": _an_applicant,
    "member-exit": _a_member_without_loans,
    "loan-disburse": _an_approved_loan,
    "partnership-accept": _a_partners_proposal,
    "partnership-figures-grant": _a_financing_partner,
    "partnership-figures-revoke": _a_financing_partner_seeing_figures,
    "meeting-door": _a_meeting_running_now,
    "member-meeting-checkin": _a_meeting_running_now,
    "shu-publish": _an_approved_shu_split,
}


# --- Helpers -----------------------------------------------------------------------------


def _posts_with_ids() -> list[str]:
    """The names of the URLs under /k/<slug>/ with another argument that take POST."""
    return sorted(
        name.removeprefix("koperasi:")
        for route, name, view in _walk(get_resolver().url_patterns)
        if route.startswith(COOPERATIVE)
        and route.count("<") > 1
        and (_methods(view) is None or "POST" in _methods(view))
    )


def _rows(objects: list) -> list[dict | None]:
    """The named objects' rows (None once deleted)."""
    return [type(o)._default_manager.filter(pk=o.pk).values().first() for o in objects]


def _post(client, url: str, data: dict, objects: list) -> tuple[int, str, set[str]]:
    """POST in a savepoint that is rolled back: the answer, where it sends, and what changed
    (the counted tables that gained or lost rows, "Event" for audit events, and the named
    objects whose rows changed)."""
    with transaction.atomic():
        rows, counts = _rows(objects), row_counts()
        response = client.post(url, data)
        after = row_counts()
        changed = {table for table in counts if after[table] != counts[table]}
        changed |= {
            f"{type(o).__name__} {o.pk}"
            for o, before, now in zip(objects, rows, _rows(objects), strict=True)
            if before != now
        }
        transaction.set_rollback(True)
    return response.status_code, response.get("Location", ""), changed


# --- Tests -------------------------------------------------------------------------------


def test_every_post_with_ids_is_in_the_table():
    assert sorted(MATRIX) == _posts_with_ids()
    # The sweep names the objects and posts the forms: it knows every one of them.
    assert {f"koperasi:{name}" for name in MATRIX} <= set(SWEEP)
    # A row where nobody may act would never show that its form is a valid one.
    assert [n for n, answers in MATRIX.items() if set(answers[1:]) <= REFUSED] == []


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_each_visitor_gets_the_expected_answer_and_only_the_allowed_change_anything(
    world,
    clients,  # noqa: F811 (the fixture imported above)
    name,
):
    own = world.a
    ids = SWEEP[f"koperasi:{name}"].ids
    objects = {kwarg: getattr(own, attribute) for kwarg, attribute in ids.items()}
    objects |= READY.get(name, lambda w: {})(own)
    url = reverse(
        f"koperasi:{name}",
        kwargs={"coop_slug": own.cooperative.slug, **{k: objects[k].pk for k in ids}},
    )
    expected = dict(zip(VISITORS, MATRIX[name], strict=True))
    allowed = [v for v in VISITORS if v != "anonymous" and expected[v] not in REFUSED]
    refused = [v for v in VISITORS if v not in allowed]
    answers, locations, changes = {}, {}, {}

    for visitor in VISITORS:
        data = POSTED.get(f"koperasi:{name}", lambda w: {})(own)  # fresh keys and files
        answers[visitor], locations[visitor], changes[visitor] = _post(
            clients[visitor], url, data, list(objects.values())
        )

    assert answers == expected
    assert locations["anonymous"] == f"{LOGIN}?next={url}"
    # Refused: nothing at all changed. Allowed: more than an audit event.
    assert {v: changes[v] for v in refused} == {v: set() for v in refused}
    assert {v: bool(changes[v] - {"Event"}) for v in allowed} == dict.fromkeys(allowed, True)
