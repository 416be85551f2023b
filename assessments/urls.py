from django.urls import path

from .views import assessments

app_name = "assessments"

urlpatterns = [
    path("", assessments.AssessmentListView.as_view(), name="list"),
    path("<int:pk>/", assessments.assessment_detail, name="detail"),
]
