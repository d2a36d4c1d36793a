"""PostgreSQL guards for the ledger: balanced entries and append-only history.

- After every INSERT statement on postings, each entry it touched must sum to zero (a
  statement-level trigger over the transition table: the one posting function writes all of an
  entry's postings in one statement, so a half-written entry can never commit).
- UPDATE and DELETE on postings and journal entries are refused: corrections are reversals.
SQLite (the `make run` default) has neither; the posting function checks the same rules.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION ledger_entries_balance() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    unbalanced bigint;
BEGIN
    SELECT p.entry_id INTO unbalanced
      FROM services_posting p
     WHERE p.entry_id IN (SELECT DISTINCT entry_id FROM new_postings)
     GROUP BY p.entry_id
    HAVING SUM(p.amount) <> 0
     LIMIT 1;
    IF unbalanced IS NOT NULL THEN
        RAISE EXCEPTION 'journal entry % does not balance', unbalanced
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER posting_entries_balance
    AFTER INSERT ON services_posting
    REFERENCING NEW TABLE AS new_postings
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_balance();

CREATE OR REPLACE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: post a reversing entry instead', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END $$;

CREATE TRIGGER posting_append_only
    BEFORE UPDATE OR DELETE ON services_posting
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();

CREATE TRIGGER journalentry_append_only
    BEFORE UPDATE OR DELETE ON services_journalentry
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS journalentry_append_only ON services_journalentry;
DROP TRIGGER IF EXISTS posting_append_only ON services_posting;
DROP TRIGGER IF EXISTS posting_entries_balance ON services_posting;
DROP FUNCTION IF EXISTS ledger_append_only();
DROP FUNCTION IF EXISTS ledger_entries_balance();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("services", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
