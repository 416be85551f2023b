"""Enrolling a second factor.

Each set-up page gets a secret of its own, kept in that session until a code from the
authenticator confirms it; only then is a device stored. Reviewers and administrators also
need a one-time enrolment code issued by a security administrator, at the first set-up and
again after a lost device was removed: a password alone never enrols their second factor.
Recovery codes are shown once, when made, to a session signed in with the second factor.
"""

import logging
import secrets
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from . import throttle
from .models import EnrolmentCode
from .signin import needs_second_factor

logger = logging.getLogger(__name__)

# The secret of the set-up in progress, per session (hex, as TOTPDevice stores it).
SESSION_KEY = "two_factor_setup_key"
DEVICE_NAME = "验证器"
RECOVERY_CODES = 10
# Letters and digits that cannot be mistaken for one another when read out or typed.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12


class EnrolmentError(Exception):
    """A set-up that cannot be confirmed; `field` is the input the message belongs beside."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def code_required(user) -> bool:
    """Reviewers and administrators enrol with an enrolment code besides the password."""
    return needs_second_factor(user)


def normalise(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isascii() and ch.isalnum())


def issue(user, *, by) -> tuple[EnrolmentCode, str]:
    """A new enrolment code for `user` (earlier unused ones end): its record, and the code,
    returned this once."""
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    now = timezone.now()
    with transaction.atomic():
        EnrolmentCode.objects.usable().filter(user=user).update(expires_at=now)
        record = EnrolmentCode.objects.create(
            user=user,
            code_hash=make_password(code),
            issued_by=by,
            issued_at=now,
            expires_at=now + timedelta(hours=settings.ENROLMENT_CODE_HOURS),
        )
    logger.info("两步验证启用码已签发：账号 %s，签发人 %s", user.get_username(), by)
    return record, "-".join(code[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def _redeem(user, code: str) -> bool:
    """Use one of the user's valid enrolment codes; inside the caller's transaction."""
    code = normalise(code)
    if not code:
        return False
    for candidate in EnrolmentCode.objects.usable().select_for_update().filter(user=user):
        if check_password(code, candidate.code_hash):
            candidate.used_at = timezone.now()
            candidate.save(update_fields=["used_at"])
            return True
    return False


def pending_device(session, user) -> TOTPDevice:
    """The device being set up in this session, not stored: its secret lives in the session."""
    key = session.get(SESSION_KEY)
    if not key:
        key = session[SESSION_KEY] = random_hex(20)
    return TOTPDevice(user=user, name=DEVICE_NAME, key=key, confirmed=False)


def new_recovery_codes(user) -> list[str]:
    """Ten new single-use recovery codes; the earlier ones end. Returned to be shown once."""
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(user=user, name="recovery")
        device.token_set.all().delete()
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def enrol(user, device: TOTPDevice, *, token: str, code: str = "") -> list[str]:
    """Store the device once `token` proves the authenticator holds its secret (and, where
    required, `code` is a valid enrolment code); returns the new recovery codes."""
    token = "".join(token.split())
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if not (token.isascii() and token.isdigit() and totp.verify(int(token), device.tolerance)):
        raise EnrolmentError(
            "token", "验证码不正确：请输入验证器应用当前显示的 6 位数字（注意手机时间要准确）。"
        )
    required = code_required(user)
    # Counted outside the transaction below, so that a refused code still counts.
    limit = settings.ENROLMENT_CODE_TRIES_PER_HOUR, 3600
    if required and not throttle.allow("enrolment-code", str(user.pk), limit):
        raise EnrolmentError("enrolment_code", "启用码尝试次数过多，请一小时后再试。")
    with transaction.atomic():
        if required and not _redeem(user, code):
            raise EnrolmentError(
                "enrolment_code",
                "启用码不正确或已失效：请向安全管理员索取新的启用码（只能使用一次）。",
            )
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise EnrolmentError("token", "该账号已启用两步验证。")
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device.last_t = totp.t()
        device.drift = totp.drift
        device.confirmed = True
        device.save()
        codes = new_recovery_codes(user)
    logger.info("两步验证已启用：账号 %s", user.get_username())
    return codes
