from django.urls import path, register_converter

from .views import (
    adjustments,
    assessments,
    books,
    bureau,
    cycle,
    filings,
    followup,
    linking,
    live,
    monitoring,
    paper,
    publication,
    reporting,
    review,
    uploads,
    wizard,
)

app_name = "assessments"


class IdConverter:
    """A database id: 1 to 18 digits, so that no number in a path overflows a 64-bit column
    (a longer one is simply not found)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


class YearConverter(IdConverter):
    """A reporting year: four digits (the model keeps 2000 to 2100)."""

    regex = "[0-9]{4}"


register_converter(IdConverter, "id")
register_converter(YearConverter, "year")

urlpatterns = [
    path("", assessments.AssessmentListView.as_view(), name="list"),
    path("new/", wizard.start, name="start"),
    path("<id:pk>/", assessments.assessment_detail, name="detail"),
    path("<id:pk>/copy/", wizard.copy, name="copy"),
    path("<id:pk>/take-offer/", assessments.take_offer, name="take_offer"),
    path("<id:pk>/edit/", wizard.resume, name="wizard"),
    path("<id:pk>/edit/<str:step>/", wizard.wizard_step, name="wizard_step"),
    path("<id:pk>/edit/<str:step>/live/", live.live, name="wizard_live"),
    path("<id:pk>/submit/", review.submit, name="submit"),
    path("<id:pk>/return/", review.return_for_revision, name="return"),
    path("<id:pk>/sign-off/", review.sign_off, name="sign_off"),
    path("<id:pk>/reopen/", review.reopen, name="reopen"),
    path("<id:pk>/withdraw/", review.withdraw, name="withdraw"),
    path("<id:pk>/comments/", review.add_comment, name="add_comment"),
    path("<id:pk>/comments/<id:comment_pk>/answer/", review.answer_comment, name="answer"),
    path("<id:pk>/adjustments/", adjustments.request_adjustment, name="request_adjustment"),
    path("<id:pk>/link-targets/", linking.link_targets, name="link_targets"),
    path(
        "<id:pk>/adjustments/<id:adjustment_pk>/decide/",
        adjustments.decide_adjustment,
        name="decide_adjustment",
    ),
    path("export.csv", reporting.export_csv, name="export_csv"),
    path("export.xlsx", reporting.export_xlsx, name="export_xlsx"),
    path("summary/", reporting.summary, name="summary"),
    path("summary.xlsx", reporting.summary_xlsx, name="summary_xlsx"),
    path("projects/<id:pk>/", reporting.project_years, name="project_years"),
    path("<id:pk>/print/", paper.print_page, name="print"),
    path("<id:pk>/print/keep/", paper.keep_print_options, name="keep_print_options"),
    path("<id:pk>/pdf/", paper.download_pdf, name="pdf"),
    path("<id:pk>/xlsx/", paper.download_xlsx, name="xlsx"),
    path("<id:pk>/fillable/", uploads.download_fillable, name="fillable"),
    path("<id:pk>/upload/", uploads.upload, name="upload"),
    path("<id:pk>/upload/<str:token>/", uploads.upload_preview, name="upload_preview"),
    path("fillable/<year:year>/", uploads.download_unit_fillable, name="unit_fillable"),
    path("upload/", uploads.unit_upload, name="unit_upload"),
    path("upload/<str:token>/", uploads.unit_upload_preview, name="unit_upload_preview"),
    path("deadlines/<id:pk>/<year:year>/", cycle.deadlines_page, name="deadlines"),
    path("deadlines/<id:pk>/<year:year>/set/", cycle.set_deadline, name="set_deadline"),
    path("deadlines/<id:pk>/<year:year>/grant/", cycle.grant_exception, name="grant_exception"),
    path("exceptions/<id:pk>/revoke/", cycle.revoke_exception, name="revoke_exception"),
    path("books/", books.book_list, name="books"),
    path("books/<id:pk>/", books.book_detail, name="book"),
    path("books/<id:pk>/progress/", books.book_progress, name="book_progress"),
    path("books/<id:pk>/download/", books.book_download, name="book_download"),
    path("filings/", filings.filing_list, name="filings"),
    path("filings/file/", filings.file_year, name="file_year"),
    path(
        "filings/<id:department_pk>/<year:year>/projects/",
        filings.filing_scope,
        name="filing_scope",
    ),
    path(
        "filings/<id:department_pk>/<year:year>/projects/<id:project_pk>/exempt/",
        filings.record_exemption,
        name="record_exemption",
    ),
    path("filings/<id:pk>/", filings.filing_detail, name="filing"),
    path("filings/<id:pk>/return/", filings.return_filing, name="return_filing"),
    path("filings/<id:pk>/rebuild/", filings.rebuild_package, name="rebuild_package"),
    path("filings/<id:pk>/book/", filings.filing_book, name="filing_book"),
    path("filings/<id:pk>/summary/", filings.filing_summary, name="filing_summary"),
    path("bureau/", bureau.bureau_home, name="bureau_home"),
    path("bureau/<id:pk>/<year:year>/", bureau.bureau_desk, name="bureau_desk"),
    path("bureau/<id:pk>/<year:year>/report/", bureau.bureau_report_page, name="bureau_report"),
    path(
        "bureau/<id:pk>/<year:year>/report.xlsx",
        bureau.bureau_report_xlsx,
        name="bureau_report_xlsx",
    ),
    path("samples/<id:pk>/", bureau.sample_detail, name="sample"),
    path("samples/<id:sample_pk>/tables/<id:pk>/", bureau.review_table, name="review_table"),
    path("samples/<id:sample_pk>/tables/<id:pk>/pdf/", bureau.review_pdf, name="review_pdf"),
    path("samples/<id:sample_pk>/tables/<id:pk>/sign/", bureau.sign_review, name="sign_review"),
    path(
        "samples/<id:sample_pk>/tables/<id:pk>/reopen/",
        bureau.reopen_review,
        name="reopen_review",
    ),
    path("monitoring/", monitoring.round_list, name="monitoring"),
    path("monitoring/<id:pk>/", monitoring.round_detail, name="monitoring_round"),
    path("monitoring/<id:pk>/export.xlsx", monitoring.round_xlsx, name="monitoring_xlsx"),
    path("rectifications/", followup.rectification_list, name="rectifications"),
    path("<id:pk>/rectify/", followup.issue_rectification, name="issue_rectification"),
    path("rectifications/<id:pk>/", followup.rectification_detail, name="rectification"),
    path(
        "rectifications/<id:pk>/attachment/",
        followup.rectification_attachment,
        name="rectification_attachment",
    ),
    path("<id:pk>/application/", followup.record_application, name="record_application"),
    path("publications/", publication.publication_list, name="publications"),
    path("publications/prepare/", publication.prepare, name="prepare_publication"),
    path("publications/accounts/", publication.record_final_accounts, name="final_accounts"),
    path("publications/<id:pk>/", publication.publication_detail, name="publication"),
    path("publications/<id:pk>/move/", publication.move, name="publication_move"),
    path("publications/<id:pk>/names/", publication.set_print_names, name="publication_names"),
    path("publications/<id:pk>/submit/", publication.submit, name="publication_submit"),
    path("publications/<id:pk>/approve/", publication.approve, name="publication_approve"),
    path("publications/<id:pk>/return/", publication.return_publication, name="publication_return"),
    path("publications/<id:pk>/publish/", publication.publish, name="publication_publish"),
    path("publications/<id:pk>/correct/", publication.correct, name="publication_correct"),
    path(
        "publications/<id:pk>/preview/table-<int:position>.html",
        publication.preview_table,
        name="publication_preview_table",
    ),
    path("publications/<id:pk>/preview.pdf", publication.preview_pdf, name="publication_preview"),
]
