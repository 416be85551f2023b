from django.urls import path

from .views import assessments, exports, summary

app_name = "assessments"

urlpatterns = [
    path("", assessments.AssessmentListView.as_view(), name="list"),
    path("<int:pk>/", assessments.assessment_detail, name="detail"),
    path("export.csv", exports.export_csv, name="export_csv"),
    path("export.xlsx", exports.export_xlsx, name="export_xlsx"),
    path("summary/", summary.summary, name="summary"),
    path("summary.xlsx", summary.summary_xlsx, name="summary_xlsx"),
    path("projects/<int:pk>/", summary.project_years, name="project_years"),
]
