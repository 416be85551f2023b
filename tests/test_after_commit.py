"""Work after a commit (mail, queueing the signed PDF) never turns a finished step into an error
page; the background worker stores the signed PDF, and the first download does when it could not."""

import hashlib
import logging
from dataclasses import dataclass, field

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.db import DatabaseError
from django.urls import reverse
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from assessments import interchange
from assessments.forms import StartForm
from assessments.models import Assessment, AssessmentEvent, Project, Signature

from .background import run_worker, runs_worker
from .factories import AssessmentFactory, YearFactory

pytestmark = pytest.mark.usefixtures("media")

QUEUED = "签发版 PDF 正在后台生成"


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
    response = client.get(reverse("assessments:pdf", args=[assessment.pk]))
    assert response.status_code == 200
    assert "filename*=utf-8''2023-" in response["Content-Disposition"]
    assert Signature.objects.get(assessment=assessment).pdf


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
    response = client.get(reverse("assessments:pdf", args=[assessment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    signature = Signature.objects.get(assessment=assessment)
    assert signature.pdf.name.endswith(f"/{signature.pk}-{signature.content_hash[:12]}.pdf")


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


def detail_page(client, assessment):
    return client.get(assessment.get_absolute_url()).content.decode()


def submitted_table(people):
    assessment = AssessmentFactory(project__unit=people["unit"], year=YearFactory(year=2023))
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.SUBMITTED)
    return assessment


@dataclass
class Renders:
    """The signed PDFs rendered in a test; a render fails while `broken` is set."""

    calls: list = field(default_factory=list)
    broken: bool = False


@pytest.fixture
def renders(monkeypatch):
    from assessments.paper import pdf

    original = pdf.render_pdf
    renders = Renders()

    def render(item):
        renders.calls.append(item)
        if renders.broken:
            raise OSError("storage is full")
        return original(item)

    monkeypatch.setattr(pdf, "render_pdf", render)
    return renders


def test_sign_off_queues_one_task_for_the_signed_pdf_and_renders_nothing_itself(
    client, people, django_capture_on_commit_callbacks, renders
):
    renders.broken = True
    assessment = submitted_table(people)
    step(client, people["reviewer"], "sign_off", assessment, django_capture_on_commit_callbacks)
    assert renders.calls == []
    assert Assessment.objects.get(pk=assessment.pk).status == Assessment.Status.SIGNED_OFF
    assert assessment.events.filter(action=AssessmentEvent.Action.SIGN_OFF).count() == 1
    signature = Signature.objects.get(assessment=assessment)
    assert not signature.pdf
    task = DBTaskResult.objects.get()
    assert task.task_path == "assessments.tasks.store_signed_pdf"
    assert task.task_result.args == [signature.pk]
    assert QUEUED in detail_page(client, assessment)


def test_a_queue_that_refuses_the_task_is_logged_and_the_sign_off_stands(
    client, people, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    def refused(*args, **kwargs):
        raise DatabaseError("database is locked")

    monkeypatch.setattr(DatabaseBackend, "enqueue", refused)
    assessment = submitted_table(people)
    with caplog.at_level(logging.ERROR, logger="assessments.services.workflow"):
        step(client, people["reviewer"], "sign_off", assessment, django_capture_on_commit_callbacks)
    assert "签发版 PDF 未能排入后台任务" in caplog.text
    assert Assessment.objects.get(pk=assessment.pk).status == Assessment.Status.SIGNED_OFF
    assert not DBTaskResult.objects.exists()
    assert 'id="signed-pdf-pending"' in detail_page(client, assessment)


@pytest.mark.slow
@runs_worker
def test_the_worker_stores_the_signed_pdf_with_its_hash_and_downloads_serve_it(
    client, people, django_capture_on_commit_callbacks, renders
):
    assessment = submitted_table(people)
    step(client, people["reviewer"], "sign_off", assessment, django_capture_on_commit_callbacks)
    run_worker()
    assert len(renders.calls) == 1
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    signature = Signature.objects.get(assessment=assessment)
    with signature.pdf.open("rb") as stored:
        content = stored.read()
    assert signature.pdf_sha256 == hashlib.sha256(content).hexdigest()
    assert 'id="signed-pdf-pending"' not in detail_page(client, assessment)

    renders.broken = True
    response = client.get(reverse("assessments:pdf", args=[assessment.pk]))
    assert b"".join(response.streaming_content) == content
    assert len(renders.calls) == 1


@pytest.mark.slow
@runs_worker
def test_a_failed_render_in_the_worker_is_logged_and_the_first_download_renders_the_pdf(
    client, people, django_capture_on_commit_callbacks, renders, caplog
):
    assessment = submitted_table(people)
    step(client, people["reviewer"], "sign_off", assessment, django_capture_on_commit_callbacks)
    renders.broken = True
    with caplog.at_level(logging.ERROR, logger="assessments.tasks"):
        run_worker()
    assert "签发版 PDF 生成失败" in caplog.text
    assert DBTaskResult.objects.get().status == "FAILED"
    signature = Signature.objects.get(assessment=assessment)
    assert not signature.pdf and not signature.pdf_sha256
    assert QUEUED in detail_page(client, assessment)

    renders.broken = False
    response = client.get(reverse("assessments:pdf", args=[assessment.pk]))
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    signature.refresh_from_db()
    assert signature.pdf_sha256 == hashlib.sha256(content).hexdigest()
    assert len(renders.calls) == 2
    assert 'id="signed-pdf-pending"' not in detail_page(client, assessment)


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
