"""整改 from a 复核 row to the unit's accepted answer, with its evidence; 结果应用 shown on the
project's next year."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from assessments.models import (
    Notice,
    Rectification,
    RectificationEvent,
    ResultApplication,
)
from assessments.services import AssessmentError, results
from assessments.services import bureau as desk_services
from assessments.services import rectification as rectifications

from . import bureau_fixtures
from .factories import AssessmentFactory, YearFactory, login

desk = bureau_fixtures.desk

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def reviewed(desk, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    desk_services.file_year(
        desk.departments[0].pk, desk.year.pk, by=desk.people["department_reviewer"]
    )
    sample = desk_services.create_sample(
        desk.bureau.pk,
        desk.year.pk,
        by=desk.people["bureau_reviewer"],
        margin=Decimal("1"),
        assessment_ids=[desk.tables[0].pk],
    )
    desk.sample, desk.sampled = sample, sample.tables.get()
    return desk


def tomorrow():
    return timezone.localdate() + datetime.timedelta(days=1)


def issue_through_the_page(client, d, due=None):
    login(client, "caizheng")
    url = reverse("assessments:issue_rectification", args=[d.tables[0].pk])
    url += f"?sampled={d.sampled.pk}&row=数量指标"
    page = client.get(url).content.decode()
    assert 'value="数量指标"' in page
    return client.post(
        url,
        {
            "row": "数量指标",
            "sampled": str(d.sampled.pk),
            "what": "补充完成数量的佐证",
            "why": "复核时完成数量与台账不符",
            "due_date": (due or tomorrow()).isoformat(),
        },
    )


def test_the_lifecycle_from_issue_to_acceptance_with_evidence(client, reviewed):
    response = issue_through_the_page(client, reviewed)
    assert response.status_code == 302
    r = Rectification.objects.get()
    assert (r.issuer, r.unit, r.sampled, r.row) == (
        reviewed.bureau,
        reviewed.units[0],
        reviewed.sampled,
        "数量指标",
    )
    assert Notice.objects.filter(user=reviewed.people["preparer"], url=r.get_absolute_url())

    # The unit's preparer answers with a PDF.
    login(client, "tianbao_a")
    page = client.get(r.get_absolute_url()).content.decode()
    assert 'id="answer"' in page and 'id="decide"' not in page
    upload = SimpleUploadedFile("台账.pdf", PDF, content_type="application/pdf")
    response = client.post(
        r.get_absolute_url(), {"answer": "已补充台账，数量核对一致", "attachment": upload}
    )
    assert response.status_code == 302
    r.refresh_from_db()
    assert r.status == Rectification.Status.ANSWERED and r.attachment_name == "台账.pdf"
    assert r.attachment.name.endswith(".pdf") and "台账" not in r.attachment.name

    # The evidence is a download, never shown inline.
    login(client, "caizheng")
    download = client.get(reverse("assessments:rectification_attachment", args=[r.pk]))
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == PDF

    # The issuer sends it back once (a reason is needed), then accepts.
    response = client.post(r.get_absolute_url(), {"decision": "send_back", "note": ""})
    assert response.status_code == 400 and "必须填写退回原因" in response.content.decode()
    client.post(r.get_absolute_url(), {"decision": "send_back", "note": "台账未盖章"})
    r.refresh_from_db()
    assert r.status == Rectification.Status.SENT_BACK
    login(client, "tianbao_a")
    client.post(r.get_absolute_url(), {"answer": "已补盖章的台账"})
    login(client, "caizheng")
    client.post(r.get_absolute_url(), {"decision": "accept", "note": ""})
    r.refresh_from_db()
    assert r.status == Rectification.Status.ACCEPTED
    assert [e.action for e in r.events.all()] == [
        "issue",
        "answer",
        "send_back",
        "answer",
        "accept",
    ]
    event = r.events.first()
    with pytest.raises(ValueError, match="只能追加"):
        event.save()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("说明.html", b"<html><script>alert(1)</script></html>", "只能是 PDF 或图片"),
        ("伪装.pdf", b"MZ\x90\x00 not a pdf", "只能是 PDF 或图片"),
        ("大图.png", PNG + b"\x00" * 2048, "佐证文件过大"),
    ],
)
def test_refused_attachments_change_nothing(client, reviewed, settings, name, content, message):
    settings.RECTIFICATION_ATTACHMENT_MAX_BYTES = 1024
    issue_through_the_page(client, reviewed)
    r = Rectification.objects.get()
    login(client, "tianbao_a")
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    response = client.post(r.get_absolute_url(), {"answer": "已整改", "attachment": upload})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and 'id="id_attachment-error"' in html
    assert "已整改" in html  # the typed answer stays
    r.refresh_from_db()
    assert r.status == Rectification.Status.OPEN and not r.attachment
    assert list(r.events.values_list("action", flat=True)) == ["issue"]


def test_a_png_is_taken_within_the_limit(reviewed):
    r = rectifications.issue(
        reviewed.tables[0].pk,
        by=reviewed.people["department_reviewer"],
        what="补充照片",
        why="缺少现场照片",
        due_date=tomorrow(),
    )
    assert r.issuer == reviewed.departments[0]
    upload = SimpleUploadedFile("现场.png", PNG)
    r = rectifications.answer(
        r.pk, by=reviewed.people["unit_reviewer"], text="已补", attachment=upload
    )
    assert r.attachment.name.endswith(".png")


def test_who_may_do_what(reviewed):
    people = reviewed.people
    table = reviewed.tables[0]
    with pytest.raises(AssessmentError, match="只有上级主管部门或财政局"):
        rectifications.issue(
            table.pk, by=people["preparer"], what="x", why="y", due_date=tomorrow()
        )
    with pytest.raises(AssessmentError, match="只有上级主管部门或财政局"):
        rectifications.issue(
            table.pk, by=people["other_department_reviewer"], what="x", why="y", due_date=tomorrow()
        )
    with pytest.raises(AssessmentError, match="不能早于今天"):
        rectifications.issue(
            table.pk,
            by=people["bureau_reviewer"],
            what="x",
            why="y",
            due_date=timezone.localdate() - datetime.timedelta(days=1),
        )
    r = rectifications.issue(
        table.pk, by=people["bureau_reviewer"], what="x", why="y", due_date=tomorrow()
    )
    with pytest.raises(AssessmentError, match="只有被通知单位"):
        rectifications.answer(r.pk, by=people["department_reviewer"], text="z")
    with pytest.raises(AssessmentError, match="答复整改结果后"):
        rectifications.decide(r.pk, by=people["bureau_reviewer"], accept=True)
    rectifications.answer(r.pk, by=people["preparer"], text="z")
    with pytest.raises(AssessmentError, match="只有发出整改通知的单位"):
        rectifications.decide(r.pk, by=people["department_reviewer"], accept=True)
    assert RectificationEvent.objects.count() == 2


def test_overdue_requests_are_marked_in_words(client, reviewed):
    issue_through_the_page(client, reviewed)
    r = Rectification.objects.get()
    Rectification.objects.filter(pk=r.pk).update(
        due_date=timezone.localdate() - datetime.timedelta(days=2)
    )
    assert list(Rectification.objects.overdue()) == [r]
    for who in ("caizheng", "tianbao_a"):
        login(client, who)
        html = client.get(reverse("assessments:rectifications")).content.decode()
        assert 'class="table-danger"' in html and "已逾期" in html
        html = client.get(r.get_absolute_url()).content.decode()
        assert "已逾期，单位尚未答复" in html
    login(client, "juzhang_b")
    assert client.get(r.get_absolute_url()).status_code == 404


def test_the_application_shows_on_the_projects_next_year(client, reviewed):
    table = reviewed.tables[0]
    next_year = YearFactory(year=2023)
    following = AssessmentFactory(project=table.project, year=next_year, kind="targets")
    login(client, "juzhang_a")
    url = reverse("assessments:record_application", args=[table.pk])
    response = client.post(url, {"decision": "reduce", "amount": "", "note": "执行偏慢"})
    assert response.status_code == 400 and "调减或调增须填写涉及金额" in response.content.decode()
    response = client.post(url, {"decision": "reduce", "amount": "1.2万元", "note": "执行偏慢"})
    assert response.status_code == 302
    application = ResultApplication.objects.get()
    assert application.amount == Decimal("12000.00")
    assert application.recorded_by_organisation == reviewed.departments[0]
    html = client.get(following.get_absolute_url()).content.decode()
    assert 'id="result-applications"' in html
    assert "2022 年度评价：<strong>调减</strong>，涉及金额 12000.00 元；执行偏慢" in html
    # Recording again replaces the year's record.
    results.record_application(
        table.pk, by=reviewed.people["bureau_reviewer"], decision="keep", amount=None
    )
    assert ResultApplication.objects.get().decision == "keep"
    login(client, "tianbao_a")
    assert client.get(url).status_code == 403


def test_the_bureau_dashboard_shows_its_desk_instead_of_empty_cards(client, reviewed):
    issue_through_the_page(client, reviewed)
    Rectification.objects.update(due_date=timezone.localdate() - datetime.timedelta(days=1))
    login(client, "caizheng")
    html = client.get(reverse("home")).content.decode()
    assert 'id="to-review"' not in html and 'id="drafts"' not in html
    assert f'id="bureau-desk-{reviewed.bureau.pk}"' in html
    assert 'bureau-filed">1<' in html and "甲局" in html
    assert "已复核 0/1 张" in html  # the sample waits for its 复核
    assert "逾期 1" in html and "已逾期" in html
    # The unit sees the request on its own dashboard, overdue in words.
    login(client, "tianbao_a")
    html = client.get(reverse("home")).content.decode()
    assert 'id="unit-rectifications"' in html and "已逾期" in html
    assert 'id="drafts"' in html


def test_the_report_lists_rectifications_and_applications_with_their_money(client, reviewed):
    import io

    import openpyxl

    issue_through_the_page(client, reviewed)
    Rectification.objects.update(due_date=timezone.localdate() - datetime.timedelta(days=1))
    for table, decision, amount in [
        (reviewed.tables[0], "reduce", Decimal("3000")),
        (reviewed.tables[1], "reduce", Decimal("2000.50")),
        (reviewed.tables[2], "keep", None),
    ]:
        results.record_application(
            table.pk, by=reviewed.people["bureau_reviewer"], decision=decision, amount=amount
        )
    login(client, "caizheng")
    args = [reviewed.bureau.pk, reviewed.year.year]
    html = client.get(reverse("assessments:bureau_report", args=args)).content.decode()
    assert "共 1 项，逾期 1 项" in html and "已逾期" in html
    assert "调减 2 项（5000.50 元）" in html and "保持 1 项" in html
    # Each row names its decision.
    rows = html[html.index('id="report-applications"') :]
    assert rows.count("<td>调减</td>") == 2 and rows.count("<td>保持</td>") == 1
    response = client.get(reverse("assessments:bureau_report_xlsx", args=args))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book["整改"]["G3"].value == "已逾期"
    amounts = [row[4].value for row in book["结果应用"].iter_rows(min_row=3)]
    assert sorted(a for a in amounts if a is not None) == [2000.5, 3000]
