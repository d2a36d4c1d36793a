"""Tenant isolation, swept over every URL that names an object by id.

Each row of `SWEEP` is asked, by the legitimate kind of visitor for that page, for objects that
are not theirs:

- another cooperative's objects under their own cooperative's slug (cooperative A's board or
  member asking for B's ids under /k/<A>/), and for URLs with two ids, each id in turn swapped
  for B's;
- on members' pages, the other member's objects in the same cooperative (`SOMEONE_ELSES`);
- in the partner portal and the API, partner P2's objects asked for by partner P1;
- in the inbox, another person's notification.

Pages are asked by GET and by POST: the methods the URL takes answer 404, the others 405
(before anything looks at the id). API endpoints are asked with their own method and answer
404 in the API's JSON error shape. Nothing changes: the objects named keep their rows and no
table gains or loses a row (the audit log's "access.denied" record of each refusal aside).
The same request for the visitor's own objects is then not a 404, so the 404s above come from
the check and not from a broken URL. Django's test client does not check CSRF tokens, which a
real browser sends: the answers are the same.

`test_every_url_with_ids_is_swept` fails, naming it, for any URL with an argument that is in
neither `SWEEP` nor `EXEMPT`.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import re
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from koperasi.audit import ACCESS_DENIED
from koperasi.models import Cooperative, Event, Role
from koperasi.notifications.models import Announcement, Delivery, Notification
from members.models import ImportJob, Member
from partners.models import (
    ApiToken,
    Offer,
    Order,
    Partnership,
    PartnershipFigures,
    Purchase,
)
from services.jobs.models import Job
from services.ledger.models import JournalEntry, Posting
from services.loans.models import Loan, LoanApproval, LoanProduct, Repayment
from services.participation.models import (
    Attendance,
    Meeting,
    MeetingDocument,
    ShuAllocation,
    ShuYear,
    VoteCast,
)
from services.savings.models import WithdrawalRequest
from tests.conftest import client_for
from tests.security.world import PDF, CoopWorld, World, world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

TENANT = "coop_slug"


@dataclass(frozen=True)
class Row:
    """Who asks (`board`, `member` of cooperative A, `partner`: P1's owner on the portal,
    `api`: P1's token), the methods the URL takes, and which object of the world each id in
    the URL names."""

    visitor: str
    methods: str
    ids: dict[str, str] = field(default_factory=dict)


def row(visitor: str, methods: str, **ids: str) -> Row:
    return Row(visitor, methods, ids)


# fmt: off
SWEEP = {
    # URL name                                    visitor    methods     ids: world attribute
    "koperasi:role-revoke":                 row("board",   "POST",     role_id="teller_role"),
    "koperasi:member-detail":               row("board",   "GET",      member_id="member"),
    "koperasi:member-decide":               row("board",   "POST",     member_id="member"),
    "koperasi:member-exit":                 row("board",   "POST",     member_id="member"),
    "koperasi:import-detail":               row("board",   "GET",      job_id="import_job"),
    "koperasi:import-status":               row("board",   "GET",      job_id="import_job"),
    "koperasi:import-accept":               row("board",   "POST",     job_id="import_job"),
    "koperasi:receipt":                     row("board",   "GET",      entry_id="entry"),
    "koperasi:withdrawal-request-decide":   row("board",   "POST",     request_id="withdrawal"),
    "koperasi:member-loan-detail":          row("member",  "GET",      loan_id="loan"),
    "koperasi:member-loan-repay":           row("member",  "POST",     loan_id="loan"),
    "koperasi:loan-product-edit":           row("board",   "GET POST", product_id="product"),
    "koperasi:loan-detail":                 row("board",   "GET",      loan_id="loan"),
    "koperasi:loan-approve":                row("board",   "POST",     loan_id="other_loan"),
    "koperasi:loan-reject":                 row("board",   "POST",     loan_id="other_loan"),
    "koperasi:loan-disburse":               row("board",   "POST",     loan_id="other_loan"),
    "koperasi:loan-repay":                  row("board",   "GET POST", loan_id="loan"),
    "koperasi:loan-receipt":                row("board",   "GET",      loan_id="loan",
                                                                       repayment_id="repayment"),
    "koperasi:announcement-detail":         row("board",   "GET",      announcement_id="announcement"),  # noqa: E501
    "koperasi:announcement-status":         row("board",   "GET",      announcement_id="announcement"),  # noqa: E501
    "koperasi:notification-failure-retry":  row("board",   "POST",     delivery_id="delivery"),
    "koperasi:meeting-admin":               row("board",   "GET",      meeting_id="meeting"),
    "koperasi:meeting-quorum":              row("board",   "GET",      meeting_id="meeting"),
    "koperasi:meeting-door":                row("board",   "POST",     meeting_id="meeting"),
    "koperasi:meeting-document-upload":     row("board",   "POST",     meeting_id="meeting"),
    "koperasi:meeting-document":            row("member",  "GET",      meeting_id="meeting",
                                                                       document_id="document"),
    "koperasi:member-meeting":              row("member",  "GET",      meeting_id="meeting"),
    "koperasi:member-meeting-rsvp":         row("member",  "POST",     meeting_id="meeting"),
    "koperasi:member-meeting-checkin":      row("member",  "POST",     meeting_id="meeting"),
    "koperasi:vote-admin":                  row("board",   "GET",      vote_id="vote"),
    "koperasi:member-vote":                 row("member",  "GET POST", vote_id="vote"),
    "koperasi:shu-detail":                  row("board",   "GET",      shu_id="shu"),
    "koperasi:shu-csv":                     row("board",   "GET",      shu_id="shu"),
    "koperasi:shu-publish":                 row("board",   "POST",     shu_id="shu"),
    "koperasi:member-offer-detail":         row("member",  "GET POST", offer_id="offer"),
    "koperasi:member-offer-picture":        row("member",  "GET",      offer_id="offer"),
    "koperasi:member-offer-thumbnail":      row("member",  "GET",      offer_id="offer"),
    "koperasi:member-order-cancel":         row("member",  "POST",     order_id="order"),
    "koperasi:partnership-accept":          row("board",   "POST",     partnership_id="partnership"),  # noqa: E501
    "koperasi:partnership-end":             row("board",   "POST",     partnership_id="partnership"),  # noqa: E501
    "koperasi:partnership-figures-grant":   row("board",   "POST",     partnership_id="partnership"),  # noqa: E501
    "koperasi:partnership-figures-revoke":  row("board",   "POST",     partnership_id="partnership"),  # noqa: E501
    "koperasi:job-detail":                  row("board",   "GET",      job_id="job"),
    "koperasi:job-download":                row("board",   "GET",      job_id="job"),
    # Platform staff see every cooperative here by design: anybody else, a board member
    # included, gets 404 for any cooperative (their own too, see SOMEONE_ELSES).
    "platform:cooperative":                 row("board",   "GET POST", cooperative_id="cooperative"),  # noqa: E501
    "notifications:open":                   row("member",  "GET",      notification_id="notification"),  # noqa: E501
    "notifications:read":                   row("member",  "POST",     notification_id="notification"),  # noqa: E501
    "partners:partnership-accept":          row("partner", "POST",     partnership_id="partnership"),  # noqa: E501
    "partners:partnership-end":             row("partner", "POST",     partnership_id="partnership"),  # noqa: E501
    "partners:offer-update":                row("partner", "GET POST", offer_id="offer"),
    "partners:offer-withdraw":              row("partner", "POST",     offer_id="offer"),
    "partners:offer-picture":               row("partner", "GET",      offer_id="offer"),
    "partners:offer-thumbnail":             row("partner", "GET",      offer_id="offer"),
    "partners:order-detail":                row("partner", "GET",      order_id="order"),
    "partners:order-confirm":               row("partner", "POST",     order_id="order"),
    "partners:order-reject":                row("partner", "POST",     order_id="order"),
    "partners:order-fulfil":                row("partner", "POST",     order_id="order"),
    "partners:purchase-detail":             row("partner", "GET",      purchase_id="purchase"),
    "partners:token-revoke":                row("partner", "POST",     token_id="token"),
    "api:offer_detail":                     row("api",     "GET",      offer_id="offer"),
    "api:offer_update_endpoint":            row("api",     "PATCH",    offer_id="offer"),
    "api:offer_withdraw_endpoint":          row("api",     "POST",     offer_id="offer"),
    "api:order_detail":                     row("api",     "GET",      order_id="order"),
    "api:order_status_update":              row("api",     "PATCH",    order_id="order"),
    "api:purchase_detail":                  row("api",     "GET",      purchase_id="purchase"),
}

#: The same kind of object in the visitor's own cooperative that belongs to somebody else.
SOMEONE_ELSES = {
    "koperasi:member-loan-detail":   {"loan_id": "other_loan"},
    "koperasi:member-loan-repay":    {"loan_id": "other_loan"},
    "koperasi:member-order-cancel":  {"order_id": "other_order"},
    "notifications:open":            {"notification_id": "other_notification"},
    "notifications:read":            {"notification_id": "other_notification"},
    "platform:cooperative":          {"cooperative_id": "cooperative"},
}

#: URLs with arguments that name no object of a cooperative or partner, and why.
EXEMPT = {
    "admin:*":
        "django-admin: superusers only, behind the second factor "
        "(tests/security/test_sessions_and_mfa.py)",
    "account_confirm_email": "allauth: the key is a secret sent by email, not an object id",
    "account_reset_password_from_key": "allauth: uid and key are a secret sent by email",
    "koperasi:report-download":
        "a report name and a format, not ids: the cooperative is the slug's "
        "(tests/security/test_role_matrix_objects.py)",
    "partners:settlement-detail": "a year and month, not an id: see test_settlement_months_*",
    "partners:settlement-csv": "a year and month, not an id: see test_settlement_months_*",
    "partners:settlement-pdf": "a year and month, not an id: see test_settlement_months_*",
}
# fmt: on


def _key() -> str:
    return uuid.uuid4().hex


#: What each form posts: valid answers, so that a request that got past the check would act.
POSTED: dict[str, Callable[[CoopWorld], dict]] = {
    "koperasi:member-decide": lambda w: {"decision": "reject", "reason": "Data tidak lengkap"},
    "koperasi:member-exit": lambda w: {
        "kind": "resigned",
        "channel": "cash",
        "reason": "Pindah kota",
        "idempotency_key": _key(),
    },
    "koperasi:withdrawal-request-decide": lambda w: {"decision": "approve", "reason": ""},
    "koperasi:member-loan-repay": lambda w: {"amount": "50000", "idempotency_key": _key()},
    "koperasi:loan-product-edit": lambda w: {
        "name": "Diubah",
        "method": "flat",
        "annual_rate": "24",
        "max_amount": "1000000",
        "min_term": "1",
        "max_term": "12",
        "admin_fee_percent": "0",
        "penalty_percent": "0",
        "grace_days": "0",
        "savings_multiple": "0",
        "is_active": "on",
    },
    "koperasi:loan-reject": lambda w: {"reason": "Tidak layak"},
    "koperasi:loan-disburse": lambda w: {
        "channel": "cash",
        "first_due": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
    },
    "koperasi:loan-repay": lambda w: {
        "amount": "50000",
        "channel": "cash",
        "idempotency_key": _key(),
    },
    "koperasi:meeting-door": lambda w: {"number": w.member.number},
    "koperasi:meeting-document-upload": lambda w: {
        "file": SimpleUploadedFile("lain.pdf", PDF, content_type="application/pdf")
    },
    "koperasi:member-meeting-rsvp": lambda w: {"rsvp": "yes"},
    "koperasi:member-vote": lambda w: {"option": w.vote.options.first().pk},
    "koperasi:member-offer-detail": lambda w: {"quantity": "1", "note": ""},
    "koperasi:partnership-end": lambda w: {"reason": "Kontrak selesai"},
    "platform:cooperative": lambda w: {"decision": "reject", "reason": "Berkas palsu"},
    "partners:partnership-end": lambda w: {"reason": "Kontrak selesai"},
    "partners:offer-update": lambda w: {
        "title": "Milik saya",
        "price": "1",
        "valid_from": timezone.localdate().isoformat(),
    },
    "partners:order-reject": lambda w: {"reason": "Stok habis"},
    "api:offer_update_endpoint": lambda w: {"title": "Milik saya", "price": 1},
    "api:order_status_update": lambda w: {"status": "confirmed"},
}

#: Tables that no refused request may add a row to or remove one from (besides the audit
#: log's record of the refusal itself, counted apart).
COUNTED = (
    Cooperative,
    Role,
    Member,
    ImportJob,
    JournalEntry,
    Posting,
    WithdrawalRequest,
    LoanProduct,
    Loan,
    LoanApproval,
    Repayment,
    Announcement,
    Notification,
    Delivery,
    Meeting,
    MeetingDocument,
    Attendance,
    VoteCast,
    ShuYear,
    ShuAllocation,
    Job,
    Partnership,
    PartnershipFigures,
    Offer,
    Order,
    Purchase,
    ApiToken,
)


def row_counts() -> dict[str, int]:
    """Rows in each counted table (one query), and the audit events other than refusals."""
    quote = connection.ops.quote_name
    # The table names come from the models, quoted.
    counts = ", ".join(f"(SELECT COUNT(*) FROM {quote(m._meta.db_table)})" for m in COUNTED)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}")
        result = dict(zip((m.__name__ for m in COUNTED), cursor.fetchone(), strict=True))
    result["Event"] = Event.objects.exclude(kind=ACCESS_DENIED).count()
    return result


def rows_of(objects) -> list[dict]:
    return [type(o)._default_manager.filter(pk=o.pk).values().get() for o in objects]


@dataclass(frozen=True)
class Ask:
    """One request of the sweep: whose objects, and which."""

    label: str
    #: The cooperative world each id is taken from.
    sources: dict[str, CoopWorld]
    #: Attribute overrides (someone else's object in the same world).
    attributes: dict[str, str] = field(default_factory=dict)


def asks(name: str, world: World) -> list[Ask]:
    """The foreign requests for one URL: B's objects (P2's on the portal and the API), each
    id of a two-id URL swapped alone, and someone else's in A."""
    ids = SWEEP[name].ids
    result = [Ask("another tenant's", dict.fromkeys(ids, world.b))]
    if len(ids) > 1:
        for swapped in ids:
            sources = {kwarg: world.b if kwarg == swapped else world.a for kwarg in ids}
            result.append(Ask(f"{swapped} of another tenant", sources))
    if name in SOMEONE_ELSES:
        result.append(Ask("someone else's", dict.fromkeys(ids, world.a), SOMEONE_ELSES[name]))
    return result


