"""The partner portal's API tokens page (/mitra/api/): list, create (owner), revoke (owner).

A new token's plaintext is rendered once, in the answer to the POST that created it (never
stored, never put in the session or a redirect), with `Cache-Control: no-store`.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from koperasi.errors import DomainError
from koperasi.forms import add_domain_error
from partners.models import ApiToken, PartnerUser
from partners.portal import get_for_partner, partner_view
from partners.tokens import api_token_create, api_token_revoke, api_tokens_of

TOKEN_LIST = "partners/token_list.html"  # noqa: S105 (a template name)


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=80,
        help_text=gettext_lazy('Where the token is used, e.g. "Cash register shop 1".'),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


@partner_view()
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    """The partner's API tokens; the owner creates one here and sees its secret once."""
    is_owner = request.partner_role == PartnerUser.Role.OWNER
    form = TokenCreateForm(request.POST or None) if is_owner else None
    new_token = plaintext = None
    if request.method == "POST":
        if not is_owner:
            raise PermissionDenied
        if form.is_valid():
            try:
                new_token, plaintext = api_token_create(
                    partner=request.partner,
                    acting_user=request.user,
                    name=form.cleaned_data["name"],
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                form = TokenCreateForm()
    response = render(
        request,
        TOKEN_LIST,
        {
            "partner": request.partner,
            "partner_role": request.partner_role,
            "is_owner": is_owner,
            "tokens": api_tokens_of(partner=request.partner),
            "form": form,
            "new_token": new_token,
            "plaintext": plaintext,
        },
        status=201 if plaintext else 200,
    )
    add_never_cache_headers(response)
    return response


@partner_view(PartnerUser.Role.OWNER)
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    """The owner revokes a token: the API refuses it from the next request on."""
    token = get_for_partner(ApiToken.objects.all(), request.partner, pk=token_id)
    try:
        api_token_revoke(token=token, acting_user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The token %(name)s is revoked.") % {"name": token.name})
    return redirect("partners:token-list")
