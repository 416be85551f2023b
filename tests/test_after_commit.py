"""Work after a commit (mail, the stored PDF) never turns a finished step into an error page."""

import logging

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from assessments import interchange
from assessments.forms import StartForm
from assessments.models import Assessment, Project, Signature

from .factories import AssessmentFactory, UnitFactory, UserFactory, YearFactory, member


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def people(db):
    unit = UnitFactory(name="社会保障服务中心")
    return {
        "preparer": member(
            UserFactory(username="preparer", email="p@example.gov.cn"), unit, "preparer"
        ),
        "reviewer": member(
            UserFactory(username="reviewer", email="r@example.gov.cn"), unit, "reviewer"
        ),
        "unit": unit,
    }


def table_named(people, name):
    project = Project.objects.create(unit=people["unit"], name="临时")
    # Stored the way an import before line breaks were refused could have stored it.
    Project.objects.filter(pk=project.pk).update(name=name)
    return AssessmentFactory(project=project, year=YearFactory(year=2023))


def step(client, user, name, assessment, callbacks):
    client.force_login(user)
    with callbacks(execute=True):
        response = client.post(reverse(f"assessments:{name}", args=[assessment.pk]))
    assert response.status_code == 302, response.content[:300]
    assert response.url == assessment.get_absolute_url()
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert texts and not any("失败" in t for t in texts), texts
    return response


@pytest.mark.slow
def test_a_project_name_with_a_line_break_submits_and_signs_off(
    client, people, django_capture_on_commit_callbacks
):
    assessment = table_named(people, "第一行\n第二行\r\n第三行")
    step(client, people["preparer"], "submit", assessment, django_capture_on_commit_callbacks)
    step(client, people["reviewer"], "sign_off", assessment, django_capture_on_commit_callbacks)
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SIGNED_OFF
    assert [m.subject for m in mail.outbox] == [
        "【绩效自评】2023 年度“第一行 第二行 第三行”已提交，请审核",
        "【绩效自评】2023 年度“第一行 第二行 第三行”已签发",
    ]
    assert Signature.objects.get(assessment=assessment).pdf
    response = client.get(reverse("assessments:pdf", args=[assessment.pk]))
    assert response.status_code == 200
    assert "filename*=utf-8''2023-" in response["Content-Disposition"]


@pytest.mark.slow
def test_a_seventy_character_name_with_a_dot_signs_off_and_its_pdf_downloads(
    client, people, django_capture_on_commit_callbacks
):
    name = (
        "上海市闵行区社会保障服务中心2023年度信息系统运行维护及数据安全保障服务项目（一期.二期）"
        * 2
    )
    name = name[:70]
    assert len(name) == 70 and "." in name
    assessment = table_named(people, name)
    step(client, people["preparer"], "submit", assessment, django_capture_on_commit_callbacks)
    step(client, people["reviewer"], "sign_off", assessment, django_capture_on_commit_callbacks)
    signature = Signature.objects.get(assessment=assessment)
    assert signature.pdf.name.endswith(f"/{signature.pk}-{signature.content_hash[:12]}.pdf")
    response = client.get(reverse("assessments:pdf", args=[assessment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_any_mail_failure_is_logged_and_the_step_stands(
    client, people, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    def broken(*args, **kwargs):
        raise ValueError("Header values may not contain linefeed or carriage return characters")

    monkeypatch.setattr("assessments.notifications.send_mail", broken)
    assessment = AssessmentFactory(project__unit=people["unit"], year=YearFactory(year=2023))
    with caplog.at_level(logging.ERROR, logger="assessments.notifications"):
        step(client, people["preparer"], "submit", assessment, django_capture_on_commit_callbacks)
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SUBMITTED
    assert "通知邮件发送失败" in caplog.text


@pytest.mark.slow
def test_a_failed_pdf_render_leaves_the_sign_off_done_and_the_pdf_pending(
    client, people, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    from assessments.paper import pdf

    assessment = AssessmentFactory(project__unit=people["unit"], year=YearFactory(year=2023))
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.SUBMITTED)
    original = pdf.store_signed_pdf

    def broken(signature):
        raise OSError("storage is full")

    monkeypatch.setattr(pdf, "store_signed_pdf", broken)
    with caplog.at_level(logging.ERROR, logger="assessments.services.workflow"):
        step(client, people["reviewer"], "sign_off", assessment, django_capture_on_commit_callbacks)
    assert "签发版 PDF 生成失败" in caplog.text
    assert Assessment.objects.get(pk=assessment.pk).status == Assessment.Status.SIGNED_OFF
    detail = client.get(assessment.get_absolute_url()).content.decode()
    assert 'id="signed-pdf-pending"' in detail

    monkeypatch.setattr(pdf, "store_signed_pdf", original)
    assert client.get(reverse("assessments:pdf", args=[assessment.pk])).status_code == 200
    assert Signature.objects.get(assessment=assessment).pdf
    assert (
        'id="signed-pdf-pending"' not in client.get(assessment.get_absolute_url()).content.decode()
    )


def test_the_start_form_refuses_a_project_name_with_a_line_break(people):
    form = StartForm(
        {"unit": people["unit"].pk, "year": YearFactory(year=2023).pk, "project_name": "甲\n乙"},
        units=type(people["unit"]).objects.filter(pk=people["unit"].pk),
    )
    assert not form.is_valid()
    assert form.errors["project_name"] == ["不能换行，请写在一行内。"]


def test_an_import_refuses_names_with_line_breaks(demo):
    document = interchange.dumps(
        [interchange.export_assessment(a) for a in interchange.export_queryset()[:1]]
    )
    document = document.replace('"project": "', '"project": "换\\n行', 1)
    _, problems = interchange.parse_document(document)
    assert problems == ["$.assessments[0].project：名称不能换行，请写在一行内。"]
