from django.urls import path

from . import views

app_name = "assessments"

urlpatterns = [
    path("", views.AssessmentListView.as_view(), name="list"),
    path("<int:pk>/", views.assessment_detail, name="detail"),
]
