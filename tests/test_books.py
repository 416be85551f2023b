"""Books (合订本): requested on a page, built by the background worker, then downloaded."""

import io
import re
from dataclasses import dataclass
from io import StringIO
from urllib.parse import quote

import pikepdf
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from assessments import tasks
from assessments.models import Assessment, Book, Organisation, ReportingYear, Signature
from assessments.paper import binding, book_pdf, front_matter
from assessments.paper import stored as paper_stored
from assessments.services import books as book_services
from assessments.trust import signing

from .background import run_worker, runs_worker
from .database import as_table_owner
from .factories import login, user
from .pdftools import Layout, compact, dark_pixels, page_count, pdf_text

pytestmark = pytest.mark.usefixtures("media")

BOOKS = reverse("assessments:books")
UNIT = "上海市闵行区社会保障服务中心"
DEPARTMENT = "闵行区人力资源和社会保障局"


def request_unit_book(client, django_capture_on_commit_callbacks, username="tianbao", **extra):
    login(client, username)
    data = {
        "organisation": Organisation.objects.get(name=UNIT).pk,
        "year": ReportingYear.objects.get(year=2022).pk,
        **extra,
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(BOOKS, data)
    return response


def book_content(book):
    with book.pdf.open("rb") as handle:
        return handle.read()


@dataclass(frozen=True)
class UnitBook:
    content: bytes
    progress: list  # (done, total) as render_book reported it
    projects: list  # the names of the demo projects in the order they were created


@pytest.fixture(scope="module")
def unit_book(throwaway_db):
    """The 2022 book of the demo unit as its preparer may bind it, laid out once for the module,
    from demo data rolled back afterwards."""
    with throwaway_db():
        call_command("load_demo", stdout=StringIO())
        assessments = list(
            book_services.book_assessments(
                Organisation.objects.get(name=UNIT),
                ReportingYear.objects.get(year=2022),
                user=user("tianbao"),
            )
        )
        progress = []
        content = book_pdf.render_book(
            assessments, organisation=UNIT, year=2022, progress=lambda *p: progress.append(p)
        )
        projects = [
            a.project.name
            for a in Assessment.objects.self_assessments()
            .filter(project__isnull=False)
            .order_by("project__pk")
        ]
    return UnitBook(content, progress, projects)


@pytest.mark.slow
@runs_worker
def test_requesting_a_book_queues_a_task_and_the_worker_builds_it(
    client, demo, django_capture_on_commit_callbacks
):
    response = request_unit_book(client, django_capture_on_commit_callbacks)
    book = Book.objects.get()
    assert response.status_code == 302 and response.url == book.get_absolute_url()
    assert book.status == Book.Status.QUEUED and book.total == 11
    task = DBTaskResult.objects.get()
    assert task.task_path == "assessments.tasks.build_book"
    assert str(task.id) == Book.objects.get().task_id

    run_worker()

    book.refresh_from_db()
    assert book.status == Book.Status.DONE
    assert (book.done, book.total, book.percent) == (11, 11, 100)
    assert book.finished_at is not None
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    download = client.get(reverse("assessments:book_download", args=[book.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == "attachment; filename*=utf-8''" + quote(
        f"2022-{UNIT}-绩效自评表合订本.pdf"
    )
    assert b"".join(download.streaming_content) == book_content(book)


@pytest.mark.slow
@runs_worker
def test_progress_is_reported_as_json_until_the_download_is_offered(
    client, demo, django_capture_on_commit_callbacks
):
    request_unit_book(client, django_capture_on_commit_callbacks)
    book = Book.objects.get()
    url = reverse("assessments:book_progress", args=[book.pk])
    queued = client.get(url).json()
    assert queued["status"] == "queued" and queued["download_url"] is None
    assert (queued["done"], queued["total"], queued["percent"]) == (0, 11, 0)
    Book.objects.filter(pk=book.pk).update(status=Book.Status.RUNNING, done=4)
    running = client.get(url).json()
    assert (running["status_label"], running["percent"]) == ("生成中", 36)
    run_worker()
    done = client.get(url).json()
    assert done["status"] == "done" and done["percent"] == 100
    assert done["download_url"] == reverse("assessments:book_download", args=[book.pk])
    page = client.get(reverse("assessments:book", args=[book.pk])).content.decode()
    assert "下载合订本 PDF" in page and "book-progress.js" in page


@pytest.mark.slow
def test_render_book_reports_progress_table_by_table(unit_book):
    assert unit_book.progress == [(done, 11) for done in range(1, 12)]


@pytest.mark.slow
def test_book_has_cover_contents_with_true_page_numbers_summary_and_every_table(
    unit_book, tmp_path
):
    content = unit_book.content
    pages = page_count(content, tmp_path)
    cover = pdf_text(content, page=1)
    assert "2022 年度财政项目支出绩效自评表" in cover and "合订本" in compact(cover)
    assert UNIT in cover and "共 11 个项目" in cover

    contents = pdf_text(content, page=2)
    assert "目" in contents and "录" in contents
    listed = re.findall(r"^\s*(\d+)\s+(\S.*?)\s{2,}" + UNIT + r"\s+(\d+)\s*$", contents, re.M)
    assert [name for _, name, _ in listed] == unit_book.projects
    for _, name, page in listed:
        text = pdf_text(content, page=int(page))
        assert Layout(text).find_row(["项目名称", name], start=0), name
        assert "财政项目支出绩效自评表" in text
        assert f"合订本第{page}页" in compact(text)
    summary_page = int(re.search(r"汇总表\s+(\d+)", contents).group(1))
    summary = pdf_text(content, page=summary_page)
    Layout(summary).find_row(
        ["宣传费", "元", "58000.00", "54800.00", "94.48%", "99.45", "优", "已签发"], start=0
    )
    assert "等级分布：优11个，良0个，中0个，差0个" in compact(summary)
    last = pdf_text(content, page=pages)
    assert f"合订本第{pages}页" in compact(last)


@pytest.mark.slow
@runs_worker
def test_book_marks_a_table_that_is_not_signed_off(
    client, demo, django_capture_on_commit_callbacks
):
    assessment = Assessment.objects.get(project__name="宣传费")
    with as_table_owner():
        Signature.objects.filter(assessment=assessment).delete()
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.SUBMITTED)
    request_unit_book(client, django_capture_on_commit_callbacks)
    run_worker()
    content = book_content(Book.objects.get())
    contents = pdf_text(content, page=2)
    page = int(re.search(r"宣传费\s+" + UNIT + r"\s+(\d+)", contents).group(1))
    assert "未签发 · 仅供核对" in pdf_text(content, page=page)
    assert "未签发" not in pdf_text(content, page=page - 1)


def test_signed_only_book_leaves_out_unsigned_tables(
    client, demo, django_capture_on_commit_callbacks
):
    Assessment.objects.filter(project__name="宣传费").update(status=Assessment.Status.DRAFT)
    request_unit_book(client, django_capture_on_commit_callbacks, signed_only="on")
    book = Book.objects.get()
    assert book.signed_only and book.total == 10


def test_department_reviewer_may_bind_the_whole_department(
    client, demo, django_capture_on_commit_callbacks
):
    login(client, "juzhang")
    data = {
        "organisation": Organisation.objects.get(name=DEPARTMENT).pk,
        "year": ReportingYear.objects.get(year=2022).pk,
    }
    with django_capture_on_commit_callbacks(execute=True):
        client.post(BOOKS, data)
    assert Book.objects.get().total == 12  # the department's own table and its 11 projects


def test_a_year_without_tables_gives_a_message_and_no_book(
    client, demo, django_capture_on_commit_callbacks
):
    login(client, "tianbao")
    data = {
        "organisation": Organisation.objects.get(name=UNIT).pk,
        "year": ReportingYear.objects.get(year=2023).pk,
    }
    response = client.post(BOOKS, data)
    assert response.status_code == 200
    assert "没有可装订的自评表" in response.content.decode()
    assert not Book.objects.exists() and not DBTaskResult.objects.exists()


@pytest.mark.slow
@runs_worker
def test_outsider_cannot_request_see_or_download_a_book(
    client, demo, django_capture_on_commit_callbacks, outsider
):
    request_unit_book(client, django_capture_on_commit_callbacks)
    run_worker()
    book = Book.objects.get()
    client.force_login(outsider)
    for name in ("book", "book_progress", "book_download"):
        assert client.get(reverse(f"assessments:{name}", args=[book.pk])).status_code == 404
    page = client.get(BOOKS).content.decode()
    assert UNIT not in page
    response = client.post(
        BOOKS,
        {"organisation": Organisation.objects.get(name=UNIT).pk, "year": book.year.pk},
    )
    assert response.status_code == 200 and Book.objects.count() == 1
    with pytest.raises(book_services.BookError):
        book_services.request_book(Organisation.objects.get(name=UNIT), book.year, by=outsider)


def test_anonymous_visitor_is_sent_to_login(client, db):
    assert client.get(BOOKS).status_code == 302


def test_unfinished_book_cannot_be_downloaded(client, demo, django_capture_on_commit_callbacks):
    request_unit_book(client, django_capture_on_commit_callbacks)
    book = Book.objects.get()
    assert client.get(reverse("assessments:book_download", args=[book.pk])).status_code == 404


@runs_worker
def test_failed_build_is_recorded_with_a_message(
    client, demo, django_capture_on_commit_callbacks, monkeypatch
):
    request_unit_book(client, django_capture_on_commit_callbacks)

    def broken(*args, **kwargs):
        raise RuntimeError("layout failed")

    monkeypatch.setattr(book_pdf, "render_book", broken)
    run_worker()
    book = Book.objects.get()
    assert book.status == Book.Status.FAILED
    assert "生成合订本时出错" in book.error
    assert DBTaskResult.objects.get().status == "FAILED"


@pytest.mark.slow
def test_export_pdf_writes_one_file_per_table_and_copies_signed_ones_byte_for_byte(demo, tmp_path):
    out = StringIO()
    call_command("export_pdf", "--year", "2022", "-o", str(tmp_path / "out"), stdout=out)
    files = sorted((tmp_path / "out").iterdir())
    assert len(files) == 12  # the eleven projects and the department's own table
    assert (tmp_path / "out" / "2022-宣传费-绩效自评表.pdf") in files
    assert "共导出 12 个 PDF 文件" in out.getvalue()
    signature = Signature.objects.get(assessment__project__name="宣传费")
    with signature.pdf.open("rb") as stored:
        assert stored.read() == (tmp_path / "out" / "2022-宣传费-绩效自评表.pdf").read_bytes()


@pytest.mark.slow
def test_export_pdf_of_one_draft_project_carries_the_watermark(demo, tmp_path):
    Assessment.objects.filter(project__name="邮寄费").update(status=Assessment.Status.DRAFT)
    call_command(
        "export_pdf",
        "--year",
        "2022",
        "--unit",
        UNIT,
        "--project",
        "邮寄费",
        "-o",
        str(tmp_path),
        stdout=StringIO(),
    )
    path = tmp_path / "2022-邮寄费-绩效自评表（草稿）.pdf"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
    assert "草稿 · 未经审核签发" in pdf_text(path.read_bytes())


@pytest.mark.slow
def test_export_pdf_binds_a_book_per_department(demo, tmp_path):
    call_command("export_pdf", "--year", "2022", "--book", "-o", str(tmp_path), stdout=StringIO())
    path = tmp_path / f"2022-{DEPARTMENT}-绩效自评表合订本.pdf"
    assert path.exists()
    assert "共 11 个项目，另有部门整体自评表 1 张" in pdf_text(path.read_bytes(), page=1)


@pytest.mark.slow
def test_the_page_numbers_laid_over_a_book_leave_its_tables_visible(demo, tmp_path):
    """A table page of the book shows what its stored signed copy shows: the layer that
    carries the book's page number paints nothing over it."""
    call_command("export_pdf", "--year", "2022", "--book", "-o", str(tmp_path), stdout=StringIO())
    book = tmp_path / f"2022-{DEPARTMENT}-绩效自评表合订本.pdf"
    first_table_page = next(
        number
        for number in range(1, len(pikepdf.open(book).pages) + 1)
        if "年度资金总额" in compact(pdf_text(book.read_bytes(), page=number))
    )
    page_text = compact(pdf_text(book.read_bytes(), page=first_table_page))
    signature = next(
        s
        for s in Signature.objects.valid().select_related(
            "assessment__project", "assessment__organisation"
        )
        if compact(s.assessment.owner_name) in page_text
    )
    signed_copy = tmp_path / "signed.pdf"
    with paper_stored.stored_signed_pdf(signature).open("rb") as stored:
        signed_copy.write_bytes(stored.read())
    assert dark_pixels(book, first_table_page) >= 0.9 * dark_pixels(signed_copy, 1)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--year", "2030"], "没有符合条件的自评表"),
        (["--year", "2022", "--unit", "不存在的单位"], "没有名为“不存在的单位”的单位"),
        (["--year", "2022", "--project", "不存在的项目"], "没有符合条件的自评表"),
    ],
)
def test_export_pdf_explains_what_it_cannot_find(demo, tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("export_pdf", *args, "-o", str(tmp_path / "out"), stdout=StringIO())
    assert not (tmp_path / "out").exists()


def test_book_list_query_count_does_not_grow_with_books(client, demo):
    login(client, "juzhang")
    unit, year = Organisation.objects.get(name=UNIT), ReportingYear.objects.get(year=2022)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(BOOKS).status_code == 200
        return len(queries)

    Book.objects.create(organisation=unit, year=year, requested_by=user("tianbao"), total=11)
    few = count()
    for _ in range(6):
        Book.objects.create(organisation=unit, year=year, requested_by=user("juzhang"), total=11)
    assert count() == few


@pytest.mark.slow
def test_a_book_whose_requester_was_deleted_is_still_built(demo):
    unit, year = Organisation.objects.get(name=UNIT), ReportingYear.objects.get(year=2022)
    book = Book.objects.create(organisation=unit, year=year, requested_by=None, total=11)
    tasks.build_book.call(book.pk)
    book.refresh_from_db()
    assert (book.status, book.done) == (Book.Status.DONE, 11)
    assert book_content(book).startswith(b"%PDF")


def unit_assessments():
    return list(
        book_services.book_assessments(
            Organisation.objects.get(name=UNIT),
            ReportingYear.objects.get(year=2022),
            user=user("tianbao"),
        )
    )


def content_streams(page):
    contents = page.obj.Contents
    streams = contents if isinstance(contents, pikepdf.Array) else [contents]
    return [stream.read_bytes() for stream in streams]


@pytest.mark.slow
def test_a_book_of_signed_tables_holds_their_signed_pages_unchanged(demo):
    assessments = unit_assessments()
    content = book_pdf.render_book(assessments, organisation=UNIT, year=2022)
    book = pikepdf.open(io.BytesIO(content))
    stored = []
    for assessment in assessments:
        with paper_stored.stored_signed_pdf(assessment.valid_signature()).open("rb") as handle:
            stored.append(pikepdf.open(io.BytesIO(handle.read())))
    table_pages = [page for document in stored for page in document.pages]
    front = len(book.pages) - len(table_pages)
    assert front >= 3  # cover, contents, summary
    for number, (original, bound) in enumerate(
        zip(table_pages, book.pages[front:], strict=True), start=front + 1
    ):
        # The signed page's own drawing, byte for byte, then the book's page number over it.
        originals = content_streams(original)
        assert content_streams(bound)[1 : 1 + len(originals)] == originals, number
        assert original.MediaBox == bound.MediaBox
        text = compact(pdf_text(content, page=number))
        assert text.endswith(f"合订本第{number}页") or f"合订本第{number}页" in text
        # The book is not signed: the copies' signature fields are not carried into it.
        assert not [a for a in bound.obj.get("/Annots", []) if a.get("/Subtype") == "/Widget"]
    assert any(
        annotation.get("/Subtype") == "/Widget"
        for document in stored
        for page in document.pages
        for annotation in page.obj.get("/Annots", [])
    )
    titles = [item.title for item in book.open_outline().root]
    assert [t for t in titles if t not in ("目　录", "汇总表")] == [
        f"2022 {a.project.name}" for a in assessments
    ]


@pytest.mark.slow
def test_unsigned_tables_are_laid_out_in_worker_processes_with_progress(demo):
    # Submitted, not signed: the signatures stay on record (the database keeps them) but none
    # stands, as after a reopening.
    Signature.objects.update(voided_at=timezone.now(), void_reason="重新打开")
    Assessment.objects.update(status=Assessment.Status.SUBMITTED)
    assessments = unit_assessments()
    reports = []
    content = book_pdf.render_book(
        assessments, organisation=UNIT, year=2022, progress=lambda *p: reports.append(p)
    )
    assert reports == [(done, 11) for done in range(1, 12)]
    text = pdf_text(content)
    assert text.count("未签发 · 仅供核对") >= 11
    for assessment in assessments:
        assert compact(assessment.project.name) in compact(text)


def test_a_worker_process_refuses_to_query_the_database():
    from assessments.paper import pool

    with pytest.raises(RuntimeError, match="排版进程不读写数据库"):
        pool._refuse_queries(None, "SELECT 1", None, False, None)


def paper_loaded(_: object) -> bytes:
    """Whether this process had parsed the paper's stylesheet, made its font configuration
    and set what it loaded aside from garbage collection (for the test below: a layout
    worker's render function)."""
    import gc

    from assessments.paper import pdf

    cached = pdf.official_stylesheet.cache_info().currsize, pdf.font_config.cache_info().currsize
    return bytes([*cached, gc.get_freeze_count() > 0])


@pytest.mark.slow
def test_a_layout_worker_starts_with_the_paper_loaded():
    from assessments.paper import pool

    results = pool.lay_out_many(range(4), 4, render=paper_loaded)  # type: ignore[arg-type]
    assert results == [b"\x01\x01\x01"] * 4


@pytest.mark.slow
def test_contents_and_summary_over_many_pages_give_true_page_numbers(demo, monkeypatch, tmp_path):
    # Pages short enough for a few rows each: the contents and the summary take several.
    monkeypatch.setattr(front_matter, "LIMIT", front_matter.TOP + 60 * front_matter.MM)
    assessments = unit_assessments()
    content = book_pdf.render_book(assessments, organisation=UNIT, year=2022)
    summary_page = next(
        number
        for number in range(2, 20)
        if pdf_text(content, page=number).strip().startswith("汇总表")
    )
    contents = "\n".join(pdf_text(content, page=number) for number in range(2, summary_page))
    assert summary_page > 3  # the contents took more than one page
    assert re.search(rf"汇总表\s+{summary_page}\s*$", contents, re.M)
    listed = re.findall(r"^\s*(\d+)\s+(\S.*?)\s{2,}" + UNIT + r"\s+(\d+)\s*$", contents, re.M)
    assert [int(n) for n, _, _ in listed] == list(range(1, len(assessments) + 1))
    first_table = int(listed[0][2])
    assert first_table > summary_page + 1  # the summary took more than one page
    for _, name, page in listed:
        text = pdf_text(content, page=int(page))
        assert Layout(text).find_row(["项目名称", name], start=0), name
        assert f"合订本第{page}页" in compact(text)
    for number in range(2, first_table):
        assert f"合订本第{number}页" in compact(pdf_text(content, page=number))
    assert page_count(content, tmp_path) == first_table - 1 + sum(
        len(pikepdf.open(io.BytesIO(c)).pages) for c in paper_stored.table_pdfs(assessments)
    )


def font_page(book, program: bytes):
    """A page of `book` whose one font (Type0, as WeasyPrint embeds) carries `program`."""
    descriptor = pikepdf.Dictionary(
        Type=pikepdf.Name.FontDescriptor,
        FontName=pikepdf.Name("/ABCDEF+Serif"),
        FontFile3=book.make_stream(program, Subtype=pikepdf.Name.CIDFontType0C),
    )
    descendant = pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.CIDFontType0, FontDescriptor=descriptor
    )
    font = pikepdf.Dictionary(
        Type=pikepdf.Name.Font,
        Subtype=pikepdf.Name.Type0,
        DescendantFonts=pikepdf.Array([book.make_indirect(descendant)]),
    )
    page = book.add_blank_page()
    page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=book.make_indirect(font)))
    return page


