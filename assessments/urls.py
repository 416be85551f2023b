from django.urls import path

from .views import assessments, wizard

app_name = "assessments"

urlpatterns = [
    path("", assessments.AssessmentListView.as_view(), name="list"),
    path("new/", wizard.start, name="start"),
    path("<int:pk>/", assessments.assessment_detail, name="detail"),
    path("<int:pk>/copy/", wizard.copy, name="copy"),
    path("<int:pk>/edit/", wizard.resume, name="wizard"),
    path("<int:pk>/edit/<str:step>/", wizard.wizard_step, name="wizard_step"),
    path("<int:pk>/edit/<str:step>/live/", wizard.live, name="wizard_live"),
]
