from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import User

from . import lockout
from .models import (
    AssessmentEvent,
    Comment,
    LoginFailure,
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


@admin.register(LoginFailure)
class LoginFailureAdmin(ReadOnlyAdmin):
    """Failed sign-ins, kept as security records; unlocking marks them, it deletes nothing."""

    list_display = ["created_at", "username", "address", "cleared_at"]
    list_filter = ["cleared_at"]
    search_fields = ["username", "address"]
    actions = ["unlock_accounts"]

    @admin.action(description="解除所选账号的登录锁定")
    def unlock_accounts(self, request, queryset):
        usernames = set(queryset.values_list("username", flat=True))
        for username in usernames:
            lockout.unlock(username)
        self.message_user(request, f"已解除 {len(usernames)} 个账号的登录锁定。")


class UserAdmin(BaseUserAdmin):
    actions = ["unlock_accounts"]

    @admin.action(description="解除登录锁定")
    def unlock_accounts(self, request, queryset):
        for user in queryset:
            lockout.unlock(user.username)
        self.message_user(request, f"已解除 {queryset.count()} 个账号的登录锁定。")


admin.site.unregister(User)
admin.site.register(User, UserAdmin)


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "assessment", "target_label", "author", "answered_at"]
