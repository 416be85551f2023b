from axes.admin import AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.admin.options import BaseModelAdmin
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import User
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import enrolment, signin
from .models import (
    AssessmentEvent,
    BureauEvent,
    Comment,
    Deadline,
    DeadlineException,
    EnrolmentCode,
    Filing,
    Membership,
    Notice,
    Organisation,
    OrganisationEvent,
    Project,
    Publication,
    PublicationEvent,
    Reminder,
    ReportingYear,
    ReviewSample,
    SigningKey,
)


class CheckedAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete widget looks a posted value up as it is: a value that is no id, from
    a crafted request, would end in a server error instead of the form's own message."""

    def optgroups(self, name, value, attr=None):
        ids = [v for v in value if str(v).isascii() and str(v).isdigit() and len(str(v)) <= 18]
        return super().optgroups(name, ids, attr)


class CheckedAutocomplete(BaseModelAdmin):
    """For admins and inlines with autocomplete_fields: the checked widget above."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = CheckedAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records the application writes and nobody edits: readable here, never changed."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MembershipInline(CheckedAutocomplete, admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["name"]
    inlines = [MembershipInline]


@admin.register(ReportingYear)
class ReportingYearAdmin(admin.ModelAdmin):
    list_display = ["year", "rule_set", "deadline", "is_open"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "unit"]
    list_filter = ["unit"]
    search_fields = ["name", "unit__name"]


@admin.register(Membership)
class MembershipAdmin(CheckedAutocomplete, admin.ModelAdmin):
    list_display = ["user", "organisation", "role"]
    list_filter = ["role", "organisation"]
    autocomplete_fields = ["user", "organisation"]


@admin.register(AssessmentEvent)
class AssessmentEventAdmin(ReadOnlyAdmin):
    """The history can be read here, never changed."""

    list_display = ["created_at", "assessment", "action", "from_status", "to_status", "actor"]
    list_filter = ["action"]


@admin.register(OrganisationEvent)
class OrganisationEventAdmin(ReadOnlyAdmin):
    """Deadlines set and exceptions granted or revoked: read here, never changed."""

    list_display = ["created_at", "organisation", "year", "action", "actor", "comment"]
    list_filter = ["action", "year"]


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdmin):
    """绩效信息公开 changes only through its pages (each step logged, the approval signed)."""

    list_display = ["year", "department", "version", "status", "published_at"]
    list_filter = ["status", "year"]


@admin.register(PublicationEvent)
class PublicationEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "organisation", "year", "action", "actor", "comment"]
    list_filter = ["action", "year"]


# Deadlines and exceptions change only through their pages, so that each change is logged.
@admin.register(Deadline)
class DeadlineAdmin(ReadOnlyAdmin):
    list_display = ["year", "organisation", "entry_due", "review_due", "set_by", "set_at"]
    list_filter = ["year"]


@admin.register(DeadlineException)
class DeadlineExceptionAdmin(ReadOnlyAdmin):
    list_display = ["unit", "year", "until", "reason", "granted_by", "revoked_at"]
    list_filter = ["year"]


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ["sent_at", "user", "kind", "due", "days_before", "mailed"]
    list_filter = ["kind", "mailed"]


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "title", "read_at"]


# django-axes' records of sign-ins and failed sign-ins are security records: read, never
# changed or deleted. Its counters (AccessAttempt) may be deleted: that is an unlock.
admin.site.unregister(AccessLog)
admin.site.unregister(AccessFailureLog)


@admin.register(AccessLog)
class SignInLogAdmin(ReadOnlyAdmin, AccessLogAdmin):
    pass


@admin.register(AccessFailureLog)
class SignInFailureLogAdmin(ReadOnlyAdmin, AccessFailureLogAdmin):
    pass


@admin.register(LogEntry)
class AdminLogAdmin(ReadOnlyAdmin):
    """What administrators did in the admin, for the audit administrator."""

    list_display = ["action_time", "user", "content_type", "object_repr", "action_flag"]
    list_filter = ["action_flag", "content_type"]


class UserAdmin(BaseUserAdmin):
    """Accounts, for the system administrator. Only a superuser (the installation's account)
    gives administrator duties or changes an administrator's account, so that no duty can
    grant itself another."""

    actions = ["unlock_accounts"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser or obj is None:
            return fieldsets
        return [
            (name, {**options, "fields": ("is_active",)})
            if "is_superuser" in options["fields"]
            else (name, options)
            for name, options in fieldsets
        ]

    def has_change_permission(self, request, obj=None):
        if obj is not None and (obj.is_staff or obj.is_superuser) and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_unlock_permission(self, request):
        return request.user.has_perm("axes.delete_accessattempt")

    @admin.action(description="解除登录锁定", permissions=["unlock"])
    def unlock_accounts(self, request, queryset):
        for user in queryset:
            signin.unlock(user.username)
        self.message_user(request, f"已解除 {queryset.count()} 个账号的登录锁定。")


admin.site.unregister(User)
admin.site.register(User, UserAdmin)


@admin.register(EnrolmentCode)
class EnrolmentCodeAdmin(admin.ModelAdmin):
    """Issuing an enrolment code (security administrator): the code is shown once, on the
    page after the form; the list keeps who issued which, when, and when it was used."""

    list_display = ["user", "issued_by", "issued_at", "expires_at", "used_at"]
    list_filter = ["issued_at", "used_at"]
    search_fields = ["user__username", "user__last_name", "user__first_name"]
    fields = ["user"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = User.objects.filter(is_active=True).order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        issued, request.enrolment_code = enrolment.issue(obj.user, by=request.user)
        obj.pk = issued.pk
        obj.refresh_from_db()

    def response_add(self, request, obj, post_url_continue=None):
        return TemplateResponse(
            request,
            "admin/assessments/enrolmentcode/issued.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": "两步验证启用码",
                "record": obj,
                "code": request.enrolment_code,
            },
        )


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "assessment", "target_label", "author", "answered_at"]


@admin.register(SigningKey)
class SigningKeyAdmin(ReadOnlyAdmin):
    """The public keys that signed sign-offs; the private keys are never in the database."""

    list_display = ["fingerprint", "algorithm", "created_at"]


class SecondFactorAdmin:
    """Second factors are seen and removed here (a lost phone), never added or changed: an
    administrator who set a person's secret or codes could sign in as that person. The
    secrets and codes are not shown either (OTP_ADMIN_HIDE_SENSITIVE_DATA)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CheckedTOTPDeviceAdmin(SecondFactorAdmin, TOTPDeviceAdmin):
    """django-otp's device pages look the device up with .get(): an id that names no device
    would be a server error; it is a 404. Removing a lost authenticator removes the person's
    recovery codes too: setting up again then needs a new enrolment code."""

    def config_view(self, request, pk):
        get_object_or_404(TOTPDevice, pk=pk)
        return super().config_view(request, pk)

    def qrcode_view(self, request, pk):
        get_object_or_404(TOTPDevice, pk=pk)
        return super().qrcode_view(request, pk)

    def delete_model(self, request, obj):
        StaticDevice.objects.filter(user_id=obj.user_id).delete()
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        StaticDevice.objects.filter(user_id__in=queryset.values("user_id")).delete()
        super().delete_queryset(request, queryset)


class CheckedStaticDeviceAdmin(SecondFactorAdmin, StaticDeviceAdmin):
    pass


admin.site.unregister(TOTPDevice)
admin.site.register(TOTPDevice, CheckedTOTPDeviceAdmin)
admin.site.unregister(StaticDevice)
admin.site.register(StaticDevice, CheckedStaticDeviceAdmin)


@admin.register(Filing)
class FilingAdmin(ReadOnlyAdmin):
    """Filings change only through the bureau's desk (filing, return, package)."""

    list_display = ["filed_at", "department", "year", "status", "package_status", "filed_by"]
    list_filter = ["status", "package_status", "year"]


@admin.register(ReviewSample)
class ReviewSampleAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "bureau", "year", "method", "share", "seed", "margin"]


@admin.register(BureauEvent)
class BureauEventAdmin(ReadOnlyAdmin):
    """The bureau desk's history can be read here, never changed."""

    list_display = ["created_at", "organisation", "year", "action", "actor"]
    list_filter = ["action"]
