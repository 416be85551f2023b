"""Sign-in lockout: too many failures lock the account, or the address they come from."""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone

from .models import LoginFailure


def client_address(request):
    # REMOTE_ADDR is the proxy's address behind a reverse proxy; the proxy must then pass the
    # client's in X-Forwarded-For and the deployment trusts only that hop.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "") if settings.USE_X_FORWARDED_FOR else ""
    return (forwarded.split(",")[-1].strip() or request.META.get("REMOTE_ADDR")) or None


def locked_until(username, address):
    """When the lock on this account or address ends, or None when neither is locked."""
    window_start = timezone.now() - timedelta(minutes=settings.LOGIN_LOCK_MINUTES)
    recent = LoginFailure.objects.filter(created_at__gte=window_start, cleared_at__isnull=True)
    for failures, limit in (
        (recent.filter(username__iexact=username), settings.LOGIN_LOCK_FAILURES),
        (recent.filter(address=address) if address else None, settings.LOGIN_LOCK_ADDRESS_FAILURES),
    ):
        if failures is None:
            continue
        times = list(failures.order_by("-created_at").values_list("created_at", flat=True)[:limit])
        if len(times) >= limit:
            return times[0] + timedelta(minutes=settings.LOGIN_LOCK_MINUTES)
    return None


def unlock(username):
    """The administrator's unlock: the account's failures so far stop counting (they stay)."""
    return LoginFailure.objects.filter(username__iexact=username, cleared_at__isnull=True).update(
        cleared_at=timezone.now()
    )


class LockoutAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": "连续登录失败次数过多，账号已暂时锁定，请于 %(until)s 后再试，或请管理员解锁。",
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = client_address(self.request) if self.request else None
        until = locked_until(username, address)
        if until:
            raise forms.ValidationError(
                self.error_messages["locked"],
                code="locked",
                params={"until": timezone.localtime(until).strftime("%H:%M")},
            )
        try:
            return super().clean()
        except forms.ValidationError:
            LoginFailure.objects.create(username=username[:150], address=address)
            raise
