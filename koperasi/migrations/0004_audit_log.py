"""The audit log: where each event came from (browser, page), and an append-only event table.

On PostgreSQL, UPDATE and DELETE of events are refused by a trigger, like the ledger's
(services 0002_ledger_guards), and so is TRUNCATE. The one exception is TRUNCATE in a test
database (Django names them `test_...`): the test runner empties every table between
transactional tests; a test can still check the guard by setting
`koperasi.audit_strict = 'on'` in its transaction. SQLite (the `make run` default) has no
guard: nothing in the code updates or deletes an event.
"""

from django.db import migrations, models

FORWARD = r"""
CREATE OR REPLACE FUNCTION koperasi_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE'
       AND current_database() LIKE 'test\_%'
       AND current_setting('koperasi.audit_strict', true) IS DISTINCT FROM 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '% is append-only: the audit log is never changed or deleted',
        TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END $$;

CREATE TRIGGER event_append_only
    BEFORE UPDATE OR DELETE ON koperasi_event
    FOR EACH STATEMENT EXECUTE FUNCTION koperasi_event_append_only();

CREATE TRIGGER event_no_truncate
    BEFORE TRUNCATE ON koperasi_event
    FOR EACH STATEMENT EXECUTE FUNCTION koperasi_event_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS event_no_truncate ON koperasi_event;
DROP TRIGGER IF EXISTS event_append_only ON koperasi_event;
DROP FUNCTION IF EXISTS koperasi_event_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("koperasi", "0003_sequence")]

    operations = [
        migrations.AddField(
            model_name="event",
            name="path",
            field=models.CharField(blank=True, max_length=200, verbose_name="page"),
        ),
        migrations.AddField(
            model_name="event",
            name="user_agent",
            field=models.CharField(blank=True, max_length=200, verbose_name="browser"),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(fields=["actor", "-created_at"], name="event_actor_created"),
        ),
        migrations.RunPython(forward, backward),
    ]
