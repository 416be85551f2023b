"""Signing in: the login page, the limited password reset and the two-factor set-up page."""

import base64

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .. import enrolment, throttle
from ..signin import SignInForm, client_address, needs_second_factor


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


def _codes_page(request, device, codes):
    """The recovery codes, once: answered to the request that made them, never stored to be
    shown again (a reload of this answer only asks to send the form once more)."""
    return render(
        request,
        "registration/two_factor.html",
        {"setting_up": False, "device": device, "codes": codes},
    )


@login_required
def two_factor(request):
    """Set up the authenticator app (QR code, then one code), renew the recovery codes."""
    user = request.user
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    action = request.POST.get("action") if request.method == "POST" else None

    if device is None:
        pending = enrolment.pending_device(request.session, user)
        errors = {}
        if action == "confirm":
            try:
                codes = enrolment.enrol(
                    user,
                    pending,
                    token=request.POST.get("token", ""),
                    code=request.POST.get("enrolment_code", ""),
                )
            except enrolment.EnrolmentError as error:
                errors[error.field] = error.message
            else:
                request.session.pop(enrolment.SESSION_KEY, None)
                otp_login(request, pending)
                messages.success(request, "两步验证已启用。请把下面的恢复码抄下或打印，妥善保管。")
                return _codes_page(request, pending, codes)
        key = base64.b32encode(pending.bin_key).decode("ascii")
        return render(
            request,
            "registration/two_factor.html",
            {
                "setting_up": True,
                "qr": segno.make(pending.config_url, error="m").svg_data_uri(scale=5),
                "key": " ".join(key[i : i + 4] for i in range(0, len(key), 4)),
                "errors": errors,
                "code_required": enrolment.code_required(user),
                "required": settings.TWO_FACTOR_REQUIRED and needs_second_factor(user),
            },
        )

    verified = request.user.is_verified()
    if action == "regenerate":
        if verified:
            codes = enrolment.new_recovery_codes(user)
            messages.success(request, "已生成新的恢复码，旧的恢复码全部作废。")
            return _codes_page(request, device, codes)
        messages.error(request, "请先用动态验证码重新登录，再生成恢复码。")
        return redirect("two_factor")
    return render(
        request,
        "registration/two_factor.html",
        {
            "setting_up": False,
            "device": device,
            "verified": verified,
            "remaining": StaticToken.objects.filter(device__user=user).count(),
        },
    )