def objects_of(name: str, ask: Ask) -> list:
    return [
        getattr(ask.sources[kwarg], ask.attributes.get(kwarg, attribute))
        for kwarg, attribute in SWEEP[name].ids.items()
    ]


def url_of(name: str, world: World, objects: list) -> str:
    kwargs = {kwarg: obj.pk for kwarg, obj in zip(SWEEP[name].ids, objects, strict=True)}
    if name.startswith("koperasi:"):
        kwargs[TENANT] = world.a.cooperative.slug
    return reverse(name, kwargs=kwargs)


class Visitor:
    """Cooperative A's board or member, or partner P1 (on the portal, or with its token)."""

    def __init__(self, kind: str, world: World):
        self.api = kind == "api"
        if self.api:
            self.client = Client(headers={"Authorization": f"Bearer {world.a.token_plaintext}"})
        else:
            user = {
                "board": world.a.board,
                "member": world.a.member.user,
                "partner": world.a.partner_owner,
                "platform": world.platform_staff,
            }[kind]
            self.client = client_for(user)

    def ask(self, method: str, url: str, data: dict):
        if self.api:
            body = json.dumps(data) if method != "GET" else None
            return self.client.generic(method, url, body or "", content_type="application/json")
        if method == "GET":
            return self.client.get(url)
        return self.client.post(url, data)


