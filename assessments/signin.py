"""Who gets in: the client's address, the sign-in lock (django-axes) and the second factor.

Every page that signs in (the application's login, the admin's login) authenticates through
django-axes' backend, so one lock covers them all; both use a form that also asks for the
one-time code of an account that has a second factor (django-otp).
"""

import ipaddress
from datetime import datetime

from axes.attempts import get_cool_off_threshold
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from axes.utils import reset
from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import logout
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import redirect_to_login
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django_otp import match_token, user_has_device

from .models import Membership


def client_address(request: HttpRequest) -> str | None:
    """The address of the person signing in.

    Behind the reverse proxy of docker-compose (USE_X_FORWARDED_FOR), REMOTE_ADDR is the
    proxy's; the client's is the last entry of X-Forwarded-For, the one that proxy wrote.
    Entries before it come from the client and are not trusted.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    if not settings.USE_X_FORWARDED_FOR:
        return remote
    appended = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(appended))
    except ValueError:
        return remote


def account_failures(request: HttpRequest, username: str) -> int:
    """Failed sign-ins of one account from every address within the lock window."""
    total = AccessAttempt.objects.filter(
        username=username, attempt_time__gte=get_cool_off_threshold(request)
    ).aggregate(total=Sum("failures_since_start"))["total"]
    return total or 0


def lockout_parameters(request: HttpRequest, credentials: dict | None = None) -> list:
    """What django-axes counts failures by (AXES_LOCKOUT_PARAMETERS).

    The account at one address, so that one person's typing locks neither colleagues at the
    same address (behind one proxy or NAT) nor the account's owner elsewhere; and the
    account alone once it has LOGIN_LOCK_ACCOUNT_FAILURES failures from all addresses
    together, so that guessing from many addresses is stopped too.
    """
    username = get_client_username(request, credentials)
    if username and account_failures(request, username) >= settings.LOGIN_LOCK_ACCOUNT_FAILURES:
        return ["username"]
    return [["username", "ip_address"]]


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """The page a locked sign-in gets (AXES_LOCKOUT_CALLABLE), on every sign-in page."""
    username = get_client_username(request, credentials)
    last = AccessAttempt.objects.filter(username=username).aggregate(last=Max("attempt_time"))
    until: datetime = (last["last"] or timezone.now()) + get_cool_off(request)
    return render(
        request,
        "registration/locked.html",
        {"until": timezone.localtime(until)},
        status=429,
    )


def unlock(username: str) -> int:
    """The administrator's unlock: the account's failure counters go, the failure log stays."""
    return reset(username=username)


def needs_second_factor(user) -> bool:
    """Reviewers and administrators sign in with a second factor (where it is required)."""
    if user.is_superuser or user.is_staff:
        return True
    return Membership.objects.filter(user=user, role=Membership.Role.REVIEWER).exists()


class SecondFactorForm(forms.Form):
    """A sign-in form that also wants the one-time code of an account with a device.

    A wrong code counts as a failed sign-in, so guessing codes runs into the same lock.
    """

    otp_token = forms.CharField(
        label="动态验证码",
        required=False,
        max_length=16,
        help_text="已启用两步验证的账号：填写验证器应用显示的 6 位数字，或一个恢复码。",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "class": "form-control"}
        ),
    )

    def clean(self):
        cleaned = super().clean()
        user = self.get_user()
        if user is not None and user_has_device(user):
            token = "".join((cleaned.get("otp_token") or "").split())
            device = match_token(user, token) if token else None
            if device is None:
                user_login_failed.send(
                    sender=__name__,
                    credentials={"username": user.get_username()},
                    request=self.request,
                )
                raise forms.ValidationError(
                    "该账号已启用两步验证：请填写正确的动态验证码（或一个未用过的恢复码）。",
                    code="invalid_token",
                )
            # django-otp marks the session verified when the sign-in completes.
            user.otp_device = device
        return cleaned


class SignInForm(SecondFactorForm, AuthenticationForm):
    pass


class AdminSignInForm(SecondFactorForm, AdminAuthenticationForm):
    pass


class TwoFactorRequiredMiddleware:
    """Where two-factor sign-in is required, reviewers and administrators have it.

    Without a device they are sent to set one up; a session signed in without the second
    factor while the account has one (the device was added by another session) ends.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            settings.TWO_FACTOR_REQUIRED
            and user.is_authenticated
            and not user.is_verified()  # type: ignore[attr-defined]  # django-otp's middleware adds it
            and needs_second_factor(user)
            and request.path not in {reverse("two_factor"), reverse("logout")}
        ):
            if user_has_device(user):
                logout(request)
                return redirect_to_login(request.get_full_path())
            return redirect("two_factor")
        return self.get_response(request)