def font_programs(content: bytes) -> list[bytes]:
    book = pikepdf.open(io.BytesIO(content))
    return [
        obj.read_bytes()
        for obj in book.objects
        if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/CIDFontType0C"
    ]


def test_a_book_keeps_each_font_program_that_tables_share_once():
    book = pikepdf.new()
    for program in [b"glyphs of one table", b"glyphs of one table", b"other glyphs"]:
        font_page(book, program)
    before = io.BytesIO()
    book.save(before)
    binding.share_font_programs(book)
    after = io.BytesIO()
    book.save(after)
    assert sorted(font_programs(before.getvalue())) == sorted(
        [b"glyphs of one table", b"glyphs of one table", b"other glyphs"]
    )
    assert sorted(font_programs(after.getvalue())) == [b"glyphs of one table", b"other glyphs"]
    # Every page's font still has its own program's bytes.
    reopened = pikepdf.open(io.BytesIO(after.getvalue()))
    shown = [
        page.Resources.Font.F1.DescendantFonts[0].FontDescriptor.FontFile3.read_bytes()
        for page in reopened.pages
    ]
    assert shown == [b"glyphs of one table", b"glyphs of one table", b"other glyphs"]


def test_the_signatures_in_force_and_their_keys_are_read_in_one_query_as_table_by_table(demo):
    tables = list(Assessment.objects.filter(year__year=2022).order_by("pk"))
    # One table signed twice (the earlier signature voided, the later in force) and one whose
    # table was signed and is no longer signed off.
    signed = [t for t in tables if t.status == Assessment.Status.SIGNED_OFF]
    assert len(signed) >= 3
    again = signed[0]
    Signature.objects.filter(assessment=again).update(voided_at=timezone.now())
    signing.record_signature(again)
    reopened = signed[1]
    Assessment.objects.filter(pk=reopened.pk).update(status=Assessment.Status.DRAFT)
    tables = list(Assessment.objects.filter(year__year=2022).order_by("pk"))
    one_by_one = [table.valid_signature() for table in tables]
    with CaptureQueriesContext(connection) as queries:
        together = Signature.objects.in_force(tables)
        # A book checks each signature against its key: read in the same query.
        keys = [(s.signed_by, s.key) for s in together if s]
    assert len(queries) == 1
    assert all(key is not None for _, key in keys)
    assert together == one_by_one
    assert [s.signed_by for s in together if s] == [s.signed_by for s in one_by_one if s]
    assert together[tables.index(reopened)] is None
    assert sum(s is not None for s in together) == len(signed) - 1