def test_every_url_with_ids_is_swept():
    """Any URL with an argument (besides the cooperative's slug, which test_role_matrix.py
    covers) is in the sweep or exempt with a reason."""

    def walk(patterns, prefix="", names=frozenset()):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
                yield from walk(pattern.url_patterns, namespace, names | _arguments(pattern))
            else:
                yield f"{prefix}{pattern.name or '?'}", names | _arguments(pattern)

    missing = sorted(
        name
        for name, arguments in walk(get_resolver().url_patterns)
        if arguments - {TENANT}
        and name not in SWEEP
        and name not in EXEMPT
        and f"{name.partition(':')[0]}:*" not in EXEMPT
    )

    assert missing == [], f"URLs with ids in neither SWEEP nor EXEMPT: {missing}"


def _arguments(pattern) -> frozenset[str]:
    converters = getattr(pattern.pattern, "converters", {})
    return frozenset(converters) | frozenset(pattern.pattern.regex.groupindex)


def test_the_tables_name_only_real_urls():
    """A row left behind by a removed URL would sweep nothing."""
    resolver = get_resolver()
    names = set(SWEEP) | set(SOMEONE_ELSES) | set(POSTED) | (set(EXEMPT) - {"admin:*"})
    unknown = []
    for name in names:
        namespace, _, short = name.rpartition(":")
        known = resolver.namespace_dict[namespace][1] if namespace else resolver
        if short not in known.reverse_dict:
            unknown.append(name)
    assert unknown == []


