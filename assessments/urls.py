from django.urls import path

from .views import assessments, books, live, paper, reporting, review, wizard

app_name = "assessments"

urlpatterns = [
    path("", assessments.AssessmentListView.as_view(), name="list"),
    path("new/", wizard.start, name="start"),
    path("<int:pk>/", assessments.assessment_detail, name="detail"),
    path("<int:pk>/copy/", wizard.copy, name="copy"),
    path("<int:pk>/edit/", wizard.resume, name="wizard"),
    path("<int:pk>/edit/<str:step>/", wizard.wizard_step, name="wizard_step"),
    path("<int:pk>/edit/<str:step>/live/", live.live, name="wizard_live"),
    path("<int:pk>/submit/", review.submit, name="submit"),
    path("<int:pk>/return/", review.return_for_revision, name="return"),
    path("<int:pk>/sign-off/", review.sign_off, name="sign_off"),
    path("<int:pk>/reopen/", review.reopen, name="reopen"),
    path("<int:pk>/withdraw/", review.withdraw, name="withdraw"),
    path("<int:pk>/comments/", review.add_comment, name="add_comment"),
    path("<int:pk>/comments/<int:comment_pk>/answer/", review.answer_comment, name="answer"),
    path("export.csv", reporting.export_csv, name="export_csv"),
    path("export.xlsx", reporting.export_xlsx, name="export_xlsx"),
    path("summary/", reporting.summary, name="summary"),
    path("summary.xlsx", reporting.summary_xlsx, name="summary_xlsx"),
    path("projects/<int:pk>/", reporting.project_years, name="project_years"),
    path("<int:pk>/print/", paper.print_page, name="print"),
    path("<int:pk>/pdf/", paper.download_pdf, name="pdf"),
    path("<int:pk>/xlsx/", paper.download_xlsx, name="xlsx"),
    path("books/", books.book_list, name="books"),
    path("books/<int:pk>/", books.book_detail, name="book"),
    path("books/<int:pk>/progress/", books.book_progress, name="book_progress"),
    path("books/<int:pk>/download/", books.book_download, name="book_download"),
]
