from axes.admin import AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import User
from django.shortcuts import get_object_or_404
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import signin
from .models import (
    AssessmentEvent,
    BureauEvent,
    Comment,
    Deadline,
    DeadlineException,
    Filing,
    Membership,
    Notice,
    Organisation,
    OrganisationEvent,
    Project,
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


class CheckedAutocomplete:
    """For admins with autocomplete_fields: the checked widget above."""

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


class UserAdmin(BaseUserAdmin):
    actions = ["unlock_accounts"]

    @admin.action(description="解除登录锁定")
    def unlock_accounts(self, request, queryset):
        for user in queryset:
            signin.unlock(user.username)
        self.message_user(request, f"已解除 {queryset.count()} 个账号的登录锁定。")


admin.site.unregister(User)
admin.site.register(User, UserAdmin)


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "assessment", "target_label", "author", "answered_at"]


@admin.register(SigningKey)
class SigningKeyAdmin(ReadOnlyAdmin):
    """The public keys that signed sign-offs; the private keys are never in the database."""

    list_display = ["fingerprint", "algorithm", "created_at"]


class CheckedTOTPDeviceAdmin(TOTPDeviceAdmin):
    """django-otp's device pages look the device up with .get(): an id that names no device
    would be a server error; it is a 404."""

    def config_view(self, request, pk):
        get_object_or_404(TOTPDevice, pk=pk)
        return super().config_view(request, pk)

    def qrcode_view(self, request, pk):
        get_object_or_404(TOTPDevice, pk=pk)
        return super().qrcode_view(request, pk)


admin.site.unregister(TOTPDevice)
admin.site.register(TOTPDevice, CheckedTOTPDeviceAdmin)


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
