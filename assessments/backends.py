from django.conf import settings
from django.contrib.auth.backends import ModelBackend

from .demo import DEMO_USERNAMES


class ProductionModelBackend(ModelBackend):
    """Django's backend, except that demo accounts cannot sign in outside demo mode."""

    def user_can_authenticate(self, user):
        if not settings.DEMO_MODE and user.username in DEMO_USERNAMES:
            return False
        return super().user_can_authenticate(user)
