from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "assessments"
    verbose_name = "绩效自评"

    def ready(self):
        from .paper import fonts  # noqa: F401  (registers the print-font check)
