from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "assessments"
    verbose_name = "绩效自评"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .middleware import refreshed_at_sign_in
        from .paper import fonts  # noqa: F401  (registers the print-font check)

        user_logged_in.connect(refreshed_at_sign_in)
