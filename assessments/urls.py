from django.urls import path

from .views import assessments, books, paper

app_name = "assessments"

urlpatterns = [
    path("", assessments.AssessmentListView.as_view(), name="list"),
    path("<int:pk>/", assessments.assessment_detail, name="detail"),
    path("<int:pk>/print/", paper.print_page, name="print"),
    path("<int:pk>/pdf/", paper.download_pdf, name="pdf"),
    path("books/", books.book_list, name="books"),
    path("books/<int:pk>/", books.book_detail, name="book"),
    path("books/<int:pk>/progress/", books.book_progress, name="book_progress"),
    path("books/<int:pk>/download/", books.book_download, name="book_download"),
]
