"""Who gets in: the client's address, the sign-in lock (django-axes) and the second factor.

Every page that signs in (the application's login, the admin's login) authenticates through
django-axes' backend, so one lock covers them all; both use a form that also asks for the
one-time code of an account that has a second factor (django-otp).

The lock counts failures of one account at one address. Failures from every address
together lock the account only for browsers it has not signed in from before: a signed
"known device" cookie, set at each complete sign-in, lets its owner in while someone else
guesses from elsewhere (OWASP's device cookies). Every lock is mailed to the account and to
the security administrators.
"""

import ipaddress
import logging
from datetime import datetime

from axes.attempts import get_cool_off_threshold
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from axes.utils import reset
from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import redirect_to_login
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django_otp import match_token, user_has_device

from . import duties, throttle
from .models import Membership

logger = logging.getLogger(__name__)

KNOWN_DEVICE_COOKIE = "known_device"
KNOWN_DEVICE_SALT = "assessments.signin.known_device"
# The accounts a browser remembers (several people may share one office computer).
KNOWN_DEVICE_ACCOUNTS = 5


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


def known_accounts(request: HttpRequest) -> list[str]:
    """The accounts that have signed in completely from this browser (its signed cookie)."""
    value = request.get_signed_cookie(
        KNOWN_DEVICE_COOKIE,
        default="",
        salt=KNOWN_DEVICE_SALT,
        max_age=settings.KNOWN_DEVICE_DAYS * 24 * 3600,
    )
    return [name for name in (value or "").split(",") if name]


def account_locked_everywhere(request: HttpRequest, username: str | None) -> bool:
    """Whether failures from all addresses together lock `username` for this browser."""
    if not username or username in known_accounts(request):
        return False
    return account_failures(request, username) >= settings.LOGIN_LOCK_ACCOUNT_FAILURES


def lockout_parameters(request: HttpRequest, credentials: dict | None = None) -> list:
    """What django-axes counts failures by (AXES_LOCKOUT_PARAMETERS).

    The account at one address, so that one person's typing locks neither colleagues at the
    same address (behind one proxy or NAT) nor the account's owner elsewhere; and the
    account alone once it has LOGIN_LOCK_ACCOUNT_FAILURES failures from all addresses
    together, so that guessing from many addresses is stopped too, except in a browser the
    account has signed in from before, which such guessing cannot lock.
    """
    if account_locked_everywhere(request, get_client_username(request, credentials)):
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
        {
            "until": timezone.localtime(until),
            "everywhere": account_locked_everywhere(request, username),
        },
        status=429,
    )


def alert_lock(sender, request, username, ip_address, **kwargs):
    """django-axes' user_locked_out: mail the account and the security administrators.

    Once per account, kind of lock and lock period; mailed after the commit, and a mail that
    fails is logged, never raised: the sign-in page answers either way.
    """
    try:
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            return
        everywhere = account_locked_everywhere(request, username)
        window = int(get_cool_off(request).total_seconds())
        key = f"{username}:{'everywhere' if everywhere else ip_address}"
        if not throttle.allow("sign-in-lock-alert", key, (1, window)):
            return
    except Exception:
        logger.exception("登录锁定提醒未能安排：账号 %s", username)
        return
    transaction.on_commit(lambda: _mail_lock_alert(user, ip_address, everywhere))


def lock_alert_recipients() -> list[str]:
    users = (
        get_user_model()
        .objects.filter(Q(groups__name=duties.SECURITY) | Q(is_superuser=True), is_active=True)
        .exclude(email="")
    )
    return sorted({user.email for user in users})


def _mail_lock_alert(user, ip_address: str | None, everywhere: bool) -> None:
    name = user.get_username()
    if everywhere:
        what = (
            f"账号 {name} 在多个地址累计登录失败 {settings.LOGIN_LOCK_ACCOUNT_FAILURES} 次，"
            "已暂时禁止从未登录过该账号的浏览器登录；此前成功登录过的浏览器仍可登录。"
        )
    else:
        what = (
            f"账号 {name} 从地址 {ip_address or '未知'} 连续登录失败 "
            f"{settings.LOGIN_LOCK_FAILURES} 次，该地址已暂时锁定。"
        )
    period = f"锁定在最后一次失败后 {settings.LOGIN_LOCK_MINUTES} 分钟解除。"
    mails = []
    if user.email:
        mails.append(
            (
                "【绩效自评】您的账号登录失败次数过多",
                f"{what}\n{period}\n如果不是您本人操作，请尽快修改密码并告知安全管理员。\n",
                [user.email],
            )
        )
    admins = lock_alert_recipients()
    if admins:
        mails.append(
            (
                f"【绩效自评】账号 {name} 登录失败次数过多",
                f"{what}\n{period}\n可在系统管理的登录失败记录中查看来源地址。\n",
                admins,
            )
        )
    for subject, body, recipients in mails:
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
        except Exception:
            logger.exception("登录锁定提醒邮件发送失败：账号 %s", name)


def remember_device(sender, request, user, **kwargs):
    """user_logged_in: the browser becomes a known device of the account (set on the way out
    by KnownDeviceMiddleware)."""
    if request is not None:
        request.known_device_account = user.get_username()


class KnownDeviceMiddleware:
    """Sets the signed known-device cookie on the answer to a complete sign-in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        account = getattr(request, "known_device_account", None)
        if account:
            accounts = [account, *(a for a in known_accounts(request) if a != account)]
            response.set_signed_cookie(
                KNOWN_DEVICE_COOKIE,
                ",".join(accounts[:KNOWN_DEVICE_ACCOUNTS]),
                salt=KNOWN_DEVICE_SALT,
                max_age=settings.KNOWN_DEVICE_DAYS * 24 * 3600,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response


def unlock(username: str) -> int:
    """The administrator's unlock: the account's failure counters go, the failure log stays."""
    return reset(username=username)


def needs_second_factor(user) -> bool:
    """Reviewers and administrators sign in with a second factor (where it is required).

    A reviewer is anyone with the 审核人 role in any organisation (unit, department or
    finance bureau); an administrator anyone who may enter the admin (staff, superuser)."""
    if user.is_superuser or user.is_staff:
        return True
    return Membership.objects.filter(user=user, role=Membership.Role.REVIEWER).exists()


class SecondFactorForm(AuthenticationForm):
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
            # django-otp marks the session verified when the sign-in completes; the attribute
            # is its own, unknown to the User model's type.
            user.otp_device = device  # type: ignore[attr-defined]
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
