from django.contrib import admin
from django.db import connection
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path

from assessments.signin import AdminSignInForm
from assessments.views import account, dashboard, notices

admin.site.site_header = "绩效自评 · 系统管理"
admin.site.site_title = "绩效自评"
# The admin signs in through the same lock and asks for the same second factor.
admin.site.login_form = AdminSignInForm
admin.site.login_template = "admin/sign_in.html"


def healthz(request):
    """For the container health check: the application answers and the database too."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


def favicon(request):
    """Pages outside the application's templates (the admin) make browsers ask for this."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon),
    path("", dashboard.dashboard, name="home"),
    path("assessments/", include("assessments.urls")),
    path("notices/", notices.notice_list, name="notices"),
    path("notices/<int:pk>/read/", notices.mark_read, name="notice_read"),
    path("notices/read/", notices.mark_all_read, name="notices_read"),
    path("accounts/notices/", notices.notice_settings, name="notice_settings"),
    path("accounts/login/", account.SignInView.as_view(), name="login"),
    path(
        "accounts/password_reset/",
        account.LimitedPasswordResetView.as_view(),
        name="password_reset",
    ),
    path("accounts/two-factor/", account.two_factor, name="two_factor"),
    path("verify/", include("assessments.urls_verify")),
    path("gongkai/", include("assessments.urls_public")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
]
