from django.urls import path

from .views import verify

app_name = "verify"

urlpatterns = [
    path("", verify.verify_form, name="form"),
    path("<str:content_hash>/", verify.verify_hash, name="hash"),
]
