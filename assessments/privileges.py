"""What the application's database role may do on PostgreSQL.

Two roles (docs/operations.md): the owner, who migrates and owns every table, and the role the
application runs as (DATABASE_RUNTIME_ROLE). The application's role reads and adds rows
everywhere; it changes and deletes rows where the application does, and never in the history:
the logs and the signing keys take new rows only, and of a signature only the columns voiding
it and naming its stored PDF change. Not owning the tables, it can neither truncate them nor
switch off, drop or replace their triggers.

`migrate` grants this after every run (post_migrate, as the owner), so a new table gets its
rights with the migration that makes it; a table left out of the lists below is an ordinary
table that the application changes and deletes from.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections

from .models import (
    AssessmentEvent,
    BureauEvent,
    Comment,
    LegacySignature,
    OrganisationEvent,
    Publication,
    PublicationEvent,
    RectificationEvent,
    ReviewSignature,
    Signature,
    SigningKey,
    TargetAdjustment,
)

# The history: rows are added, never changed or deleted.
APPEND_ONLY = (
    AssessmentEvent,
    BureauEvent,
    OrganisationEvent,
    PublicationEvent,
    RectificationEvent,
    SigningKey,
)
# Decided and answered in place, never deleted (a publication is frozen once published).
KEPT = (Comment, Publication, TargetAdjustment)
# Signed rows: a table's and a 复核表's.
SIGNATURES = (Signature, ReviewSignature)
# What happens to a signature after it is made: voided once, its stored PDF named.
SIGNATURE_COLUMNS = ("voided_at", "voided_by_id", "void_reason", "pdf", "pdf_sha256")
# Written by `migrate` alone: its record, and the cut-over's list of signatures from before keys.
READ_ONLY = ("django_migrations", LegacySignature._meta.db_table)


def table_privileges(table: str) -> str:
    if table in READ_ONLY:
        return "SELECT"
    if table in {model._meta.db_table for model in (*APPEND_ONLY, *SIGNATURES)}:
        return "SELECT, INSERT"
    if table in {model._meta.db_table for model in KEPT}:
        return "SELECT, INSERT, UPDATE"
    return "SELECT, INSERT, UPDATE, DELETE"


def grant_runtime_role(connection, role: str) -> None:
    """Give `role` the application's rights on every table of the database, as its owner."""
    quote = connection.ops.quote_name
    grantee = quote(role)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema(), current_user")
        schema, owner = cursor.fetchone()
        if role == owner:
            # Revoking would take the owner's own rights on its tables.
            raise ImproperlyConfigured(
                f"DATABASE_RUNTIME_ROLE（{role}）是迁移所用的表所有者：应用须以另一个角色运行。"
            )
        schema = quote(schema)
        cursor.execute(f"GRANT USAGE ON SCHEMA {schema} TO {grantee}")
        for table in sorted(connection.introspection.table_names(cursor)):
            # Revoked first, so that a table which became append-only loses what it had.
            cursor.execute(f"REVOKE ALL ON {quote(table)} FROM {grantee}")
            cursor.execute(f"GRANT {table_privileges(table)} ON {quote(table)} TO {grantee}")
        columns = ", ".join(quote(column) for column in SIGNATURE_COLUMNS)
        for model in SIGNATURES:
            cursor.execute(
                f"GRANT UPDATE ({columns}) ON {quote(model._meta.db_table)} TO {grantee}"
            )
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {grantee}")


def grant_after_migrate(sender, using, plan=None, **kwargs):
    """post_migrate: after `migrate` (which passes its plan; `flush` does not), on PostgreSQL,
    when DATABASE_RUNTIME_ROLE names the application's role."""
    role = settings.DATABASE_RUNTIME_ROLE
    connection = connections[using]
    if plan is None or not role or connection.vendor != "postgresql":
        return
    grant_runtime_role(connection, role)
