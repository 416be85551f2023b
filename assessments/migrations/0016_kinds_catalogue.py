"""Table kinds (assessments.kinds) and one cell address (kinds.address).

The kind is the name of a declared kind, without choices frozen here; `cells` keeps the
values of the cells a kind declares beyond the official columns. Comments pinned to an
indicator's cell were stored as `indicator:<id>.<field>`; they now use the one form of a cell
address, `indicators.<id>.<field>` (kinds.address.parse still reads the old form).
"""

import re

from django.db import migrations, models

OLD_TARGET = re.compile(r"^indicator:(\d+)((?:\.[a-z_]+)?)$")


def one_address_form(apps, schema_editor):
    Comment = apps.get_model("assessments", "Comment")
    for comment in Comment.objects.filter(target__startswith="indicator:").only("pk", "target"):
        if match := OLD_TARGET.match(comment.target):
            Comment.objects.filter(pk=comment.pk).update(
                target=f"indicators.{match[1]}{match[2]}"
            )


def old_address_form(apps, schema_editor):
    Comment = apps.get_model("assessments", "Comment")
    new_target = re.compile(r"^indicators\.(\d+)((?:\.[a-z_]+)?)$")
    for comment in Comment.objects.filter(target__startswith="indicators.").only("pk", "target"):
        if match := new_target.match(comment.target):
            Comment.objects.filter(pk=comment.pk).update(target=f"indicator:{match[1]}{match[2]}")


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0015_target_tables"),
    ]

    operations = [
        migrations.AlterField(
            model_name="assessment",
            name="kind",
            field=models.CharField(default="assessment", max_length=20, verbose_name="类别"),
        ),
        migrations.AddField(
            model_name="assessment",
            name="cells",
            field=models.JSONField(blank=True, default=dict, verbose_name="其他栏目"),
        ),
        migrations.RunPython(one_address_form, old_address_form),
    ]
