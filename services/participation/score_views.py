"""Participation score pages under /k/<coop_slug>/: the member's own score with its breakdown
and trend (anggota/partisipasi/), and the board's view of the distribution, the least engaged
members and the weights (kelola/partisipasi/...).

A member sees only their own numbers (no member id in the URL). Supervisors read the board
page and change nothing. Each year's scores come from one aggregate query
(participation_scores), so the member's five-year trend costs five queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from koperasi.events import event_record
from koperasi.models import Cooperative, User
from koperasi.tenancy import BOARD, MEMBER, STAFF_ROLES, tenant_view
from members.models import Member
from services.participation.models import ParticipationWeights
from services.participation.score import ParticipationScore, participation_scores
from services.participation.score_forms import SETTINGS_FIELDS, WeightsForm, YearForm
from services.participation.shu import fiscal_year_bounds
from services.savings import charts
from services.savings.member_views import get_own_member

TREND_YEARS = 5
LEAST_ENGAGED = 20
BANDS = ((0, 19), (20, 39), (40, 59), (60, 79), (80, 100))


def fiscal_year_of(cooperative: Cooperative, day: dt.date) -> int:
    """The fiscal year a day falls in (named after the year it ends in)."""
    start_month = cooperative.fiscal_year_start_month or 1
    if start_month == 1 or day.month < start_month:
        return day.year
    return day.year + 1


def recent_years(cooperative: Cooperative) -> list[int]:
    """The current fiscal year and the four before it, newest first."""
    current = fiscal_year_of(cooperative, timezone.localdate())
    return [current - i for i in range(TREND_YEARS)]


def weights_of(cooperative: Cooperative) -> ParticipationWeights:
    found = ParticipationWeights.objects.filter(cooperative=cooperative).first()
    return found or ParticipationWeights(cooperative=cooperative)


@transaction.atomic
def participation_weights_save(
    *, cooperative: Cooperative, data: dict[str, int], acting_user: User
) -> ParticipationWeights:
    """Store the four weights (the form has checked that they add up to 100) and record it."""
    weights = ParticipationWeights.objects.select_for_update().filter(
        cooperative=cooperative
    ).first() or ParticipationWeights(cooperative=cooperative)
    before = {name: getattr(weights, name) for name in SETTINGS_FIELDS if name in data}
    for name in SETTINGS_FIELDS:
        if name in data:
            setattr(weights, name, data[name])
    weights.save()
    event_record(
        kind="participation.weights_changed",
        actor=acting_user,
        cooperative=cooperative,
        data={"before": before, "after": {name: data[name] for name in before}},
    )
    return weights


def _year_chosen(request: HttpRequest, years: list[int]) -> tuple[YearForm, int]:
    """?year= when it is one of `years`, else the current fiscal year."""
    form = YearForm(request.GET if "year" in request.GET else None, years=years)
    return form, form.cleaned_data["year"] if form.is_valid() else years[0]


@require_GET
@tenant_view(MEMBER)
def member_participation(request: HttpRequest, coop_slug: str) -> HttpResponse:
    """The member's own score for a year (this one unless ?year=) with its breakdown, and
    the trend over the last (up to) five fiscal years: one query per year shown."""
    tenant = request.tenant
    cooperative = tenant.cooperative
    member = get_own_member(request)
    years = recent_years(cooperative)
    _form, year = _year_chosen(request, years)
    trend: list[tuple[int, ParticipationScore | None]] = []
    for each in reversed(years):  # oldest first, for the chart
        if member.joined_on and member.joined_on > fiscal_year_bounds(cooperative, each)[1]:
            continue  # joined after this fiscal year: nothing to show (no query)
        mine = next(
            (
                s
                for s in participation_scores(cooperative=cooperative, year=each)
                if s.member_id == member.pk
            ),
            None,
        )
        if mine is not None or trend:
            trend.append((each, mine))
    chart = charts.bar_chart(
        points=[(str(each), s.score if s else 0) for each, s in trend],
        title=_("My participation score by fiscal year"),
        description=", ".join(f"{each}: {s.score if s else '-'}" for each, s in trend),
        element_id="score-trend",
        label_every=1,
        value_label=str,
    )
    context = {
        "tenant": tenant,
        "member": member,
        "year": year,
        "years": years,
        "current_year": years[0],
        "score": dict(trend).get(year),
        "weights": weights_of(cooperative),
        "trend": trend,
        "chart": chart,
    }
    return render(request, "participation/score_member.html", context)


@dataclass(frozen=True)
class Band:
    low: int
    high: int
    count: int


def score_bands(scores: list[ParticipationScore]) -> list[Band]:
    return [
        Band(low, high, sum(1 for s in scores if low <= s.score <= high)) for low, high in BANDS
    ]


def least_engaged(scores: list[ParticipationScore], cooperative: Cooperative) -> list[dict]:
    """The lowest scores (ties by member number), with each member's phone (one query)."""
    lowest = sorted(scores, key=lambda s: (s.score, s.number or 0, s.member_id))[:LEAST_ENGAGED]
    phones = dict(
        Member.objects.filter(
            cooperative=cooperative, pk__in=[s.member_id for s in lowest]
        ).values_list("pk", "phone")
    )
    return [{"score": s, "phone": phones.get(s.member_id, "")} for s in lowest]


def _board_context(request: HttpRequest, weights_form: WeightsForm | None = None) -> dict:
    tenant = request.tenant
    cooperative = tenant.cooperative
    years = recent_years(cooperative)
    _form, year = _year_chosen(request, years)
    scores = participation_scores(cooperative=cooperative, year=year)
    bands = score_bands(scores)
    weights = weights_of(cooperative)
    chart = charts.bar_chart(
        points=[(f"{b.low}-{b.high}", b.count) for b in bands],
        title=_("Members by participation score, %(year)s") % {"year": year},
        description=", ".join(f"{b.low}-{b.high}: {b.count}" for b in bands),
        element_id="score-bands",
        label_every=1,
        value_label=str,
    )
    return {
        "tenant": tenant,
        "year": year,
        "years": years,
        "bands": bands,
        "chart": chart,
        "member_count": len(scores),
        "least_engaged": least_engaged(scores, cooperative),
        "weights": weights,
        "weights_form": weights_form or WeightsForm(instance=weights),
    }


@require_GET
@tenant_view(*STAFF_ROLES)
def participation_board(request: HttpRequest, coop_slug: str) -> HttpResponse:
    return render(request, "participation/score_board.html", _board_context(request))


@require_POST
@tenant_view(BOARD, write=True)
def participation_weights(request: HttpRequest, coop_slug: str) -> HttpResponse:
    cooperative = request.tenant.cooperative
    form = WeightsForm(request.POST, instance=weights_of(cooperative))
    if form.is_valid():
        participation_weights_save(
            cooperative=cooperative,
            data={name: form.cleaned_data[name] for name in SETTINGS_FIELDS},
            acting_user=request.user,
        )
        messages.success(request, _("Participation weights saved."))
        return redirect("koperasi:participation-board", coop_slug=coop_slug)
    context = _board_context(request, weights_form=form)
    return render(request, "participation/score_board.html", context, status=400)
