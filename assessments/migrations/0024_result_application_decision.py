from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("assessments", "0023_merge_publish")]

    operations = [
        migrations.RenameField(
            model_name="resultapplication", old_name="kind", new_name="decision"
        ),
        migrations.AlterField(
            model_name="resultapplication",
            name="decision",
            field=models.CharField(
                choices=[
                    ("reduce", "调减"),
                    ("keep", "保持"),
                    ("raise", "调增"),
                    ("redirect", "调整方向"),
                ],
                max_length=20,
                verbose_name="应用方式",
            ),
        ),
    ]
