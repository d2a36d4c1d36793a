from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse


@pytest.fixture(autouse=True)
def _score_urls(settings):
    """Serve the score pages whether or not koperasi/urls.py includes them yet."""
    try:
        reverse("koperasi:participation-board", kwargs={"coop_slug": "x"})
    except NoReverseMatch:
        settings.ROOT_URLCONF = "tests.participation_score.urls"
