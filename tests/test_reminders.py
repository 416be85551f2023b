"""Reminders before the deadlines, with a fixed clock: who is told, once, and what."""

import datetime
import sys

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from assessments import reminders
from assessments.models import Assessment, JobRun, Notice, NoticeSettings, Project, Reminder
from assessments.services import cycle
from assessments.worker import DailyJob

from .factories import AssessmentFactory, UnitFactory, UserFactory, YearFactory, member

ENTRY_DUE = datetime.date(2024, 3, 31)
REVIEW_DUE = datetime.date(2024, 4, 15)


def at(day, hour=9):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def cycle_people(db, settings):
    settings.REMINDER_DAYS = [7, 1, 0]
    settings.SITE_URL = "https://jixiao.example.gov.cn"
    unit = UnitFactory(name="社会保障服务中心")
    year = YearFactory(year=2023)
    chief = member(UserFactory(username="chief", email="c@example.gov.cn"), unit.parent, "reviewer")
    people = {
        "unit": unit,
        "year": year,
        "chief": chief,
        "preparer": member(
            UserFactory(username="preparer", email="p@example.gov.cn"), unit, "preparer"
        ),
        "quiet": member(UserFactory(username="quiet", email="q@example.gov.cn"), unit, "preparer"),
        "reviewer": member(
            UserFactory(username="reviewer", email="r@example.gov.cn"), unit, "reviewer"
        ),
        "other": member(
            UserFactory(username="other", email="o@example.gov.cn"), UnitFactory(), "preparer"
        ),
    }
    NoticeSettings.objects.create(user=people["quiet"], reminder_mail=False)
    cycle.set_deadline(unit.parent, year, entry_due=ENTRY_DUE, review_due=REVIEW_DUE, by=chief)
    people["draft"] = AssessmentFactory(project__unit=unit, project__name="宣传费", year=year)
    people["submitted"] = AssessmentFactory(project__unit=unit, project__name="培训费", year=year)
    Assessment.objects.filter(pk=people["submitted"].pk).update(status=Assessment.Status.SUBMITTED)
    Project.objects.create(unit=unit, name="信息化运维")
    return people


def mails_to(address):
    return [m for m in mail.outbox if m.to == [address]]


def test_preparers_hear_a_week_before_about_tables_not_submitted_and_projects_without_one(
    cycle_people,
):
    outcome = reminders.send_reminders(at(ENTRY_DUE - datetime.timedelta(days=7)))
    (message,) = mails_to("p@example.gov.cn")
    assert message.subject == "【绩效自评】2023 年度自评表还有 7 天（2024年3月31日）填报截止"
    assert "宣传费（草稿）" in message.body
    assert f"https://jixiao.example.gov.cn/assessments/{cycle_people['draft'].pk}/" in message.body
    assert "信息化运维（尚未新建）" in message.body
    assert "培训费" not in message.body
    # Nobody else gets mail: the quiet preparer opted out, reviewers wait for their date.
    assert len(mail.outbox) == 1
    assert outcome.sent == 2
    assert set(Reminder.objects.values_list("user__username", "mailed")) == {
        ("preparer", True),
        ("quiet", False),
    }
    # The opted-out preparer still finds the reminder in her notices.
    assert Notice.objects.get(user=cycle_people["quiet"]).title.startswith(
        "2023 年度自评表还有 7 天"
    )


def test_running_the_job_twice_sends_nothing_twice(cycle_people):
    moment = at(ENTRY_DUE)
    first = reminders.send_reminders(moment)
    second = reminders.send_reminders(moment.replace(hour=18))
    assert (first.sent, second.sent, second.already) == (2, 0, 2)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject.endswith("今天填报截止")
    assert Notice.objects.count() == Reminder.objects.count() == 2


def test_reviewers_hear_the_day_before_the_review_deadline_about_tables_waiting(cycle_people):
    reminders.send_reminders(at(REVIEW_DUE - datetime.timedelta(days=1)))
    assert sorted(m.to[0] for m in mail.outbox) == ["c@example.gov.cn", "r@example.gov.cn"]
    for message in mail.outbox:
        assert "培训费（社会保障服务中心）" in message.body
        assert "宣传费" not in message.body
        assert message.subject.endswith("审核截止")


def test_no_reminder_on_a_day_not_in_the_list(cycle_people):
    outcome = reminders.send_reminders(at(ENTRY_DUE - datetime.timedelta(days=5)))
    assert outcome.sent == 0 and not mail.outbox and not Reminder.objects.exists()


def test_no_reminder_when_everything_is_submitted(cycle_people):
    Assessment.objects.update(status=Assessment.Status.SUBMITTED)
    Project.objects.filter(assessments__isnull=True).delete()
    reminders.send_reminders(at(ENTRY_DUE))
    assert not mails_to("p@example.gov.cn")


def test_a_failed_mail_is_not_recorded_and_the_next_run_sends_it(cycle_people, monkeypatch):
    real = reminders.send_mail

    def relay_down(*args, **kwargs):
        raise OSError("连接被拒绝")

    monkeypatch.setattr(reminders, "send_mail", relay_down)
    moment = at(ENTRY_DUE - datetime.timedelta(days=1))
    failed = reminders.send_reminders(moment)
    assert failed.failed == 1
    assert not Reminder.objects.filter(user=cycle_people["preparer"]).exists()
    monkeypatch.setattr(reminders, "send_mail", real)
    retried = reminders.send_reminders(moment)
    assert (retried.sent, retried.already) == (1, 1)
    assert len(mails_to("p@example.gov.cn")) == 1