@pytest.mark.parametrize("name", sorted(SWEEP))
def test_someone_elses_ids_answer_404_and_change_nothing(world, name):
    entry = SWEEP[name]
    visitor = Visitor(entry.visitor, world)
    methods = ("GET", "POST") if entry.visitor != "api" else tuple(entry.methods.split())
    for ask in asks(name, world):
        objects = objects_of(name, ask)
        url = url_of(name, world, objects)
        data = POSTED.get(name, lambda w: {})(ask.sources[next(iter(entry.ids))])
        before_rows, before_counts = rows_of(objects), row_counts()
        for method in methods:
            response = visitor.ask(method, url, data)
            expected = 404 if method in entry.methods.split() else 405
            assert response.status_code == expected, (ask.label, method, url)
            if visitor.api:
                assert response.json()["error"]["code"] == "not_found", (ask.label, url)
            assert rows_of(objects) == before_rows, (ask.label, method, url)
            assert row_counts() == before_counts, (ask.label, method, url)

    # The visitor's own objects get past the check (here, whatever they then do).
    own = Ask("own", dict.fromkeys(entry.ids, world.a))
    owner = Visitor("platform", world) if name == "platform:cooperative" else visitor
    for method in entry.methods.split():
        data = POSTED.get(name, lambda w: {})(world.a)
        response = owner.ask(method, url_of(name, world, objects_of(name, own)), data)
        assert response.status_code not in (404, 405, 500), (method, response.status_code)


