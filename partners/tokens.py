"""API tokens of partners: created and revoked in the partner portal, used by the JSON API.

A token reads `kop_<8 hex>_<secret>`. Only its SHA-256 is stored; its first 12 characters
(`kop_<8 hex>`) are kept as `prefix` so people can tell tokens apart. The plaintext is shown
once, when the token is created, and can never be shown again.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from koperasi.errors import DomainError
from koperasi.events import event_record
from koperasi.models import User
from partners.models import ApiToken, Partner, PartnerUser

API_TOKEN_CREATED = "api_token.created"  # noqa: S105 (event kinds)
API_TOKEN_REVOKED = "api_token.revoked"  # noqa: S105

TOKEN_SCHEME = "kop"  # noqa: S105 (the public prefix)
#: `last_used_at` is written at most this often per token (no write on every request).
LAST_USED_RESOLUTION = timedelta(minutes=1)


def token_hash(plaintext: str) -> str:
    """The stored form of a token: SHA-256, hex."""
    return hashlib.sha256(plaintext.encode()).hexdigest()


def _require_owner(*, partner: Partner, user: User) -> None:
    if not PartnerUser.objects.filter(
        partner=partner, user=user, role=PartnerUser.Role.OWNER
    ).exists():
        raise DomainError(_("Only the business's owner can manage API tokens."))


@transaction.atomic
def api_token_create(*, partner: Partner, acting_user: User, name: str) -> tuple[ApiToken, str]:
    """The partner's owner creates a token; the plaintext is returned once and never stored."""
    _require_owner(partner=partner, user=acting_user)
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the token a name."), field="name")
    if len(name) > ApiToken._meta.get_field("name").max_length:
        raise DomainError(_("The name is too long."), field="name")
    for _attempt in range(5):
        prefix = f"{TOKEN_SCHEME}_{secrets.token_hex(4)}"
        plaintext = f"{prefix}_{secrets.token_urlsafe(32)}"
        try:
            with transaction.atomic():
                token = ApiToken.objects.create(
                    partner=partner,
                    name=name,
                    prefix=prefix,
                    key_hash=token_hash(plaintext),
                    created_by=acting_user,
                )
        except IntegrityError:  # a prefix collision (1 in 4 billion): draw again
            continue
        break
    else:  # pragma: no cover
        raise DomainError(_("The token could not be created. Please try again."))
    event_record(
        kind=API_TOKEN_CREATED,
        actor=acting_user,
        data={"partner_id": partner.pk, "token_id": token.pk, "name": name, "prefix": prefix},
    )
    return token, plaintext


@transaction.atomic
def api_token_revoke(*, token: ApiToken, acting_user: User) -> ApiToken:
    """The partner's owner revokes a token; requests with it are refused from then on."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    _require_owner(partner=token.partner, user=acting_user)
    if token.revoked_at is not None:
        raise DomainError(_("This token is already revoked."))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    event_record(
        kind=API_TOKEN_REVOKED,
        actor=acting_user,
        data={
            "partner_id": token.partner_id,
            "token_id": token.pk,
            "name": token.name,
            "prefix": token.prefix,
        },
    )
    return token


def api_token_for_plaintext(plaintext: str) -> ApiToken | None:
    """The live token a request presents, or None for unknown and revoked tokens, and for a
    token whose creator no longer belongs to the business (it acts in their name)."""
    if not plaintext or len(plaintext) > 200 or not plaintext.startswith(f"{TOKEN_SCHEME}_"):
        return None
    creator_still_there = PartnerUser.objects.filter(
        partner=OuterRef("partner"), user=OuterRef("created_by")
    )
    return (
        ApiToken.objects.select_related("partner", "created_by")
        .filter(key_hash=token_hash(plaintext), revoked_at__isnull=True)
        .filter(Exists(creator_still_there))
        .first()
    )


def api_token_touch(*, token: ApiToken) -> None:
    """Record that the token was used, at most once a minute (a bookkeeping write, no event)."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
    ).update(last_used_at=now)
    token.last_used_at = now


def api_tokens_of(*, partner: Partner):
    """The partner's tokens, newest first, revoked ones included."""
    return ApiToken.objects.filter(partner=partner).select_related("created_by")
