from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "assessments"
    verbose_name = "绩效自评"

    def ready(self):
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in

        from .middleware import refreshed_at_sign_in
        from .paper import fonts  # noqa: F401  (registers the print-font check)
        from .signin import alert_lock, remember_device

        user_logged_in.connect(refreshed_at_sign_in)
        user_logged_in.connect(remember_device)
        user_locked_out.connect(alert_lock)
