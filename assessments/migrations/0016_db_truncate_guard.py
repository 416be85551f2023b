"""On PostgreSQL, TRUNCATE of the logs and the signatures is refused, even for the tables' owner.

The row triggers (0012, 0013, 0014) do not fire on TRUNCATE, and `TRUNCATE … CASCADE` of a table
they refer to empties them too; a statement trigger on each of them fires in both cases. The
function is 0012's: it raises for whatever operation fired it.
"""

from django.db import migrations

TABLES = (
    "assessments_assessmentevent",
    "assessments_signature",
    "assessments_bureauevent",
    "assessments_organisationevent",
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
    dependencies = [("assessments", "0015_target_tables")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
