"""Error pages in Chinese in every mode, the development server's included."""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render

logger = logging.getLogger("django.request")


class ChineseErrorPagesMiddleware:
    """In debug mode Django answers with its technical pages, in English and with internals;
    the people using the demo see the same Chinese pages as in production. (In production
    Django's own handlers render these templates.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not settings.DEBUG:
            return None
        if isinstance(exception, Http404):
            return render(request, "404.html", {"request_path": request.path}, status=404)
        if isinstance(exception, PermissionDenied):
            return render(request, "403.html", {"exception": str(exception)}, status=403)
        logger.error(
            "Internal Server Error: %s",
            request.path,
            exc_info=exception,
            extra={"request": request},
        )
        return render(request, "500.html", status=500)