# --- Settlements name a month, not an object ---------------------------------------------


def pdf_text(content: bytes) -> str:
    """What a PDF draws: its streams, decoded (ReportLab writes them ASCII85 over Flate)."""
    parts = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", content, re.DOTALL):
        with contextlib.suppress(ValueError, zlib.error):
            stream = base64.a85decode(stream.strip().removesuffix(b"~>"))
        with contextlib.suppress(zlib.error):
            stream = zlib.decompress(stream)
        parts.append(stream)
    return b"\n".join(parts).decode("latin-1")


def test_settlement_months_show_a_partner_only_its_own_purchases(world):
    """P1 asks for the month in which only P2 has purchases: none of P2's shows."""
    theirs = world.b.purchase
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=15)
    # purchase_record always records "now"; the purchase is moved to a month of its own.
    Purchase.objects.filter(pk=theirs.pk).update(
        occurred_at=timezone.make_aware(dt.datetime.combine(last_month, dt.time(10)))
    )
    base = f"/mitra/penyelesaian/{last_month.year}/{last_month.month}/"
    traces = [
        "423.456",  # the amount as pages show it
        "423456",  # and as the CSV writes it
        world.b.cooperative.name,
        world.b.member.full_name,
        theirs.description,
    ]

    def seen_by(user) -> dict[str, str]:
        client = client_for(user)
        page, csv, pdf = (client.get(base + suffix) for suffix in ("", "csv/", "pdf/"))
        assert (page.status_code, csv.status_code, pdf.status_code) == (200, 200, 200)
        return {
            "page": page.content.decode(),
            "csv": csv.content.decode("utf-8-sig"),
            "pdf": pdf_text(pdf.content),
        }

    p2_sees = seen_by(world.b.partner_owner)
    p1_sees = seen_by(world.a.partner_owner)

    # P2's own statement of that month shows the purchase (so the traces are the right ones)...
    assert all(world.b.cooperative.name in text for text in p2_sees.values())
    assert ("423.456" in p2_sees["page"], "423456" in p2_sees["csv"]) == (True, True)
    assert "423.456" in p2_sees["pdf"]
    # ... and P1's shows nothing of it.
    assert {part: [t for t in traces if t in text] for part, text in p1_sees.items()} == {
        "page": [],
        "csv": [],
        "pdf": [],
    }
