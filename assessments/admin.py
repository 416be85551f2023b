from axes.admin import AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import User

from . import signin
from .models import (
    AssessmentEvent,
    Comment,
    Membership,
    Organisation,
    Project,
    ReportingYear,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records the application writes and nobody edits: readable here, never changed."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MembershipInline(admin.TabularInline):
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
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role"]
    list_filter = ["role", "organisation"]
    autocomplete_fields = ["user", "organisation"]


@admin.register(AssessmentEvent)
class AssessmentEventAdmin(ReadOnlyAdmin):
    """The history can be read here, never changed."""

    list_display = ["created_at", "assessment", "action", "from_status", "to_status", "actor"]
    list_filter = ["action"]


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
