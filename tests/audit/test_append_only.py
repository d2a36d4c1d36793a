"""Nobody changes or deletes the audit log: PostgreSQL refuses it, the admin offers nothing."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from koperasi.models import Event
from tests.conftest import client_for

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the guard is a PostgreSQL trigger"
    ),
]


@pytest.fixture
def event(cooperative, chair):
    with transaction.atomic():
        return Event.objects.create(
            kind="role.granted",
            actor=chair,
            cooperative=cooperative,
            data={"user_id": chair.pk, "role": "board"},
            ip_address="203.0.113.7",
        )


def _refused(action) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        action()


def _unchanged(event) -> None:
    stored = Event.objects.get(pk=event.pk)
    assert (stored.kind, stored.data, stored.ip_address) == (
        "role.granted",
        event.data,
        "203.0.113.7",
    )


def test_an_event_cannot_be_updated(event):
    event.kind = "role.revoked"

    _refused(event.save)
    _refused(lambda: Event.objects.filter(pk=event.pk).update(ip_address="10.0.0.1"))

    _unchanged(event)


def test_an_event_cannot_be_deleted(event):
    _refused(lambda: Event.objects.filter(pk=event.pk).delete())
    _refused(lambda: Event.objects.all().delete())

    _unchanged(event)


def test_raw_sql_cannot_change_or_delete_either(event):
    def run(sql):
        with connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])

    _refused(lambda: run("UPDATE koperasi_event SET data = '{}' WHERE id = %s"))
    _refused(lambda: run("DELETE FROM koperasi_event WHERE id = %s"))

    _unchanged(event)


def test_the_table_cannot_be_truncated(event):
    def truncate():
        with connection.cursor() as cursor:
            # Test databases let the test runner empty tables between tests; this turns the
            # guard on as it is everywhere else.
            cursor.execute("SET LOCAL koperasi.audit_strict = 'on'")
            # The test's own inserts still have deferred foreign-key checks pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("TRUNCATE koperasi_event")

    _refused(truncate)

    _unchanged(event)


def test_the_admin_offers_no_change_and_no_delete(event):
    from tests.factories import UserFactory

    admin = UserFactory(is_staff=True, is_superuser=True)
    client = client_for(admin)

    listing = client.get("/django-admin/koperasi/event/")
    detail = client.get(f"/django-admin/koperasi/event/{event.pk}/change/")
    delete = client.post(f"/django-admin/koperasi/event/{event.pk}/delete/", {"post": "yes"})

    assert listing.status_code == 200
    assert detail.status_code == 200
    assert b'name="_save"' not in detail.content
    assert delete.status_code == 403
    _unchanged(event)
