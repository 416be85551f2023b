"""Error pages in Chinese in every mode, the development server's included; answers that no
cache keeps; the idle time-out of sessions; the server time of each answer (load test)."""

import logging
import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import Resolver404, get_resolver
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger("django.request")


class ChineseErrorPagesMiddleware:
    """In debug mode Django answers with its technical pages, in English and with internals;
    the people using the demo see the same Chinese pages as in production. (In production
    Django's own handlers render these templates.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # An address that names no page never reaches a view: in debug mode Django would
        # answer with its technical page, which lists every URL pattern.
        if settings.DEBUG:
            try:
                get_resolver(getattr(request, "urlconf", None)).resolve(request.path_info)
            except Resolver404:
                return render(request, "404.html", {"request_path": request.path}, status=404)
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


class PrivateResponsesMiddleware:
    """Pages for a signed-in person and every download (PDF, workbook, book, filing package)
    are kept by no browser or proxy cache (Cache-Control: no-store): a shared computer's
    next user cannot page back to them, nor read them from the disk cache."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or response.has_header("Content-Disposition"):
            add_never_cache_headers(response)
        return response


# When the session was last saved with a new expiry (seconds since the epoch).
REFRESHED = "_refreshed"


class SessionIdleMiddleware:
    """Sessions end after SESSION_COOKIE_AGE idle seconds, refreshed once a thirtieth of that
    has passed (a minute for the default thirty).

    Saving the session on every request (SESSION_SAVE_EVERY_REQUEST) makes every page a
    database write: on SQLite each one waits for the write lock. Here a signed-in session is
    saved again, with a new expiry, only when its last refresh is that old, so with the default
    it ends between 29 and 30 idle minutes after the last request.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.refresh_seconds = settings.SESSION_COOKIE_AGE / 30

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty() or SESSION_KEY not in session:
            return response
        if time.time() - session.get(REFRESHED, 0) >= self.refresh_seconds:
            session[REFRESHED] = int(time.time())
        return response


def refreshed_at_sign_in(sender, request, user, **kwargs):
    """A sign-in saves the session: it counts as its first refresh."""
    if getattr(request, "session", None) is not None:
        request.session[REFRESHED] = int(time.time())


class ServerTimingMiddleware:
    """With DJANGO_SERVER_TIMING=1 (the load test): each answer says in a Server-Timing header
    how long the server took over it, in wall-clock time and in this thread's CPU time, from
    the first middleware to the last (streamed file bodies not included)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        wall, cpu = time.perf_counter(), time.thread_time()
        response = self.get_response(request)
        wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
        response["Server-Timing"] = f"app;dur={wall * 1000:.2f}, cpu;dur={cpu * 1000:.2f}"
        return response
