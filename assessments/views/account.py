"""Signing in: the login page, the limited password reset and the two-factor set-up page."""

import base64

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .. import throttle
from ..signin import SignInForm, client_address, needs_second_factor

RECOVERY_CODES = 10


class SignInView(auth_views.LoginView):
    authentication_form = SignInForm


class LimitedPasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, with a limit on the mails per account and per address."""

    def post(self, request, *args, **kwargs):
        email = request.POST.get("email", "").strip().lower()
        address = client_address(request) or ""
        allowed = throttle.allow(
            "password-reset-address", address, settings.PASSWORD_RESET_LIMIT_PER_ADDRESS
        ) and throttle.allow(
            "password-reset-account", email, settings.PASSWORD_RESET_LIMIT_PER_ACCOUNT
        )
        if not allowed:
            return throttle.too_many_requests(
                request, retry_after=settings.PASSWORD_RESET_LIMIT_PER_ACCOUNT[1]
            )
        return super().post(request, *args, **kwargs)


def _recovery_codes(user):
    device = StaticDevice.objects.filter(user=user, name="recovery").first()
    return [token.token for token in device.token_set.all()] if device else []


@transaction.atomic
def _new_recovery_codes(user):
    device, _ = StaticDevice.objects.get_or_create(user=user, name="recovery")
    device.token_set.all().delete()
    for _ in range(RECOVERY_CODES):
        device.token_set.create(token=StaticToken.random_token())


@login_required
def two_factor(request):
    """Set up the authenticator app (QR code, then one code), see and renew recovery codes."""
    user = request.user
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    action = request.POST.get("action") if request.method == "POST" else None

    if device is None:
        pending = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        if pending is None:
            pending = TOTPDevice.objects.create(user=user, name="验证器", confirmed=False)
        error = ""
        if action == "confirm":
            token = "".join(request.POST.get("token", "").split())
            if token.isdigit() and pending.verify_token(token):
                with transaction.atomic():
                    pending.confirmed = True
                    pending.save(update_fields=["confirmed"])
                    _new_recovery_codes(user)
                otp_login(request, pending)
                messages.success(request, "两步验证已启用。请把下面的恢复码抄下或打印，妥善保管。")
                return redirect("two_factor")
            error = "验证码不正确：请输入验证器应用当前显示的 6 位数字（注意手机时间要准确）。"
        key = base64.b32encode(pending.bin_key).decode("ascii")
        return render(
            request,
            "registration/two_factor.html",
            {
                "setting_up": True,
                "qr": segno.make(pending.config_url, error="m").svg_data_uri(scale=5),
                "key": " ".join(key[i : i + 4] for i in range(0, len(key), 4)),
                "error": error,
                "required": settings.TWO_FACTOR_REQUIRED and needs_second_factor(user),
            },
        )

    if action == "regenerate":
        if request.user.is_verified():
            _new_recovery_codes(user)
            messages.success(request, "已生成新的恢复码，旧的恢复码全部作废。")
        else:
            messages.error(request, "请先用动态验证码重新登录，再生成恢复码。")
        return redirect("two_factor")
    return render(
        request,
        "registration/two_factor.html",
        {"setting_up": False, "device": device, "codes": _recovery_codes(user)},
    )
