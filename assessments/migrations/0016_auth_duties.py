"""Enrolment codes for a second factor, and the three administrator duties as groups."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

# As assessments/duties.py has them at this migration.
DUTIES = {
    "系统管理员": [
        "auth.add_user",
        "auth.change_user",
        "auth.view_user",
        "assessments.add_organisation",
        "assessments.change_organisation",
        "assessments.view_organisation",
        "assessments.add_membership",
        "assessments.change_membership",
        "assessments.delete_membership",
        "assessments.view_membership",
        "assessments.add_reportingyear",
        "assessments.change_reportingyear",
        "assessments.view_reportingyear",
        "assessments.add_project",
        "assessments.change_project",
        "assessments.view_project",
    ],
    "安全管理员": [
        "auth.view_user",
        "assessments.add_enrolmentcode",
        "assessments.view_enrolmentcode",
        "otp_totp.view_totpdevice",
        "otp_totp.delete_totpdevice",
        "otp_static.view_staticdevice",
        "otp_static.delete_staticdevice",
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
        "assessments.view_signingkey",
    ],
    "审计管理员": [
        "axes.view_accesslog",
        "axes.view_accessfailurelog",
        "admin.view_logentry",
        "assessments.view_assessmentevent",
        "assessments.view_organisationevent",
        "assessments.view_bureauevent",
        "assessments.view_enrolmentcode",
    ],
}


def create_duties(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    using = schema_editor.connection.alias
    # Permissions are otherwise created after the last migration; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=using)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, labels in DUTIES.items():
        group, _ = Group.objects.using(using).get_or_create(name=name)
        for label in labels:
            app_label, codename = label.split(".")
            group.permissions.add(
                Permission.objects.using(using).get(
                    content_type__app_label=app_label, codename=codename
                )
            )


def remove_duties(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=DUTIES).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("assessments", "0015_target_tables"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("axes", "0010_accessattemptexpiration"),
        ("otp_totp", "0003_add_timestamps"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [
        migrations.CreateModel(
            name="EnrolmentCode",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code_hash", models.CharField(editable=False, max_length=256)),
                ("issued_at", models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name="签发时间")),
                ("expires_at", models.DateTimeField(editable=False, verbose_name="有效期至")),
                ("used_at", models.DateTimeField(editable=False, null=True, verbose_name="使用时间")),
                ("issued_by", models.ForeignKey(editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="签发人")),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="enrolment_codes", to=settings.AUTH_USER_MODEL, verbose_name="账号")),
            ],
            options={
                "verbose_name": "两步验证启用码",
                "verbose_name_plural": "两步验证启用码",
                "ordering": ["-issued_at"],
            },
        ),
        migrations.RunPython(create_duties, remove_duties),
    ]
