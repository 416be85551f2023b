"""The suite's database roles, and writing to the database the way its owner can, past the
application, its role's rights and its triggers.

On PostgreSQL with DATABASE_RUNTIME_ROLE set (CI), the suite migrates as the owner and then
runs every test as the application's role (SET ROLE on every connection it opens, the owner
being a member of that role): what the application does is done with the rights `migrate`
granted it (assessments/privileges.py). `as_owner()` gives the owner's rights back for a
while, for what only the owner may do.
"""

import os
from collections.abc import Callable
from contextlib import contextmanager

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.backends.signals import connection_created

from assessments.models import (
    AssessmentEvent,
    BureauEvent,
    LegacySignature,
    OrganisationEvent,
    Publication,
    PublicationEvent,
    PublicationItem,
    RectificationEvent,
    ReviewSignature,
    Signature,
)
from assessments.trust import keys, signing

APPEND_ONLY = [
    AssessmentEvent._meta.db_table,
    Signature._meta.db_table,
    BureauEvent._meta.db_table,
    LegacySignature._meta.db_table,
    OrganisationEvent._meta.db_table,
    RectificationEvent._meta.db_table,
    PublicationEvent._meta.db_table,
    Publication._meta.db_table,
    PublicationItem._meta.db_table,
    ReviewSignature._meta.db_table,
]


def needs_postgresql(what: str) -> None:
    """For a test of what exists on PostgreSQL only: `make test` runs on SQLite by default
    and the test is skipped there; CI (CI=true) runs on PostgreSQL and fails without it."""
    if connection.vendor == "postgresql":
        return
    if os.environ.get("CI"):
        pytest.fail("CI must run the suite on PostgreSQL (DATABASE_URL=postgres://…).")
    pytest.skip(f"{what} exist on PostgreSQL only; set DATABASE_URL")


def runtime_role():
    """The application's role the suite runs as, or "" when it runs as the owner."""
    return settings.DATABASE_RUNTIME_ROLE if connection.vendor == "postgresql" else ""


def _set_runtime_role(sender, connection, **kwargs):
    if connection.vendor == "postgresql" and connection.alias == "default":
        with connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {connection.ops.quote_name(settings.DATABASE_RUNTIME_ROLE)}")


@contextmanager
def suite_roles():
    """From here on every test database connection runs as the application's role, and a flush
    (after a test that commits) runs as the owner past the TRUNCATE guard."""
    if connection.vendor != "postgresql":
        yield
        return
    # On the class: a test driving the browser has connections of its own (Playwright's
    # greenlets are contexts of their own for Django).
    operations = type(connection.ops)
    flush = operations.execute_sql_flush

    def flush_as_owner(self, sql_list):
        with transaction.atomic(), as_table_owner():
            flush(self, sql_list)

    operations.execute_sql_flush = flush_as_owner
    if runtime_role():
        connection.close()
        connection_created.connect(_set_runtime_role)
    try:
        yield
    finally:
        connection_created.disconnect(_set_runtime_role)
        connection.close()
        operations.execute_sql_flush = flush


@contextmanager
def as_owner():
    """The owner's rights for a while, on the suite's connection (RESET ROLE)."""
    if not runtime_role():
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, session_user")
        role, owner = cursor.fetchone()
        cursor.execute("RESET ROLE")
    back = "RESET ROLE" if role == owner else f"SET ROLE {connection.ops.quote_name(role)}"
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(back)


@contextmanager
def as_table_owner():
    """On PostgreSQL the log and the signatures refuse changes: the tables' owner can switch
    the triggers off for a while, as anyone holding the database's owner account could."""
    if connection.vendor != "postgresql":
        yield
        return
    with as_owner(), _user_triggers_off():
        yield


@contextmanager
def _user_triggers_off():
    with connection.cursor() as cursor:
        # ALTER TABLE waits for no deferred foreign-key checks of this transaction: run them.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in APPEND_ONLY:
            cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in APPEND_ONLY:
                cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER USER')
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def change_signature(pk, **changes):
    """Change a signature row behind the application's back (its SM2 signature then fails)."""
    with as_table_owner():
        Signature.objects.filter(pk=pk).update(**changes)


def resign(pk, **changes):
    """Change a signature row and sign it again with the server's key, as a real sign-off with
    those details would have."""
    change_signature(pk, **changes)
    signature = Signature.objects.get(pk=pk)
    message = signing.signed_message(
        assessment_id=signature.assessment_id,
        signed_by_id=signature.signed_by_id,
        signed_at=signature.signed_at,
        snapshot=signature.snapshot,
    )
    change_signature(pk, value=keys.sign(message, keys.load_key_file()))


def rows_added(make: Callable):
    """Call make() and return what it returned with the rows it added to the database, model by
    model in the order of the models, for restore_rows() to put back in test after test.

    Made once (inside `throwaway_db()`) and copied into each test, a fixture that builds many
    rows costs a few inserts per test instead of building them again."""
    tables = set(connection.introspection.table_names())
    models = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy and model._meta.db_table in tables
    ]
    before = {model: set(model._base_manager.values_list("pk", flat=True)) for model in models}
    made = make()
    added = []
    for model in models:
        rows = model._base_manager.order_by("pk").exclude(pk__in=before[model])
        if rows:
            added.append((model, list(rows)))
    return made, added


def restore_rows(added):
    """Insert the rows rows_added() recorded, with their ids; the test must not have made rows
    of those models before (their ids would clash)."""
    for model, rows in added:
        model._base_manager.bulk_create(rows)
    # Rows inserted with their ids leave PostgreSQL's sequences behind: set them past the ids.
    with as_owner(), connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [m for m, _ in added]):
            cursor.execute(sql)
