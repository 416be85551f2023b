"""On PostgreSQL, TRUNCATE is refused on the logs added after 0016 too: the rectifications' log
and the list of signatures from before keys (the same statement trigger and function)."""

from django.db import migrations

TABLES = (
    "assessments_rectificationevent",
    "assessments_legacysignature",
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION assessments_refuse_change()",
            params=None,
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}", params=None)


class Migration(migrations.Migration):
    dependencies = [("assessments", "0021_merge_followup")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
