import gc

from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "assessments"
    verbose_name = "绩效自评"

    def ready(self):
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate

        from .middleware import refreshed_at_sign_in
        from .paper import fonts  # noqa: F401  (registers the print-font check)
        from .privileges import grant_after_migrate
        from .signin import alert_lock, remember_device

        user_logged_in.connect(refreshed_at_sign_in)
        user_logged_in.connect(remember_device)
        user_locked_out.connect(alert_lock)
        # After every app's migrations: the application's database role gets its rights.
        post_migrate.connect(grant_after_migrate, sender=self)
        if not gc.isenabled():
            # manage.py paused collection while Django started (the last app is this one):
            # what the start made stays for the process's life, out of every collection.
            gc.freeze()
            gc.enable()
