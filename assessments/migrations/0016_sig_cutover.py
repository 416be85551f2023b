"""The cut-over to keyed signing, and the version of each signature's snapshot.

Since 0010_signing_keys every sign-off, import and demo signs with the key file's SM2 key:
a signature row without a key is either one stored before keys were introduced or not a
signature at all. This migration records the first kind once, by id and content hash
(LegacySignature): the rows without a key stored before the first keyed row (every row
without a key when there is no keyed row yet). A row inserted later, whatever id, time or
hash it is given, is not on the list. On PostgreSQL the list then refuses any change.

Rows stored so far hold version 1 of the signed snapshot (trust.snapshot).
"""

import django.db.models.deletion
from django.db import migrations, models

REFUSE = """
CREATE TRIGGER assessments_legacysignature_fixed
    BEFORE INSERT OR UPDATE OR DELETE ON assessments_legacysignature
    FOR EACH ROW EXECUTE FUNCTION assessments_refuse_change();
"""
ALLOW = "DROP TRIGGER IF EXISTS assessments_legacysignature_fixed ON assessments_legacysignature;"


def legacy_signatures(Signature, database):
    """(id, content hash) of every signature row without a key stored before the first keyed
    one (of every row without a key while none is keyed)."""
    rows = Signature.objects.using(database).filter(key__isnull=True, value="")
    first_keyed = (
        Signature.objects.using(database)
        .filter(key__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    if first_keyed is not None:
        rows = rows.filter(pk__lt=first_keyed)
    return list(rows.order_by("pk").values_list("pk", "content_hash"))


def record_cutover(apps, schema_editor):
    LegacySignature = apps.get_model("assessments", "LegacySignature")
    database = schema_editor.connection.alias
    LegacySignature.objects.using(database).bulk_create(
        LegacySignature(signature_id=pk, content_hash=content_hash)
        for pk, content_hash in legacy_signatures(
            apps.get_model("assessments", "Signature"), database
        )
    )
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REFUSE, params=None)


def forget_cutover(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOW, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0015_target_tables"),
    ]

    operations = [
        migrations.CreateModel(
            name="LegacySignature",
            fields=[
                (
                    "signature",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="assessments.signature",
                    ),
                ),
                (
                    "content_hash",
                    models.CharField(max_length=64, verbose_name="内容摘要（SHA-256）"),
                ),
            ],
            options={
                "verbose_name": "启用数字签名前的签发记录",
                "verbose_name_plural": "启用数字签名前的签发记录",
            },
        ),
        migrations.AddField(
            model_name="signature",
            name="version",
            field=models.PositiveSmallIntegerField(default=1, verbose_name="签发内容版本"),
        ),
        migrations.RunPython(record_cutover, forget_cutover, elidable=False),
    ]
