"""Wire this subsystem's pages and header count for its tests, whether or not the project's
urls.py and settings include them yet."""

from __future__ import annotations

import copy

import pytest

from koperasi.celery import app as celery_app

PROCESSOR = "koperasi.notifications.context_processors.unread_notifications"


@pytest.fixture(autouse=True)
def _notifications_wired(settings):
    settings.ROOT_URLCONF = "tests.notifications_ui.urls"
    templates = copy.deepcopy(settings.TEMPLATES)
    processors = templates[0]["OPTIONS"]["context_processors"]
    if PROCESSOR not in processors:
        processors.append(PROCESSOR)
        settings.TEMPLATES = templates
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.NOTIFY_GATEWAY_URL = ""


@pytest.fixture
def eager():
    """Tests set REDIS_URL, so tasks would go to a broker: run them in-process instead."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client