def test_the_daily_command_runs_once_a_day_and_again_after_a_failure(cycle_people, monkeypatch):
    from io import StringIO

    def run():
        out = StringIO()
        call_command(
            "send_reminders", "--now", "2024-03-30T08:00:00+08:00", "--once-a-day", stdout=out
        )
        return out.getvalue()

    monkeypatch.setattr(reminders, "send_mail", lambda *a, **k: (_ for _ in ()).throw(OSError()))
    assert "发送失败 1 条" in run()
    assert not JobRun.objects.exists()
    monkeypatch.undo()
    assert "发送 1 条" in run()
    assert JobRun.objects.get().day == datetime.date(2024, 3, 30)
    assert "已经发送过" in run()
    assert len(mails_to("p@example.gov.cn")) == 1


def test_the_command_refuses_a_time_it_cannot_read(db):
    with pytest.raises(CommandError, match="不是有效的时间"):
        call_command("send_reminders", "--now", "明天")


# ---------------------------------------------------------------------------
# The notice list and the settings


def test_the_notice_list_shows_reminders_and_marks_them_read(client, cycle_people):
    reminders.send_reminders(at(ENTRY_DUE))
    client.force_login(cycle_people["preparer"])
    page = client.get(reverse("notices")).content.decode()
    assert "今天填报截止" in page
    assert 'id="unread-notices">1<' in page
    notice = Notice.objects.get(user=cycle_people["preparer"])
    assert client.post(reverse("notice_read", args=[notice.pk])).status_code == 302
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert 'id="unread-notices"' not in client.get(reverse("notices")).content.decode()


def test_someone_elses_notice_is_not_found(client, cycle_people):
    reminders.send_reminders(at(ENTRY_DUE))
    notice = Notice.objects.get(user=cycle_people["preparer"])
    client.force_login(cycle_people["other"])
    assert client.post(reverse("notice_read", args=[notice.pk])).status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None


def test_the_notice_pages_need_a_sign_in_and_their_method(client, cycle_people):
    urls = [reverse("notices"), reverse("notice_settings")]
    posts = [reverse("notices_read"), reverse("notice_read", args=[1])]
    for url in urls + posts:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url
    client.force_login(cycle_people["preparer"])
    assert client.post(reverse("notices")).status_code == 405
    for url in posts:
        assert client.get(url).status_code == 405


def test_a_person_turns_reminder_mail_off_and_on(client, cycle_people):
    client.force_login(cycle_people["preparer"])
    assert "checked" in client.get(reverse("notice_settings")).content.decode()
    client.post(reverse("notice_settings"), {})
    assert NoticeSettings.objects.get(user=cycle_people["preparer"]).reminder_mail is False
    reminders.send_reminders(at(ENTRY_DUE))
    assert not mail.outbox
    client.post(reverse("notice_settings"), {"reminder_mail": "on"})
    assert NoticeSettings.objects.get(user=cycle_people["preparer"]).reminder_mail is True


def test_the_worker_runs_the_daily_job_once_per_date(tmp_path):
    runs = tmp_path / "runs"
    job = DailyJob([sys.executable, "-c", f"open({str(runs)!r}, 'a').write('x')"])
    day = datetime.date(2024, 3, 30)
    assert job.run_if_due(day) is True
    assert job.run_if_due(day) is False
    assert job.run_if_due(day + datetime.timedelta(days=1)) is True
    assert runs.read_text() == "xx"


def test_target_tables_are_not_what_the_reminders_count(cycle_people):
    # The project 信息化运维 has only its (draft) target table, 培训费 a submitted one besides
    # its self-assessment: neither target table is a self-assessment the reminders ask for.
    unit, year = cycle_people["unit"], cycle_people["year"]
    AssessmentFactory(project=Project.objects.get(name="信息化运维"), year=year, kind="targets")
    AssessmentFactory(
        project=Project.objects.get(unit=unit, name="培训费"),
        year=year,
        kind="targets",
        status=Assessment.Status.DRAFT,
    )
    reminders.send_reminders(at(ENTRY_DUE - datetime.timedelta(days=7)))
    (message,) = mails_to("p@example.gov.cn")
    assert "信息化运维（尚未新建）" in message.body
    assert "信息化运维（草稿）" not in message.body
    assert "培训费" not in message.body


def test_a_departments_preparer_hears_of_its_own_table_and_its_reviewer_of_it_submitted(
    cycle_people,
):
    department, year = cycle_people["unit"].parent, cycle_people["year"]
    member(UserFactory(username="bumen", email="b@example.gov.cn"), department, "preparer")
    table = Assessment.objects.create(
        organisation=department, year=year, kind="department", department_name=department.name
    )
    reminders.send_reminders(at(ENTRY_DUE - datetime.timedelta(days=7)))
    (message,) = mails_to("b@example.gov.cn")
    assert f"{department.name}（部门整体）（草稿）" in message.body
    assert f"/assessments/{table.pk}/" in message.body
    assert "宣传费" not in message.body
    # The unit's preparer hears only of the unit's tables.
    assert department.name not in mails_to("p@example.gov.cn")[0].body

    Assessment.objects.filter(pk=table.pk).update(status=Assessment.Status.SUBMITTED)
    mail.outbox.clear()
    reminders.send_reminders(at(REVIEW_DUE - datetime.timedelta(days=1)))
    (chief,) = mails_to("c@example.gov.cn")
    assert f"{department.name}（部门整体）（{department.name}）" in chief.body
    assert f"{department.name}（部门整体）" not in mails_to("r@example.gov.cn")[0].body
