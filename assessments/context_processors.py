"""What every page's navigation shows."""

from django.db.models import Count
from django.utils.functional import SimpleLazyObject

from .models import Notice
from .prepared import Prepared


def _unread(user_id):
    # One row with the count, or none when she has no unread notice.
    unread = Notice.objects.filter(user_id=user_id).unread().order_by()
    return unread.values("user_id").annotate(count=Count("pk")).values_list("count", flat=True)


_UNREAD = Prepared(_unread)


def notices(request):
    """The unread notices, counted only when a page shows the count."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notices": SimpleLazyObject(lambda: sum(_UNREAD(user.pk)))}
