from __future__ import annotations

import uuid

import pytest
from django.conf import settings
from django.test import Client

from koperasi.models import Cooperative, Role
from tests.factories import CooperativeFactory, RoleFactory, UserFactory


@pytest.fixture(autouse=True)
def _isolated_cache(settings):
    """Each test gets its own key space in the shared Redis cache, so rate-limit counts
    never leak from one test (or xdist worker) into another."""
    caches = {name: dict(conf) for name, conf in settings.CACHES.items()}
    for conf in caches.values():
        conf["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    settings.CACHES = caches


@pytest.fixture(autouse=True)
def _regions_survive_flushes(request):
    """A transactional test (live server, threads) ends by emptying every table, the regions
    loaded by a migration included; put them back for the tests that follow."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or (
        "live_server" in request.fixturenames or "transactional_db" in request.fixturenames
    )
    if not transactional:
        return
    request.getfixturevalue("transactional_db")
    from koperasi.models import Province, Regency
    from koperasi.regions import regions_load

    if not Province.objects.exists():
        regions_load(Province, Regency)


@pytest.fixture
def cooperative() -> Cooperative:
    return CooperativeFactory()


@pytest.fixture
def other_cooperative() -> Cooperative:
    return CooperativeFactory()


@pytest.fixture
def pending_cooperative() -> Cooperative:
    return CooperativeFactory(status=Cooperative.Status.PENDING)


def _role(cooperative, kind, title=""):
    return RoleFactory(cooperative=cooperative, kind=kind, title=title).user


@pytest.fixture
def chair(cooperative):
    return _role(cooperative, Role.Kind.BOARD, Role.Title.CHAIR)


@pytest.fixture
def supervisor(cooperative):
    return _role(cooperative, Role.Kind.SUPERVISOR)


@pytest.fixture
def teller(cooperative):
    return _role(cooperative, Role.Kind.TELLER)


@pytest.fixture
def member(cooperative):
    return _role(cooperative, Role.Kind.MEMBER)


@pytest.fixture
def platform_staff():
    return UserFactory(is_platform_staff=True)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def english_client(user) -> Client:
    """A logged-in client that reads the pages in English."""
    client = client_for(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def board_client(chair) -> Client:
    return client_for(chair)


@pytest.fixture
def platform_client(platform_staff) -> Client:
    return client_for(platform_staff)


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the portal's default language (Indonesian), whatever the previous
    test on this worker activated; messages outside a request follow the active language."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
