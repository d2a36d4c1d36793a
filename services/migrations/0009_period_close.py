"""Closing the books: the `PeriodClose` model, and on PostgreSQL a trigger that refuses any
journal entry or posting dated on or before its cooperative's closed-through day.

The trigger first takes the cooperative's period lock shared (`pg_advisory_xact_lock_shared`
with the namespace of `services.ledger.periods.LOCK_NAMESPACE`), so an INSERT racing a close
waits for it and then sees it. SQLite (`make run`) has no trigger: `entry_post` and the month
end check the same rule in Python.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

FORWARD = """
CREATE OR REPLACE FUNCTION ledger_period_open() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    refused record;
BEGIN
    PERFORM pg_advisory_xact_lock_shared(480617, s.cooperative_id::int)
       FROM (SELECT DISTINCT cooperative_id FROM new_rows) s;
    SELECT n.cooperative_id, n.date, MAX(c.closed_through) AS closed_through INTO refused
      FROM new_rows n
      JOIN services_periodclose c
        ON c.cooperative_id = n.cooperative_id AND c.closed_through >= n.date
     GROUP BY n.cooperative_id, n.date
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'the books of cooperative % are closed through %: nothing may be dated %',
            refused.cooperative_id, refused.closed_through, refused.date
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER journalentry_period_open
    AFTER INSERT ON services_journalentry
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_period_open();

CREATE TRIGGER posting_period_open
    AFTER INSERT ON services_posting
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_period_open();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS posting_period_open ON services_posting;
DROP TRIGGER IF EXISTS journalentry_period_open ON services_journalentry;
DROP FUNCTION IF EXISTS ledger_period_open();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("koperasi", "0001_initial"),
        ("services", "0008_jobs"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PeriodClose",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("closed_through", models.DateField(verbose_name="closed through")),
                (
                    "closed_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="closed at"
                    ),
                ),
                ("note", models.CharField(blank=True, max_length=200, verbose_name="note")),
                (
                    "closed_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "cooperative",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="koperasi.cooperative",
                    ),
                ),
            ],
            options={
                "verbose_name": "closed period",
                "verbose_name_plural": "closed periods",
                "ordering": ["-closed_through"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("cooperative", "closed_through"), name="period_close_once"
                    )
                ],
            },
        ),
        migrations.RunPython(forward, backward),
    ]
