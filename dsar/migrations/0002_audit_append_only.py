"""On PostgreSQL the database itself refuses UPDATE and DELETE on the audit trail.

TRUNCATE is left to privileges (the application's role should not own the table):
a statement trigger on it would also stop the test runner's flush.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION dsar_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'dsar_auditevent is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER dsar_auditevent_no_update_delete
    BEFORE UPDATE OR DELETE ON dsar_auditevent
    FOR EACH ROW EXECUTE FUNCTION dsar_audit_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS dsar_auditevent_no_update_delete ON dsar_auditevent;
DROP FUNCTION IF EXISTS dsar_audit_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("dsar", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
