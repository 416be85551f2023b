"""What every page's navigation shows."""

from django.utils.functional import SimpleLazyObject

from .models import Notice


def notices(request):
    """The unread notices, counted only when a page shows the count."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notices": SimpleLazyObject(
            lambda: Notice.objects.filter(user=user).unread().count()
        )
    }
