"""Writing to the database the way its owner can, past the application and its triggers."""

from contextlib import contextmanager

from django.db import connection

from assessments.models import AssessmentEvent, BureauEvent, LegacySignature, Signature
from assessments.paper import keys, signing

APPEND_ONLY = [
    AssessmentEvent._meta.db_table,
    Signature._meta.db_table,
    BureauEvent._meta.db_table,
    LegacySignature._meta.db_table,
]


@contextmanager
def as_table_owner():
    """On PostgreSQL the log and the signatures refuse changes: the tables' owner can switch
    the triggers off for a while, as anyone holding the database's owner account could."""
    if connection.vendor != "postgresql":
        yield
        return
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
