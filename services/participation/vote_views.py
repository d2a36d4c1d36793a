"""Votes: the board's pages under kelola/voting/ and the members' under anggota/voting/."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from koperasi.errors import DomainError
from koperasi.forms import add_domain_error
from koperasi.tenancy import BOARD, MEMBER, STAFF_ROLES, get_for_tenant, tenant_view
from services.participation import votes
from services.participation.forms import BallotForm, VoteForm
from services.participation.models import Vote
from services.savings.member_views import get_own_member


@require_GET
@tenant_view(*STAFF_ROLES)
def vote_list(request: HttpRequest, coop_slug: str) -> HttpResponse:
    tenant = request.tenant
    context = {"tenant": tenant, "votes": votes.votes_for(cooperative=tenant.cooperative)}
    return render(request, "participation/vote_list.html", context)


@require_http_methods(["GET", "POST"])
@tenant_view(BOARD, write=True)
def vote_create(request: HttpRequest, coop_slug: str) -> HttpResponse:
    cooperative = request.tenant.cooperative
    initial = {}
    if meeting_id := request.GET.get("rapat", "").strip():
        initial["meeting"] = meeting_id if meeting_id.isdigit() else None
    form = VoteForm(request.POST or None, cooperative=cooperative, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            vote = votes.vote_create(
                cooperative=cooperative,
                acting_user=request.user,
                kind=data["kind"],
                question=data["question"],
                description=data["description"],
                secret=data["secret"],
                opens_at=data["opens_at"],
                closes_at=data["closes_at"],
                options=data["options"],
                meeting=data["meeting"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The vote is ready."))
            return redirect("koperasi:vote-admin", coop_slug=coop_slug, vote_id=vote.pk)
    return render(request, "participation/vote_form.html", {"tenant": request.tenant, "form": form})


@require_GET
@tenant_view(*STAFF_ROLES)
def vote_admin(request: HttpRequest, coop_slug: str, vote_id: int) -> HttpResponse:
    """The vote and, once it has closed, its results and turnout."""
    vote = get_for_tenant(Vote.objects.select_related("meeting"), request.tenant, pk=vote_id)
    context = {
        "tenant": request.tenant,
        "vote": vote,
        "options": vote.options.all(),
        "results": votes.vote_results(vote=vote),
        "is_open": votes.vote_is_open(vote),
    }
    return render(request, "participation/vote_admin.html", context)


@require_GET
@tenant_view(MEMBER)
def member_votes(request: HttpRequest, coop_slug: str) -> HttpResponse:
    member = get_own_member(request)
    cooperative = request.tenant.cooperative
    open_votes = list(votes.votes_open(cooperative=cooperative))
    context = {
        "tenant": request.tenant,
        "open_votes": open_votes,
        "voted": votes.voted_ids(member=member, votes=open_votes),
        "closed_votes": votes.votes_for(cooperative=cooperative).filter(
            closes_at__lte=timezone.now()
        )[:20],
    }
    return render(request, "participation/vote_member_list.html", context)


@require_http_methods(["GET", "POST"])
@tenant_view(MEMBER)
def member_vote(request: HttpRequest, coop_slug: str, vote_id: int) -> HttpResponse:
    """Vote while open; see "your vote was counted"; see the results once closed."""
    vote = get_for_tenant(Vote.objects.select_related("meeting"), request.tenant, pk=vote_id)
    member = get_own_member(request)
    form = BallotForm(request.POST or None, vote=vote)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                votes.vote_cast(vote=vote, member=member, option_id=form.cleaned_data["option"])
            except DomainError as error:
                add_domain_error(form, error)
                status = 422
            else:
                messages.success(request, _("Your vote was counted."))
                return redirect("koperasi:member-vote", coop_slug=coop_slug, vote_id=vote.pk)
        else:
            status = 422
    context = {
        "tenant": request.tenant,
        "vote": vote,
        "form": form,
        "cast": votes.cast_of(vote=vote, member=member),
        "refusal": votes.member_refusal(vote=vote, member=member),
        "is_open": votes.vote_is_open(vote),
        "results": votes.vote_results(vote=vote),
    }
    return render(request, "participation/vote_member.html", context, status=status)
