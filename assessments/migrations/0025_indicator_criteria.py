from django.db import migrations, models


class Migration(migrations.Migration):
    """评分细则 of a target row, asked for where the year's rule set says so."""

    dependencies = [("assessments", "0024_result_application_decision")]

    operations = [
        migrations.AddField(
            model_name="indicator",
            name="criteria",
            field=models.TextField(blank=True, verbose_name="评分细则"),
        ),
    ]
