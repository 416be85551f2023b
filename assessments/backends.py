from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from .demo import DEMO_USERNAMES
from .prepared import Prepared


def _user(user_id):
    return get_user_model()._default_manager.filter(pk=user_id)


_USER = Prepared(_user)


class ProductionModelBackend(ModelBackend):
    """Django's backend, except that demo accounts cannot sign in outside demo mode."""

    def user_can_authenticate(self, user):
        if not settings.DEMO_MODE and user.username in DEMO_USERNAMES:
            return False
        return super().user_can_authenticate(user)

    def get_user(self, user_id):
        """The signed-in user of each request, as Django's backend reads her (by key, then
        whether she may still sign in), with the statement compiled once (prepared)."""
        found = _USER(user_id)
        if not found or not self.user_can_authenticate(found[0]):
            return None
        return found[0]
