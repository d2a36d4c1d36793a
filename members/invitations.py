"""The invitation a newly admitted member receives: a link to set their password."""

from __future__ import annotations

from allauth.account import app_settings as allauth_settings
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from members.models import Member


def set_password_url(user) -> str:
    """An absolute link to allauth's "set a new password" page, valid like a reset link."""
    token = allauth_settings.PASSWORD_RESET_TOKEN_GENERATOR().make_token(user)
    path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
    return settings.PORTAL_URL.rstrip("/") + path.replace(
        "UID-KEY", f"{user_pk_to_url_str(user)}-{token}"
    )


def invitation_send(*, member: Member) -> None:
    """Email the member a link to set a password, in their language."""
    user = member.user
    with translation.override(user.language or settings.LANGUAGE_CODE):
        context = {
            "member": member,
            "cooperative": member.cooperative,
            "url": set_password_url(user),
        }
        subject = render_to_string("members/email/invitation_subject.txt", context).strip()
        body = render_to_string("members/email/invitation.txt", context)
    send_mail(subject, body, None, [user.email])
