"""The pages of 运行监控: opening a round, the round's view with its lights, the export and a
rectification started from a monitoring row."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import MonitoringRound, Rectification
from assessments.services import drafts

from . import monitoring_fixtures
from .factories import ProjectFactory
from .monitoring_fixtures import filled_cells, fresh
from .test_targets import approved

monitored = monitoring_fixtures.monitored
ROUNDS = reverse("assessments:monitoring")


def behind(people, table):
    """Execution far behind 序时进度 and one row that cannot be reached."""
    cells = filled_cells(
        table,
        executed="300000",
        r3_likelihood="完全不可能",
        r3_cause="人员保障",
        r3_measure="增派培训师资",
    )
    drafts.save_draft(
        table.pk,
        by=people["preparer"],
        base_version=fresh(table).version,
        step="funds",
        cells=cells,
    )


def test_anonymous_visitors_are_sent_to_sign_in(client):
    assert client.get(ROUNDS).status_code == 302


def test_the_department_opens_a_round_from_the_page(client, people):
    year = approved(people).year
    client.force_login(people["department"])
    page = client.get(ROUNDS).content.decode()
    assert "发起运行监控" in page
    response = client.post(
        ROUNDS,
        {
            "scope": people["unit"].parent.pk,
            "year": year.pk,
            "cut_off": "2023-07-31",
            "due": "2023-08-20",
            "margin": "10",
        },
    )
    round_ = MonitoringRound.objects.get()
    assert response["Location"] == reverse("assessments:monitoring_round", args=[round_.pk])
    assert round_.tables.count() == 1


def test_impossible_dates_are_refused_beside_their_field(client, people):
    year = approved(people).year
    client.force_login(people["department"])
    response = client.post(
        ROUNDS,
        {
            "scope": people["unit"].parent.pk,
            "year": year.pk,
            "cut_off": "2023-07-31",
            "due": "2023-07-01",
            "margin": "十",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "填报截止不能早于数据截至日" in page and "请填写数字，如 10" in page
    assert not MonitoringRound.objects.exists()


@pytest.mark.parametrize("who", ["preparer", "reviewer"])
def test_a_unit_sees_no_form_and_cannot_open_a_round(client, people, who):
    client.force_login(people[who])
    assert "发起运行监控" not in client.get(ROUNDS).content.decode()
    assert client.post(ROUNDS, {"scope": people["unit"].parent.pk}).status_code == 404


def test_the_round_shows_the_red_project_with_its_reasons(client, people, monitored):
    behind(people, monitored)
    client.force_login(people["department"])
    url = reverse("assessments:monitoring_round", args=[monitored.monitoring_round_id])
    page = client.get(url).content.decode()
    assert 'data-light="red"' in page and "红灯" in page
    assert "执行率落后序时进度 24.75 个百分点" in page  # 33.33% against 58.08%
    assert "1 项指标完全不可能完成" in page and "参训人员满意度：完全不可能（人员保障）" in page
    assert "序时进度 <strong>58.08%</strong>" in page


def test_the_unit_sees_its_round_and_an_outsider_does_not(client, people, monitored):
    url = reverse("assessments:monitoring_round", args=[monitored.monitoring_round_id])
    client.force_login(people["preparer"])
    page = client.get(url).content.decode()
    assert "职业技能培训" in page and "发出整改" not in page
    client.force_login(people["outsider"])
    assert client.get(url).status_code == 404


def test_the_round_exports_to_excel(client, people, monitored):
    behind(people, monitored)
    client.force_login(people["department"])
    response = client.get(
        reverse("assessments:monitoring_xlsx", args=[monitored.monitoring_round_id])
    )
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "运行监控" in rows[0][0]
    (line,) = [row for row in rows if row[1] == "职业技能培训"]
    assert line[10] == "红灯" and line[8] == 1 and round(line[5], 4) == 0.3333


def test_a_rectification_starts_from_a_monitoring_row(client, people, monitored):
    behind(people, monitored)
    client.force_login(people["department"])
    url = reverse("assessments:monitoring_round", args=[monitored.monitoring_round_id])
    page = client.get(url).content.decode()
    issue = reverse("assessments:issue_rectification", args=[monitored.pk])
    assert f'href="{issue}?row=' in page
    row = "参训人员满意度（运行监控 7月31日：完全不可能）"
    form = client.get(issue, {"row": row}).content.decode()
    assert row in form
    response = client.post(
        issue,
        {
            "what": "补足培训师资",
            "why": "运行监控显示满意度目标完全不可能完成",
            "due_date": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
            "row": row,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    rectification = Rectification.objects.get()
    assert rectification.row == row and rectification.assessment_id == monitored.pk


def test_the_demo_has_a_2023_round_with_three_tables_one_behind_schedule(client, demo):
    from assessments.models import Assessment
    from assessments.reporting.monitoring import round_view

    round_ = MonitoringRound.objects.get()
    assert (round_.year.year, round_.cut_off) == (2023, datetime.date(2023, 7, 31))
    view = round_view(round_)
    states = {
        row.table.project.name: (row.table.status, row.sheet.light.colour) for row in view.rows
    }
    assert states == {
        "征地养老慰问经费": (Assessment.Status.SIGNED_OFF, "green"),
        "外区属地化管理人员服务费": (Assessment.Status.SUBMITTED, "amber"),
        "邮寄费": (Assessment.Status.DRAFT, "red"),
    }
    assert view.rows[0].sheet.funds.behind
    # Its target table still waits for review: listed, not monitored.
    assert "政府购买辅助服务" in [project.name for project in view.without_targets]


def test_a_monitoring_table_offers_no_target_adjustment(client, people, monitored):
    from assessments import permissions

    client.force_login(people["preparer"])
    page = client.get(monitored.get_absolute_url()).content.decode()
    assert "申请目标调整" not in page
    allowed, reason = permissions.can_request_adjustment(people["preparer"], monitored)
    assert not allowed and "目标调整请在自评表中申请" in reason


def test_the_list_has_a_tab_for_monitoring_tables(client, people, monitored):
    client.force_login(people["preparer"])
    page = client.get(reverse("assessments:list"), {"kind": "monitoring"}).content.decode()
    assert "绩效运行监控表" in page and "职业技能培训" in page


def test_the_preparers_dashboard_lists_a_monitoring_draft_without_a_score(
    client, people, monitored
):
    client.force_login(people["preparer"])
    page = client.get(reverse("home")).content.decode()
    start = page.index("草稿</strong>")
    drafts_card = page[start : page.index("</ul>", start)]
    assert "职业技能培训" in drafts_card and "运行监控表" in drafts_card
    assert "个错误" in drafts_card and "总分" not in drafts_card


def test_the_round_page_loads_in_a_fixed_number_of_queries(
    client, people, monitored, django_assert_max_num_queries
):
    url = reverse("assessments:monitoring_round", args=[monitored.monitoring_round_id])
    client.force_login(people["department"])
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    for name in ("二号项目", "三号项目", "四号项目"):
        project = ProjectFactory(unit=people["unit"], name=name)
        table = fresh(monitored)
        table.pk, table.project = None, project
        table.save()
        for row in fresh(monitored).indicators.all():
            row.pk, row.assessment = None, table
            row.save()
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        page = client.get(url).content.decode()
    # Four tables cost no more queries than one.
    assert "四号项目" in page and len(many.captured_queries) == len(few.captured_queries)


def test_the_bureau_opens_a_round_over_every_department_and_sees_the_departments_rounds(
    client, people, monitored
):
    from assessments.models import Organisation
    from assessments.services import monitoring

    from .factories import UserFactory, member

    bureau = Organisation.objects.create(name="测试区财政局", kind=Organisation.Kind.BUREAU)
    department = people["unit"].parent
    department.parent = bureau
    department.save(update_fields=["parent"])
    chief = member(UserFactory(username="bureau_chief"), bureau, "reviewer")
    client.force_login(chief)
    department_round = reverse("assessments:monitoring_round", args=[monitored.monitoring_round_id])
    assert "职业技能培训" in client.get(department_round).content.decode()
    opened = monitoring.open_round(
        bureau,
        monitored.year,
        cut_off=datetime.date(2023, 6, 30),
        due=datetime.date(2023, 7, 20),
        by=chief,
    )
    assert [t.project.name for t in opened.tables] == ["职业技能培训"]
    page = client.get(reverse("assessments:monitoring")).content.decode()
    assert "测试区财政局" in page and "49.59%" in page
    client.force_login(people["preparer"])
    assert (
        client.get(reverse("assessments:monitoring_round", args=[opened.round.pk])).status_code
        == 200
    )


def test_the_monitoring_table_downloads_as_a_workbook(client, people, monitored):
    client.force_login(people["preparer"])
    response = client.get(reverse("assessments:xlsx", args=[monitored.pk]))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell]
    assert "项目支出绩效运行监控表" in values and "执行数（截至数据截至日）" in values
    assert "培训人次 · 完成可能性" in values
