"""Every form of the portal, fed hostile values one field at a time (tests/security/hostile.py).

For each form: a valid baseline payload, posted by someone allowed to use the form, with one
field replaced by each hostile value of its kind. What must hold, for every value:

- never a 500;
- refused (nothing written: the form's rows, the ledger and the audit trail are as before)
  with an error the person can see; or accepted, where the value is legitimately acceptable
  (text with markup or Unicode in a name, say) and then shown escaped wherever it appears;
- values that are never acceptable (NUL, 10,000 characters, negative/huge/NaN amounts, forged
  ids, unknown choices, impossible dates, digits from another script) are refused.

Each value is posted inside a savepoint that is rolled back, so every value meets the same
state. The baseline itself is accepted (`test_the_baseline_is_accepted`), so a refusal below
is the hostile value's doing.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.db.models import Count, Max
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from koperasi.models import Cooperative, Event, Role, User
from koperasi.notifications.models import Announcement
from members.models import Member
from partners.models import (
    ApiToken,
    Offer,
    Order,
    Partner,
    PartnerInvitation,
    Partnership,
    PartnerUser,
    Purchase,
)
from services.jobs.models import Job
from services.ledger.models import Account, JournalEntry, Posting
from services.loans.models import Installment, Loan, LoanPolicy, LoanProduct, Repayment
from services.participation.models import (
    Attendance,
    Meeting,
    ParticipationWeights,
    ShuYear,
    Vote,
    VoteCast,
    VoteOption,
)
from services.savings.models import SavingsBill, SavingsProduct, WithdrawalRequest
from tests.conftest import client_for
from tests.security import hostile, hostile_world
from tests.security.hostile_world import World, fresh_code

pytestmark = pytest.mark.django_db
world = hostile_world.world  # the module-scoped fixture

LEDGER = (JournalEntry, Posting, Account)
ERROR_MARKERS = ('role="alert"', 'class="errorlist', "msg error", 'class="error"')
SERIAL = itertools.count(1)


def _serial() -> int:
    return next(SERIAL)


def _nik(born: dt.date = dt.date(1985, 3, 14)) -> str:
    """A valid NIK (Jakarta Pusat) no other test hands out."""
    return f"317101{born.day:02d}{born:%m%y}{_serial() % 10_000 or 1:04d}"


def _key() -> str:
    return uuid.uuid4().hex


def _today() -> dt.date:
    return timezone.localdate()


def _k(name: str, w: World, **kwargs) -> str:
    return reverse(f"koperasi:{name}", kwargs={"coop_slug": w.slug, **kwargs})


# --- The values of each kind of field, and which of them must be refused ----------------------

ALL = object()
KINDS: dict[str, tuple[dict[str, str], object]] = {
    # kind: (values, names that must be refused: a set, or ALL)
    "text": (hostile.TEXTS, {"nul", "overlong"}),
    "text2": (hostile.TEXTS_SHORT, {"nul", "overlong"}),
    "amount": (
        hostile.NUMBERS,
        set(hostile.NUMBERS) - {"zero", "padded", "int32_overflow"},
    ),
    "amount2": (hostile.NUMBERS_SHORT, ALL),
    "count": (hostile.COUNTS, set(hostile.COUNTS) - {"zero", "padded", "arabic_indic_digits"}),
    "count2": (hostile.NUMBERS_SHORT, ALL),
    "percent": (hostile.PERCENTS, set(hostile.PERCENTS) - {"fraction", "decimal_comma"}),
    "percent2": (hostile.NUMBERS_SHORT, set(hostile.NUMBERS_SHORT) - {"decimal_comma"}),
    "choice": (hostile.CHOICES, ALL),
    "id": (hostile.FORGED_IDS, ALL),
    "date": (hostile.DATES, ALL),
    "datetime": (hostile.DATETIMES, ALL),
    "month": (hostile.MONTHS, ALL),
    "email": (hostile.EMAILS, ALL),
    "link": (hostile.LINKS, ALL),
    "digits": ({}, ALL),  # the baseline's own value in other digits, plus the short text set
}


@dataclass(frozen=True)
class Case:
    """One form: where it is, who uses it, a valid payload, its fields by kind, the rows it
    writes, and the pages that show what it stores (as (who, url) after it is accepted)."""

    name: str
    who: str
    url: Callable[[World], str]
    baseline: Callable[[World], dict]
    fields: dict[str, str]
    models: tuple[type, ...]
    shown_at: Callable[[World], list[tuple[str, str]]] = lambda w: []
    forged: dict[str, Callable[[World], object]] = field(default_factory=dict)
    #: field -> value names that may be accepted although their kind says otherwise (why noted)
    allow: dict[str, set[str]] = field(default_factory=dict)


def _member_payload(w: World, **extra) -> dict:
    born = dt.date(1985, 3, 14)
    return {
        "full_name": "Sri Wahyuni",
        "nik": _nik(born),
        "birth_date": born.isoformat(),
        "phone": "+6281234567890",
        "email": f"anggota{_serial()}@example.test",
        "address": "Jl. Cihampelas No. 5, Bandung",
        "heir_name": "Andi",
        "heir_relationship": "Anak",
        **extra,
    }


MEMBER_FIELDS = {
    "full_name": "text",
    "nik": "digits",
    "birth_date": "date",
    "phone": "digits",
    "email": "email",
    "address": "text2",
    "heir_name": "text2",
    "heir_relationship": "text2",
}


def _cooperative_payload(w: World) -> dict:
    n = _serial()
    return {
        "name": f"Koperasi Serba Usaha Hostile {n}",
        "legal_entity_number": f"AHU-{5_000_000 + n:07d}.AH.01.26.TAHUN 2021",
        "nik_koperasi": f"3273{700_000_000_000 + n:012d}",
        "type": "ksu",
        "province": "32",
        "regency": "32.73",
        "address": "Jl. Braga No. 1, Bandung",
        "phone": "+62225550123",
        "email": f"koperasi{n}@example.test",
        "fiscal_year_start_month": "1",
    }


def _own_cooperative_payload(w: World) -> dict:
    c = w.home.cooperative
    return {
        "name": c.name,
        "legal_entity_number": c.legal_entity_number,
        "nik_koperasi": c.nik_koperasi,
        "type": "ksu",
        "province": c.province_id,
        "regency": c.regency_id,
        "address": "Jl. Dago No. 9, Bandung",
        "phone": c.phone,
        "email": c.email,
        "fiscal_year_start_month": "1",
    }


COOPERATIVE_FIELDS = {
    "name": "text",
    "legal_entity_number": "text2",
    "nik_koperasi": "digits",
    "type": "choice",
    "province": "id",
    "regency": "id",
    "address": "text2",
    "phone": "digits",
    "email": "email",
    "fiscal_year_start_month": "count",
}


def _product_payload(w: World, name: str = "Pinjaman Hostile") -> dict:
    return {
        "name": name,
        "method": "flat",
        "annual_rate": "12.00",
        "max_amount": "20.000.000",
        "min_term": "3",
        "max_term": "24",
        "admin_fee_percent": "1.00",
        "penalty_percent": "2.00",
        "grace_days": "3",
        "savings_multiple": "0",
        "collateral_notes": "BPKB motor",
        "is_active": "on",
    }


PRODUCT_FIELDS = {
    "name": "text",
    "method": "choice",
    "annual_rate": "percent",
    "max_amount": "amount",
    "min_term": "count",
    "max_term": "count2",
    "admin_fee_percent": "percent2",
    "penalty_percent": "percent2",
    "grace_days": "count2",
    "savings_multiple": "percent2",
    "collateral_notes": "text2",
}


def _terms_payload(**extra) -> dict:
    return {
        "terms": "Diskon anggota untuk pupuk",
        "member_discount_percent": "5",
        "commission_percent": "1",
        "valid_from": "2026-01-01",
        "valid_to": "",
        **extra,
    }


TERMS_FIELDS = {
    "terms": "text",
    "member_discount_percent": "percent",
    "commission_percent": "percent2",
    "valid_from": "date",
    "valid_to": "date",
}


def _offer_payload(w: World, title: str = "Benih Padi 5 kg") -> dict:
    return {
        "title": title,
        "description": "Benih unggul",
        "unit": "kantong",
        "price": "75.000",
        "discount_percent": "10",
        "valid_from": (_today() - dt.timedelta(days=1)).isoformat(),
        "valid_to": "",
    }


OFFER_FIELDS = {
    "title": "text",
    "description": "text2",
    "unit": "text2",
    "price": "amount",
    "discount_percent": "percent",
    "valid_from": "date",
    "valid_to": "date",
}


def _latest(model):
    """The newest row of `model` (a stand-in with pk 0 while there is none)."""
    return model.objects.order_by("-pk").first() or model(pk=0)


# fmt: off
CASES = [
    Case("cooperative-register", "newcomer", lambda w: reverse("koperasi:cooperative-register"),
         _cooperative_payload, COOPERATIVE_FIELDS, (Cooperative, Role),
         shown_at=lambda w: [
             ("platform", reverse("platform:home")),
             ("platform", reverse("platform:cooperative",
                                  kwargs={"cooperative_id": _latest(Cooperative).pk}))]),
    Case("cooperative-edit", "board", lambda w: _k("cooperative-edit", w),
         # The registration's form: its fields get every value there.
         _own_cooperative_payload,
         {"name": "text2", "nik_koperasi": "digits", "phone": "digits", "province": "id",
          "fiscal_year_start_month": "count2"},
         (Cooperative,),
         shown_at=lambda w: [("board", _k("cooperative-home", w)), ("board", _k("dashboard", w))]),
    Case("role-grant", "board", lambda w: _k("role-list", w),
         lambda w: {"email": w.newcomer.email, "kind": "teller", "title": ""},
         {"email": "email", "kind": "choice", "title": "choice"}, (Role,)),
    Case("member-join", "anonymous", lambda w: _k("member-join", w),
         _member_payload, MEMBER_FIELDS, (Member, User),
         shown_at=lambda w: [("board", _k("member-list", w) + "?status=applicant"),
                             ("board", _k("member-detail", w, member_id=_latest(Member).pk))]),
    Case("member-add", "board", lambda w: _k("member-add", w),
         # The join page's form: its fields get every value there.
         _member_payload, {"full_name": "text2", "nik": "digits", "address": "text2"},
         (Member, User, SavingsBill, *LEDGER),
         shown_at=lambda w: [("board", _k("member-list", w)),
                             ("board", _k("member-detail", w, member_id=_latest(Member).pk))]),
    Case("member-decide", "board",
         lambda w: _k("member-decide", w, member_id=w.home.applicant.pk),
         lambda w: {"decision": "reject", "reason": "Data belum lengkap"},
         {"reason": "text", "decision": "choice"}, (Member,),
         shown_at=lambda w: [("board", _k("member-detail", w, member_id=w.home.applicant.pk))]),
    Case("member-exit", "board", lambda w: _k("member-exit", w, member_id=w.home.leaver.pk),
         lambda w: {"kind": "resigned", "channel": "cash", "reason": "Pindah kota",
                    "idempotency_key": _key()},
         {"reason": "text", "kind": "choice", "channel": "choice", "idempotency_key": "text2"},
         (Member, *LEDGER)),
    Case("teller", "teller", lambda w: _k("teller", w),
         lambda w: {"number": str(w.home.member.number), "direction": "deposit", "kind": "wajib",
                    "amount": "50.000", "channel": "cash", "idempotency_key": _key()},
         {"amount": "amount", "number": "count", "direction": "choice", "kind": "choice",
          "channel": "choice", "idempotency_key": "text2"}, (SavingsBill, *LEDGER)),
    Case("withdrawal-decide", "teller",
         lambda w: _k("withdrawal-request-decide", w, request_id=w.home.withdrawal.pk),
         lambda w: {"decision": "reject", "reason": "Rekening tidak cocok"},
         {"reason": "text", "decision": "choice"}, (WithdrawalRequest, *LEDGER),
         shown_at=lambda w: [("teller", _k("withdrawal-requests", w) + "?status=rejected")]),
    Case("savings-product", "board", lambda w: _k("savings-product", w),
         lambda w: {"pokok_amount": "150.000", "wajib_amount": "30.000", "wajib_due_day": "15",
                    "sukarela_annual_rate": "4.00", "sukarela_min_balance": "10.000"},
         {"pokok_amount": "amount", "wajib_amount": "amount2", "wajib_due_day": "count",
          "sukarela_annual_rate": "percent", "sukarela_min_balance": "amount2"},
         (SavingsProduct,)),
    Case("member-withdrawal", "member", lambda w: _k("member-withdrawal", w),
         lambda w: {"amount": "200.000", "bank_name": "Bank BRI",
                    "bank_account_number": "9876543210", "bank_account_holder": "Sri Wahyuni"},
         {"amount": "amount", "bank_name": "text", "bank_account_number": "digits",
          "bank_account_holder": "text2"}, (WithdrawalRequest,),
         shown_at=lambda w: [("teller", _k("withdrawal-requests", w))]),
    Case("loan-apply", "leaver", lambda w: _k("loan-apply", w),
         lambda w: {"product": str(w.home.product.pk), "amount": "2.000.000", "term": "12",
                    "purpose": "Modal usaha", "action": "submit",
                    "previewed": f"{w.home.product.pk}:2000000:12"},
         {"purpose": "text", "amount": "amount", "term": "count", "product": "id"}, (Loan,),
         shown_at=lambda w: [("board", _k("loan-detail", w, loan_id=_latest(Loan).pk))],
         forged={"product": lambda w: w.other.product.pk}),
    Case("member-loan-repay", "payer",
         lambda w: _k("member-loan-repay", w, loan_id=w.home.disbursed.pk),
         lambda w: {"amount": "50.000", "idempotency_key": _key()},
         {"amount": "amount2", "idempotency_key": "text2"},
         (Loan, Installment, Repayment, *LEDGER)),
    Case("loan-policy", "board", lambda w: _k("loan-policy", w),
         lambda w: {"two_approvals_above": "7.500.000"},
         {"two_approvals_above": "amount2"}, (LoanPolicy,)),
    Case("loan-product-create", "board", lambda w: _k("loan-product-create", w),
         _product_payload, PRODUCT_FIELDS, (LoanProduct,),
         shown_at=lambda w: [("board", _k("loan-products", w)),
                             ("leaver", _k("loan-apply", w))]),
    Case("loan-product-edit", "board",
         lambda w: _k("loan-product-edit", w, product_id=w.home.product.pk),
         lambda w: _product_payload(w, "Pinjaman Usaha Mikro"),
         {**PRODUCT_FIELDS, "name": "text2", "max_amount": "amount2", "annual_rate": "percent2",
          "min_term": "count2"}, (LoanProduct,),
         shown_at=lambda w: [("board", _k("loan-products", w))]),
    Case("loan-reject", "board", lambda w: _k("loan-reject", w, loan_id=w.home.submitted.pk),
         lambda w: {"reason": "Usaha belum berjalan"}, {"reason": "text"}, (Loan,),
         shown_at=lambda w: [("member", _k("member-loan-detail", w, loan_id=w.home.submitted.pk))]),
    Case("loan-disburse", "board", lambda w: _k("loan-disburse", w, loan_id=w.home.approved.pk),
         lambda w: {"channel": "cash",
                    "first_due": (_today() + dt.timedelta(days=30)).isoformat()},
         {"channel": "choice", "first_due": "date"}, (Loan, Installment, *LEDGER)),
    Case("loan-repay", "teller", lambda w: _k("loan-repay", w, loan_id=w.home.disbursed.pk),
         lambda w: {"amount": "50.000", "channel": "cash", "idempotency_key": _key()},
         {"amount": "amount2", "channel": "choice", "idempotency_key": "text2"},
         (Loan, Installment, Repayment, *LEDGER)),
    Case("announcement", "board", lambda w: _k("announcement-list", w),
         lambda w: {"audience": "active", "title": "Rapat anggota", "body": "Hadirlah besok."},
         {"title": "text", "body": "text2", "audience": "choice"}, (Announcement,),
         shown_at=lambda w: [
             ("board", _k("announcement-list", w)),
             ("board", _k("announcement-detail", w, announcement_id=_latest(Announcement).pk)),
         ]),
    Case("meeting-create", "board", lambda w: _k("meeting-create", w),
         lambda w: {"kind": "rat", "title": "RAT 2025", "starts_at": "2030-05-01T09:00",
                    "ends_at": "2030-05-01T12:00", "place": "Balai Desa", "online_link": "",
                    "agenda": "1. Laporan pengurus", "fiscal_year": "2025"},
         {"title": "text", "place": "text2", "agenda": "text2", "kind": "choice",
          "starts_at": "datetime", "ends_at": "datetime", "online_link": "link",
          "fiscal_year": "count2"}, (Meeting, Attendance),
         shown_at=lambda w: [("board", _k("meeting-list", w)),
                             ("member", _k("member-meeting", w, meeting_id=_latest(Meeting).pk))]),
    Case("meeting-door", "board", lambda w: _k("meeting-door", w, meeting_id=w.home.meeting.pk),
         lambda w: {"number": str(w.home.member.number)}, {"number": "count2"}, (Attendance,)),
    Case("meeting-rsvp", "member",
         lambda w: _k("member-meeting-rsvp", w, meeting_id=w.home.meeting.pk),
         lambda w: {"rsvp": "yes"}, {"rsvp": "choice"}, (Attendance,)),
    Case("vote-create", "board", lambda w: _k("vote-create", w),
         lambda w: {"kind": "motion", "question": "Setujukah rencana kerja?",
                    "description": "Rencana kerja 2026", "secret": "on",
                    "opens_at": "2030-05-01T09:00", "closes_at": "2030-05-01T12:00",
                    "options": "", "meeting": str(w.home.meeting.pk)},
         {"question": "text", "description": "text2", "options": "text2", "kind": "choice",
          "opens_at": "datetime", "closes_at": "datetime", "meeting": "id"},
         (Vote, VoteOption),
         shown_at=lambda w: [("board", _k("vote-list", w)),
                             ("board", _k("vote-admin", w, vote_id=_latest(Vote).pk))],
         forged={"meeting": lambda w: w.other.meeting.pk}),
    Case("vote-cast", "member", lambda w: _k("member-vote", w, vote_id=w.home.vote.pk),
         lambda w: {"option": str(w.home.vote.options.order_by("pk").first().pk)},
         {"option": "id"}, (VoteCast,),
         forged={"option": lambda w: w.other.vote.options.order_by("pk").first().pk}),
    Case("shu-year", "board", lambda w: _k("shu-list", w),
         lambda w: {"year": "2024", "surplus": "5.000.000", "reserve_pct": "40",
                    "jasa_modal_pct": "20", "jasa_usaha_pct": "20", "board_pct": "5",
                    "staff_pct": "5", "education_pct": "5", "social_pct": "5", "vote": ""},
         {"surplus": "amount2", "year": "count", "reserve_pct": "percent",
          "jasa_modal_pct": "percent2", "vote": "id", "shu_year": "id"}, (ShuYear,),
         forged={"vote": lambda w: w.other.vote.pk, "shu_year": lambda w: w.other.shu.pk},
         # A draft's id that is not a number is ignored: a new draft is made, as without it.
         allow={"shu_year": {"letters", "nul", "sql_ish"}}),
    Case("participation-weights", "board", lambda w: _k("participation-weights", w),
         lambda w: {"attendance": "40", "votes": "20", "wajib_on_time": "20", "services": "20",
                    "quorum_percent": "60"},
         {"attendance": "count", "votes": "count2", "quorum_percent": "count2"},
         (ParticipationWeights,)),
    Case("month-end", "board", lambda w: _k("month-end", w),
         lambda w: {"month": f"{(_today().replace(day=1) - dt.timedelta(days=1)):%Y-%m}"},
         {"month": "month"}, (Job,)),
    Case("rat-pack", "board", lambda w: _k("rat-pack", w),
         lambda w: {"year": str(_today().year - 1)}, {"year": "choice"}, (Job,)),
    Case("partnership-propose", "board", lambda w: _k("partnership-propose", w),
         lambda w: _terms_payload(partner=str(w.other_partner.pk)),
         {**TERMS_FIELDS, "partner": "id"}, (Partnership,),
         shown_at=lambda w: [("board", _k("partnership-list", w))]),
    Case("partner-invite", "board", lambda w: _k("partner-invite", w),
         lambda w: _terms_payload(business_name="CV Sumber Tani",
                                  email=f"mitra{_serial()}@example.test"),
         {"business_name": "text", "email": "email", "terms": "text2",
          "member_discount_percent": "percent2", "commission_percent": "percent2",
          "valid_from": "date"}, (PartnerInvitation,),
         shown_at=lambda w: [("board", _k("partnership-list", w))]),
    Case("partnership-end-coop", "board",
         lambda w: _k("partnership-end", w, partnership_id=w.partner.partnerships.get().pk),
         lambda w: {"reason": "Harga tidak sesuai"}, {"reason": "text"}, (Partnership,)),
    Case("partner-register", "newcomer", lambda w: reverse("partners:register"),
         lambda w: {"name": "CV Hostile Jaya", "npwp": f"0{900_000_000_000_00 + _serial():014d}",
                    "kind": "supplier", "address": "Jl. Pasar Baru 1", "phone": "+6281234567891",
                    "email": "cv@example.test"},
         {"name": "text", "npwp": "digits", "kind": "choice", "address": "text2",
          "phone": "digits", "email": "email"}, (Partner, PartnerUser),
         shown_at=lambda w: [("newcomer", reverse("partners:home"))]),
    Case("partnership-propose-partner", "partner", lambda w: reverse("partners:partnership-list"),
         lambda w: _terms_payload(cooperative=w.other.cooperative.slug),
         {**TERMS_FIELDS, "member_discount_percent": "percent2", "valid_from": "date",
          "cooperative": "text2"}, (Partnership,),
         shown_at=lambda w: [("partner", reverse("partners:partnership-list")),
                             ("other_board", reverse("koperasi:partnership-list",
                                                     args=[w.other.cooperative.slug]))]),
    Case("partnership-end-partner", "partner",
         lambda w: reverse("partners:partnership-end",
                           kwargs={"partnership_id": w.partner.partnerships.get().pk}),
         lambda w: {"reason": "Stok habis"}, {"reason": "text"}, (Partnership,)),
    Case("offer-create", "partner", lambda w: reverse("partners:offer-create"),
         _offer_payload, OFFER_FIELDS, (Offer,),
         shown_at=lambda w: [("partner", reverse("partners:offer-list")),
                             ("member", _k("member-offer-list", w)),
                             ("member", _k("member-offer-detail", w, offer_id=_latest(Offer).pk))]),
    Case("offer-update", "partner",
         lambda w: reverse("partners:offer-update", kwargs={"offer_id": w.offer.pk}),
         lambda w: _offer_payload(w, "Pupuk Urea 25 kg"),
         {"title": "text", "description": "text2", "price": "amount2",
          "discount_percent": "percent2", "valid_to": "date"}, (Offer,),
         shown_at=lambda w: [("member", _k("member-offer-detail", w, offer_id=w.offer.pk))]),
    Case("order-reject", "partner",
         lambda w: reverse("partners:order-reject", kwargs={"order_id": w.order.pk}),
         lambda w: {"reason": "Stok habis", "next": "/mitra/pesanan/"},
         {"reason": "text", "next": "link"}, (Order,),
         shown_at=lambda w: [("member", _k("member-order-list", w)),
                             ("partner", reverse("partners:order-list"))],
         allow={"next": set(hostile.LINKS)}),  # an unsafe `next` is ignored, not refused
    Case("order-place", "member",
         lambda w: _k("member-offer-detail", w, offer_id=w.offer.pk),
         lambda w: {"quantity": "3", "note": "Antar pagi"},
         {"note": "text", "quantity": "count"}, (Order,),
         shown_at=lambda w: [("partner", reverse("partners:order-list")),
                             ("member", _k("member-order-list", w))]),
    Case("purchase-record", "partner", lambda w: reverse("partners:purchase-record"),
         lambda w: {"qr": "", "cooperative": str(w.home.cooperative.pk),
                    "member_number": str(w.home.member.number),
                    "code": fresh_code(w.home.member), "amount": "100.000", "discount": "0",
                    "description": "Pupuk", "order": "", "request_key": _key()},
         {"description": "text", "qr": "text2", "code": "digits", "amount": "amount",
          "discount": "amount2", "member_number": "count2", "cooperative": "id", "order": "id"},
         (Purchase, Order),
         shown_at=lambda w: [("partner", reverse("partners:purchase-list")),
                             ("member", _k("member-purchase-list", w))],
         forged={"cooperative": lambda w: w.other.cooperative.pk,
                 "order": lambda w: w.other_order.pk}),
    Case("api-token", "partner", lambda w: reverse("partners:token-list"),
         lambda w: {"name": "Kasir toko 2"}, {"name": "text"}, (ApiToken,),
         shown_at=lambda w: [("partner", reverse("partners:token-list"))]),
    Case("platform-decision", "platform",
         lambda w: reverse("platform:cooperative", kwargs={"cooperative_id": w.pending.pk}),
         lambda w: {"decision": "reject", "reason": "Dokumen tidak lengkap"},
         {"reason": "text", "decision": "choice"}, (Cooperative,),
         shown_at=lambda w: [("platform", reverse("platform:cooperative",
                                                  kwargs={"cooperative_id": w.pending.pk}))]),
    Case("signup", "anonymous", lambda w: reverse("account_signup"),
         lambda w: {"email": f"baru{_serial()}@example.test", "password1": "Tanah-Air-2026!",
                    "password2": "Tanah-Air-2026!", "full_name": "Sri Wahyuni"},
         {"full_name": "text", "email": "email"}, (User,)),
]
# fmt: on

CASES_BY_NAME = {case.name: case for case in CASES}
# Every field of every case; "digits" also gets the short text set.
FIELD_CASES = [
    pytest.param(case.name, name, id=f"{case.name}:{name}")
    for case in CASES
    for name in case.fields
]


# --- Running one hostile post ------------------------------------------------------------------


def _users(w: World) -> dict[str, User | None]:
    return {
        "anonymous": None,
        "board": w.home.chair,
        "teller": w.home.teller,
        "member": w.home.member.user,
        "payer": w.home.payer.user,
        "leaver": w.home.leaver.user,
        "partner": w.partner_owner,
        "newcomer": w.newcomer,
        "platform": w.platform_staff,
        "other_board": w.other.chair,
    }


class Clients:
    """A logged-in client per kind of visitor (only those `case` needs), made before any
    savepoint: a session saved inside one would be rolled back with it, logging the client
    out. A 500 is returned (with its exception) rather than raised."""

    def __init__(self, w: World, case: Case):
        users = _users(w)
        needed = {case.who} | {who for who, _url in case.shown_at(w)}
        self.made: dict[str, Client] = {}
        for who in needed:
            client = Client() if users[who] is None else client_for(users[who])
            client.raise_request_exception = False
            self.made[who] = client

    def __getitem__(self, who: str) -> Client:
        return self.made[who]


def _values(case: Case, name: str, w: World) -> dict[str, str]:
    kind = case.fields[name]
    values, _refuse = KINDS[kind]
    values = dict(values)
    if kind == "digits":
        own = case.baseline(w)[name]
        values = {
            "unicode_digits": hostile.unicode_digits(own),
            "mixed_digits": own[:-4] + hostile.unicode_digits(own[-4:]),
        }
        values.update(nul=hostile.NUL, overlong=hostile.OVERLONG)
    if name in case.forged:
        values["other_tenant"] = str(case.forged[name](w))
    return values


def _must_refuse(case: Case, name: str, value_name: str) -> bool:
    kind = case.fields[name]
    refuse = KINDS[kind][1]
    if value_name in case.allow.get(name, set()):
        return False
    return (
        refuse is ALL
        or value_name in refuse
        or value_name
        in (
            "other_tenant",
            "unicode_digits",
            "mixed_digits",
        )
    )


#: Append-only tables (the database refuses updates): their count and last id say it all.
APPEND_ONLY = (JournalEntry, Posting)


def _snapshot(models: tuple[type, ...]) -> dict[str, object]:
    """The rows of `models` and the audit trail; a refused visit to another cooperative's
    object is rightly recorded (access.denied), so that kind is left out."""
    rows: dict[str, object] = {
        m.__name__: (
            m.objects.aggregate(Count("pk"), Max("pk"))
            if m in APPEND_ONLY
            else list(m.objects.order_by("pk").values_list())
        )
        for m in models
    }
    rows["Event"] = Event.objects.exclude(kind="access.denied").aggregate(Count("pk"), Max("pk"))
    return rows


def _text(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def _crash(response) -> str:
    exc = getattr(response, "exc_info", None)
    return f"{response.status_code} {exc[1]!r}" if exc else str(response.status_code)


def _post_one(clients: Clients, case: Case, w: World, name: str, value_name: str, value: str):
    """Post the baseline with `name` set to `value`; return the problems seen."""
    problems: list[str] = []
    where = f"{case.name}: {name}={value_name}"
    payload = case.baseline(w)
    payload[name] = value
    client = clients[case.who]
    with transaction.atomic():
        before = _snapshot(case.models)
        response = client.post(case.url(w), payload)
        if response.status_code >= 500:
            transaction.set_rollback(True)
            return [f"{where}: {_crash(response)}"]
        changed = _snapshot(case.models) != before
        markup = value if value in hostile.MARKUP or value_name == "attribute_breakout" else None
        pages = [response]
        # The next page says why (a message) or shows the value; else it need not be read.
        if response.status_code in (301, 302, 303) and (markup or not changed):
            followed = client.get(response["Location"])
            if followed.status_code >= 500:
                problems.append(f"{where}: the next page fails {_crash(followed)}")
            pages.append(followed)
        for page in pages:
            if markup and markup in _text(page):
                problems.append(f"{where}: the raw value is echoed in {page.status_code} page")
        if changed:
            if _must_refuse(case, name, value_name):
                problems.append(f"{where}: accepted ({response.status_code})")
            elif markup and value_name != "img_onerror":  # the script covers its contexts
                must_show = case.fields[name] == "text"
                problems += _shown_escaped(clients, case, w, where, markup, must_show=must_show)
        elif response.status_code not in (403, 404) and not any(
            marker in _text(page) for page in pages for marker in ERROR_MARKERS
        ):
            problems.append(f"{where}: nothing saved and no error shown ({response.status_code})")
        transaction.set_rollback(True)
    return problems


def _shown_escaped(
    clients: Clients, case: Case, w: World, where: str, markup: str, *, must_show: bool
) -> list[str]:
    """No page that shows the stored text has it raw; the form's main text field is shown
    (escaped) on at least one of them, so that this check can fail."""
    problems, shown = [], False
    for who, url in case.shown_at(w):
        page = clients[who].get(url)
        text = _text(page)
        if page.status_code >= 500:
            problems.append(f"{where}: {url} fails {_crash(page)}")
        elif markup in text:
            problems.append(f"{where}: {url} shows the raw markup")
        shown = shown or hostile.escaped(markup) in text
    if must_show and case.shown_at(w) and not shown:
        problems.append(f"{where}: no page shows the stored value")
    return problems


# --- The tests ---------------------------------------------------------------------------------


@pytest.mark.parametrize("case_name", [case.name for case in CASES])
def test_the_baseline_is_accepted(world, case_name):
    """Each form's baseline payload is valid: a refusal in the tests below is the hostile
    value's doing, not the baseline's."""
    case = CASES_BY_NAME[case_name]
    before = _snapshot(case.models)
    client = Clients(world, case)[case.who]

    response = client.post(case.url(world), case.baseline(world))

    assert response.status_code in (200, 201, 302), _crash(response)
    assert _snapshot(case.models) != before, (
        f"{case.name}: the baseline changed nothing: {_text(response)[:3000]}"
    )


@pytest.mark.parametrize(("case_name", "field_name"), FIELD_CASES)
def test_a_hostile_value_is_refused_or_stored_safely(world, case_name, field_name):
    case = CASES_BY_NAME[case_name]
    clients = Clients(world, case)
    problems = []
    for value_name, value in _values(case, field_name, world).items():
        problems += _post_one(clients, case, world, field_name, value_name, value)

    assert problems == [], "\n".join(problems)


# --- Filters and other query strings -----------------------------------------------------------

GET_VALUES = {
    "script": hostile.SCRIPT,
    "attribute_breakout": hostile.ATTRIBUTE_BREAKOUT,
    "nul": "1\x00",
    "overlong": hostile.OVERLONG,
    "huge": "9" * 30,
    "impossible_date": "2025-02-30",
}

# fmt: off
# who, page, parameters it reads
GET_PAGES = [
    ("board", lambda w: _k("member-list", w), ("q", "status", "page")),
    ("board", lambda w: _k("loan-list", w), ("tab",)),
    ("board", lambda w: _k("withdrawal-requests", w), ("status",)),
    ("board", lambda w: _k("arrears", w), ("page",)),
    ("board", lambda w: _k("reports", w), ("period", "month", "year", "quarter", "start", "end")),
    ("board", lambda w: _k("report-download", w, report="neraca-saldo", fmt="csv"),
     ("period", "year", "start")),
    ("board", lambda w: _k("audit-log", w),
     ("category", "actor", "date_from", "date_to", "kind", "before")),
    ("board", lambda w: _k("audit-csv", w), ("actor", "before")),
    ("board", lambda w: _k("participation-board", w), ("year",)),
    ("board", lambda w: _k("partnership-propose", w), ("q", "mitra")),
    ("board", lambda w: _k("vote-create", w), ("rapat",)),
    ("board", lambda w: _k("shu-list", w), ("edit",)),
    ("board", lambda w: _k("shu-detail", w, shu_id=w.home.shu.pk), ("page",)),
    ("board", lambda w: _k("teller", w), ("number",)),
    ("board", lambda w: _k("teller-member", w), ("number",)),
    ("board", lambda w: _k("partner-sales", w), ("from", "to")),
    ("board", lambda w: _k("partner-sales-csv", w), ("from", "to")),
    ("board", lambda w: _k("loan-portfolio", w), ("page",)),
    ("member", lambda w: _k("member-history", w), ("kind", "from", "to", "cursor")),
    ("member", lambda w: _k("member-statement-csv", w), ("kind", "from", "to")),
    ("member", lambda w: _k("member-participation", w), ("year",)),
    ("member", lambda w: _k("member-offer-list", w), ("page",)),
    ("member", lambda w: _k("member-offer-detail", w, offer_id=w.offer.pk), ("quantity",)),
    ("member", lambda w: _k("member-order-list", w), ("page",)),
    ("member", lambda w: reverse("notifications:inbox"), ("cursor",)),
    ("anonymous", lambda w: _k("loan-simulator", w), ("product", "amount", "term")),
    ("anonymous", lambda w: _k("loan-simulator-csv", w), ("product", "amount", "term")),
    ("anonymous", lambda w: reverse("koperasi:regency-options"), ("province",)),
    ("anonymous", lambda w: _k("member-list", w), ("next",)),
    ("platform", lambda w: reverse("platform:home"), ("status",)),
    ("platform", lambda w: reverse("platform:audit"), ("cooperative", "actor", "before")),
    ("partner", lambda w: reverse("partners:purchase-list"), ("month", "cooperative", "page")),
    ("partner", lambda w: reverse("partners:order-list"), ("status", "page")),
    ("partner", lambda w: reverse("partners:offer-list"), ("page",)),
    ("partner", lambda w: reverse("partners:figures"), ("year", "cooperative")),
]
# fmt: on


@pytest.mark.parametrize(
    ("who", "address", "parameters"),
    [pytest.param(*row, id=f"{row[0]}:{i}") for i, row in enumerate(GET_PAGES)],
)
def test_a_hostile_query_string_is_answered_without_a_crash_or_an_echo(
    world, who, address, parameters
):
    """Filters and links read from the query string: a page or a 4xx, never a 500, and the
    value never comes back as markup (reflected XSS)."""
    client = _client(world, who)
    url = address(world)
    problems = []
    for name in parameters:
        for value_name, value in GET_VALUES.items():
            response = client.get(url, {name: value})
            where = f"{url}?{name}={value_name}"
            if response.status_code >= 500:
                problems.append(f"{where}: {_crash(response)}")
            elif value in (hostile.SCRIPT, hostile.ATTRIBUTE_BREAKOUT) and value in _text(response):
                problems.append(f"{where}: the value is echoed raw")

    assert problems == [], "\n".join(problems)


def _client(w: World, who: str) -> Client:
    user = _users(w)[who]
    client = Client() if user is None else client_for(user)
    client.raise_request_exception = False
    return client


@pytest.mark.parametrize(
    ("year", "month"), [(0, 1), (99999, 1), (2025, 0), (2025, 13), (2999, 12), (1999, 12)]
)
def test_an_impossible_settlement_month_is_a_404(world, year, month):
    client = _client(world, "partner")
    for name in ("settlement-detail", "settlement-csv", "settlement-pdf"):
        url = reverse(f"partners:{name}", kwargs={"year": year, "month": month})

        assert client.get(url).status_code == 404, url


# --- Forged ids in the address --------------------------------------------------------------

# fmt: off
# form, who, its address for an object id, the object (ours; the other cooperative's is forged),
# a payload, the rows it writes
FORGED_PATHS = [
    ("member-decide", "board", lambda w, i: _k("member-decide", w, member_id=i),
     lambda s: s.applicant.pk, {"decision": "reject", "reason": "x"}, (Member,)),
    ("member-exit", "board", lambda w, i: _k("member-exit", w, member_id=i),
     lambda s: s.leaver.pk, {"kind": "resigned", "channel": "cash", "idempotency_key": "k1"},
     (Member, *LEDGER)),
    ("withdrawal-decide", "teller",
     lambda w, i: _k("withdrawal-request-decide", w, request_id=i),
     lambda s: s.withdrawal.pk, {"decision": "approve"}, (WithdrawalRequest, *LEDGER)),
    ("loan-approve", "board", lambda w, i: _k("loan-approve", w, loan_id=i),
     lambda s: s.submitted.pk, {}, (Loan,)),
    ("loan-reject", "board", lambda w, i: _k("loan-reject", w, loan_id=i),
     lambda s: s.submitted.pk, {"reason": "x"}, (Loan,)),
    ("loan-disburse", "board", lambda w, i: _k("loan-disburse", w, loan_id=i),
     lambda s: s.approved.pk, {"channel": "cash", "first_due": "2030-01-01"}, (Loan, *LEDGER)),
    ("loan-repay", "teller", lambda w, i: _k("loan-repay", w, loan_id=i),
     lambda s: s.disbursed.pk, {"amount": "50.000", "channel": "cash", "idempotency_key": "k2"},
     (Repayment, *LEDGER)),
    ("loan-product-edit", "board", lambda w, i: _k("loan-product-edit", w, product_id=i),
     lambda s: s.product.pk, _product_payload(None), (LoanProduct,)),
    ("meeting-door", "board", lambda w, i: _k("meeting-door", w, meeting_id=i),
     lambda s: s.meeting.pk, {"number": "1"}, (Attendance,)),
    ("meeting-rsvp", "member", lambda w, i: _k("member-meeting-rsvp", w, meeting_id=i),
     lambda s: s.meeting.pk, {"rsvp": "yes"}, (Attendance,)),
    ("vote-cast", "member", lambda w, i: _k("member-vote", w, vote_id=i),
     lambda s: s.vote.pk, {"option": "1"}, (VoteCast,)),
    ("member-loan-repay", "payer", lambda w, i: _k("member-loan-repay", w, loan_id=i),
     lambda s: s.disbursed.pk, {"amount": "50.000", "idempotency_key": "k3"},
     (Repayment, *LEDGER)),
    ("shu-publish", "board", lambda w, i: _k("shu-publish", w, shu_id=i),
     lambda s: s.shu.pk, {}, (Job,)),
]
# fmt: on


@pytest.mark.parametrize(
    ("who", "path", "target", "payload", "models"),
    [pytest.param(*row[1:], id=row[0]) for row in FORGED_PATHS],
)
def test_another_cooperatives_id_in_the_address_is_a_404_and_changes_nothing(
    world, who, path, target, payload, models
):
    client = _client(world, who)
    before = _snapshot(models)

    answers = [
        client.post(path(world, i), payload).status_code
        for i in (target(world.other), 99_999_999, 9_223_372_036_854_775_808)
    ]

    assert answers == [404, 404, 404]
    assert _snapshot(models) == before


# --- What a stored value becomes elsewhere: messages, emails, settings --------------------------


def test_an_announcement_with_markup_reaches_the_inbox_and_the_email_escaped(world, mailoutbox):
    from koperasi.notifications.announcements import announcement_send
    from koperasi.notifications.channels import send_email
    from koperasi.notifications.models import Notification

    response = _client(world, "board").post(
        _k("announcement-list", world),
        {"audience": "active", "title": hostile.SCRIPT, "body": hostile.IMG_ONERROR},
    )
    assert response.status_code == 302
    announcement_send(announcement_id=_latest(Announcement).pk, publish=False)

    inbox = _text(_client(world, "member").get(reverse("notifications:inbox")))
    notification = Notification.objects.get(recipient=world.home.member.user, kind="announcement")
    notification.to_email = world.home.member.user.email
    send_email(notification)
    email = mailoutbox[-1]
    html = email.alternatives[0][0]

    for page in (inbox, html):
        assert hostile.SCRIPT not in page
        assert hostile.IMG_ONERROR not in page
        assert hostile.escaped(hostile.SCRIPT) in page
        assert hostile.escaped(hostile.IMG_ONERROR) in page
    assert hostile.SCRIPT in email.subject  # plain text: a subject is not HTML


def test_an_announcement_title_with_a_line_break_is_still_emailed_on_one_line(world, mailoutbox):
    """A line break in a title (a hand-made POST) neither adds a header nor stops the email."""
    from koperasi.notifications.announcements import announcement_send
    from koperasi.notifications.channels import send_email
    from koperasi.notifications.models import Notification

    response = _client(world, "board").post(
        _k("announcement-list", world),
        {"audience": "active", "title": "Rapat\nBcc: korban@example.test", "body": "Besok."},
    )
    assert response.status_code == 302
    announcement_send(announcement_id=_latest(Announcement).pk, publish=False)
    notification = Notification.objects.get(recipient=world.home.member.user, kind="announcement")
    notification.to_email = world.home.member.user.email

    send_email(notification)

    assert mailoutbox[-1].bcc == []
    assert mailoutbox[-1].to == [world.home.member.user.email]
    assert mailoutbox[-1].subject == "Portal Koperasi: Rapat Bcc: korban@example.test"


def test_a_hostile_language_or_next_page_is_ignored(world):
    from django.conf import settings

    member = world.home.member.user
    client = _client(world, "member")
    for value in (hostile.SCRIPT, "x\x00", hostile.OVERLONG, "en\r\nSet-Cookie: a=b"):
        response = client.post(reverse("set_language"), {"language": value, "next": value})

        assert response.status_code in (302, 204), _crash(response)
        assert url_has_allowed_host_and_scheme(response.get("Location", "/"), {"testserver"})
        assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    member.refresh_from_db()
    assert member.language == "id"


def test_hostile_notification_settings_are_ignored(world):
    from koperasi.notifications.inbox import KINDS as NOTIFICATION_KINDS
    from koperasi.notifications.models import Preference

    client = _client(world, "member")

    response = client.post(
        reverse("notifications:preferences"),
        {f"{hostile.SCRIPT}:email": "on", "x\x00:inapp": "on", "announcement:\x00": "on"},
    )
    overlong = client.post(reverse("notifications:preferences"), {hostile.OVERLONG: "on"})

    assert response.status_code == 302, _crash(response)
    # Django refuses a field name longer than its header limit.
    assert overlong.status_code in (302, 400), _crash(overlong)
    # What was not a real kind and channel is ignored (the real ones, unticked, are saved off).
    kinds = set(Preference.objects.values_list("kind", flat=True))
    assert kinds
    assert kinds <= {kind.key for kind in NOTIFICATION_KINDS.values()}
