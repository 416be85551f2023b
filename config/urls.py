from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "绩效自评 · 系统管理"
admin.site.site_title = "绩效自评"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="assessments:list"), name="home"),
    path("assessments/", include("assessments.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
]
