"""Aggregate figures through the API: only for a financing partner, only with consent."""

from __future__ import annotations

import pytest

from partners.actions import partnership_figures_grant
from partners.models import Partner

pytestmark = pytest.mark.django_db


def test_a_partner_that_is_not_a_financier_sees_no_figures(api, partnership):
    assert api.get("/figures").json() == {"count": 0, "items": []}


def test_a_financing_partner_sees_the_figures_the_board_shares(
    partner, api, partnership, chair, cooperative, shopper
):
    Partner.objects.filter(pk=partner.pk).update(kind=Partner.Kind.BANK_OR_FUND)
    assert api.get("/figures").json()["count"] == 0

    partnership_figures_grant(partnership=partnership, acting_user=chair)
    body = api.get("/figures").json()

    assert body["count"] == 1
    figures = body["items"][0]
    assert (figures["slug"], figures["name"]) == (cooperative.slug, cooperative.name)
    assert figures["active_members"] == 1
    assert figures["loans_active"] == 0
    assert figures["par30_percent"] == "0.00"
    assert figures["savings_total"] == (
        figures["savings_pokok"] + figures["savings_wajib"] + figures["savings_sukarela"]
    )
    assert "nik" not in str(body).lower()
