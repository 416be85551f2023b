"""Accounts: the one-time codes an administrator issues to enrol a second factor."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EnrolmentCodeQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(used_at__isnull=True, expires_at__gt=timezone.now())


class EnrolmentCode(models.Model):
    """A one-time code that lets a reviewer or an administrator set up an authenticator.

    Issued by a security administrator (assessments.enrolment.issue), shown once, stored as
    a salted password hash; the row stays as the record of who issued it and when it was used.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        on_delete=models.CASCADE,
        related_name="enrolment_codes",
    )
    code_hash = models.CharField(max_length=256, editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签发人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    issued_at = models.DateTimeField(_("签发时间"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("有效期至"), editable=False)
    used_at = models.DateTimeField(_("使用时间"), null=True, editable=False)

    objects = EnrolmentCodeQuerySet.as_manager()

    class Meta:
        verbose_name = _("两步验证启用码")
        verbose_name_plural = _("两步验证启用码")
        ordering = ["-issued_at"]

    def __str__(self):
        return f"{self.user} · {timezone.localtime(self.issued_at):%Y-%m-%d %H:%M}"
