"""On PostgreSQL, the database itself refuses to change or delete the log and the signatures.

A signature row may only be voided once (voided_at, voided_by, void_reason) and have its stored
PDF's name and hash written (pdf, pdf_sha256); every other column is fixed once inserted. SQLite has no such
triggers here: the application and the admin refuse there.
"""

from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION assessments_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'append-only: % on % is refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION assessments_signature_update() RETURNS trigger AS $$
BEGIN
    IF (to_jsonb(NEW) - 'voided_at' - 'voided_by_id' - 'void_reason' - 'pdf' - 'pdf_sha256')
       IS DISTINCT FROM
       (to_jsonb(OLD) - 'voided_at' - 'voided_by_id' - 'void_reason' - 'pdf' - 'pdf_sha256') THEN
        RAISE EXCEPTION 'append-only: a signature''s content, hash and key cannot be changed'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.voided_at IS NOT NULL AND (
        NEW.voided_at IS DISTINCT FROM OLD.voided_at
        OR NEW.voided_by_id IS DISTINCT FROM OLD.voided_by_id
        OR NEW.void_reason IS DISTINCT FROM OLD.void_reason
    ) THEN
        RAISE EXCEPTION 'append-only: a voided signature stays voided'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER assessments_event_append_only
    BEFORE UPDATE OR DELETE ON assessments_assessmentevent
    FOR EACH ROW EXECUTE FUNCTION assessments_refuse_change();
CREATE TRIGGER assessments_signature_no_delete
    BEFORE DELETE ON assessments_signature
    FOR EACH ROW EXECUTE FUNCTION assessments_refuse_change();
CREATE TRIGGER assessments_signature_update
    BEFORE UPDATE ON assessments_signature
    FOR EACH ROW EXECUTE FUNCTION assessments_signature_update();
"""

DROP = """
DROP TRIGGER IF EXISTS assessments_signature_update ON assessments_signature;
DROP TRIGGER IF EXISTS assessments_signature_no_delete ON assessments_signature;
DROP TRIGGER IF EXISTS assessments_event_append_only ON assessments_assessmentevent;
DROP FUNCTION IF EXISTS assessments_signature_update();
DROP FUNCTION IF EXISTS assessments_refuse_change();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("assessments", "0011_signature_pdf_sha256")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
