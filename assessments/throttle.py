"""Limits on requests that mail someone or that anyone may send, shared by every worker.

Counted in the database (not in a per-process cache), so several gunicorn workers and
machines share one limit. Two requests racing for the last place may both pass.
"""

import hashlib
from datetime import timedelta

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .models import ThrottleHit


def allow(scope: str, key: str, limit: tuple[int, int]) -> bool:
    """Count one request under (scope, key); False once `limit` = (requests, seconds) is used."""
    most, seconds = limit
    now = timezone.now()
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
    with transaction.atomic():
        ThrottleHit.objects.filter(
            scope=scope, created_at__lt=now - timedelta(seconds=seconds)
        ).delete()
        if ThrottleHit.objects.filter(scope=scope, key=digest).count() >= most:
            return False
        ThrottleHit.objects.create(scope=scope, key=digest, created_at=now)
    return True


def too_many_requests(request: HttpRequest, *, retry_after: int) -> HttpResponse:
    response = render(
        request, "too_many_requests.html", {"minutes": max(1, retry_after // 60)}, status=429
    )
    response["Retry-After"] = str(retry_after)
    return response
