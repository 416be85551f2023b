import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Assessment
from assessments.services import workflow

from .factories import AssessmentFactory, UserFactory, login, member

LIST = reverse("assessments:list")
DETAIL_LINK = re.compile(r'href="/assessments/\d+/"')


def detail_url(project_name):
    return reverse(
        "assessments:detail",
        args=[Assessment.objects.self_assessments().get(project__name=project_name).pk],
    )


def test_anonymous_visitor_is_sent_to_login(client, demo):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert client.get(detail_url("宣传费")).status_code == 302


def test_preparer_sees_the_eleven_tables_of_her_unit(client, demo):
    response = login(client, "tianbao").get(LIST)
    assert response.status_code == 200
    text = response.content.decode()
    assert len(DETAIL_LINK.findall(text)) == 11
    assert "外省市差旅费" in text and "33.74%" in text and "93.37" in text


def test_department_reviewer_sees_the_tables_of_units_below(client, demo):
    response = login(client, "juzhang").get(LIST)
    assert len(DETAIL_LINK.findall(response.content.decode())) == 11


def test_outsider_sees_no_table_and_gets_404_by_url(client, demo, outsider):
    client.force_login(outsider)
    assert "外省市差旅费" not in client.get(LIST).content.decode()
    assert client.get(detail_url("外省市差旅费")).status_code == 404


def test_detail_shows_figures_scores_and_findings(client, demo):
    response = login(client, "tianbao").get(detail_url("外省市差旅费"))
    text = response.content.decode()
    assert response.status_code == 200
    for expected in [
        "13494.00",
        "40000.00",
        "33.74%",
        "3.37",
        "93.37",
        "实际完成情况写明执行率 33.73%，按表中数据计算为 33.74%",
        "受疫情影响，执行率33.73%",
        "案件当事人满意度",
        "偏差原因分析及改进措施",
    ]:
        assert expected in text


def test_finding_codes_are_for_administrators_not_for_preparers(client, demo):
    """Preparers and reviewers read the message; the code is kept for admins and exports."""
    assert (
        "RATE_TEXT_MISMATCH"
        not in login(client, "tianbao").get(detail_url("外省市差旅费")).content.decode()
    )
    assert (
        "RATE_TEXT_MISMATCH"
        in login(client, "admin").get(detail_url("外省市差旅费")).content.decode()
    )


def test_detail_merges_level1_and_level2_cells(client, demo):
    text = login(client, "tianbao").get(detail_url("宣传费")).content.decode()
    assert '<td rowspan="4" class="center">产出指标</td>' in text
    assert '<td rowspan="3" class="center">社会效益指标</td>' in text


def test_post_to_the_list_is_not_allowed(client, demo):
    assert login(client, "tianbao").post(LIST).status_code == 405


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_list_query_count_does_not_grow_with_rows(client, demo):
    login(client, "juzhang")
    few = count_queries(client, LIST)
    unit = Assessment.objects.first().project.unit
    for _ in range(15):
        AssessmentFactory(project__unit=unit)
    assert count_queries(client, LIST) == few


def test_detail_query_count_does_not_grow_with_indicator_rows(client, demo):
    login(client, "tianbao")
    small = count_queries(client, detail_url("外区属地化管理人员服务费"))  # 7 rows
    large = count_queries(client, detail_url("征地养老费支出"))  # 13 rows
    assert small == large


def test_the_browser_icon_is_served_from_the_static_files(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("favicon.svg")


@pytest.mark.parametrize("debug", [True, False], ids=["debug mode", "production mode"])
def test_error_pages_speak_chinese_in_every_mode(client, demo, settings, debug):
    settings.DEBUG = debug
    login(client, "shenhe")
    missing = client.get("/assessments/99999/")
    assert missing.status_code == 404 and "页面不存在" in missing.content.decode()
    refused = client.get(reverse("assessments:start"))
    assert refused.status_code == 403
    assert "只有实施单位的填报人可以新建自评表" in refused.content.decode()


def test_an_empty_filter_result_says_that_nothing_matches(client, demo):
    text = login(client, "tianbao").get(LIST, {"q": "没有这样的项目"}).content.decode()
    assert "没有符合筛选条件的自评表" in text


def test_a_server_error_in_debug_mode_shows_the_chinese_page_and_is_logged(rf, settings, caplog):
    from django.contrib.auth.models import AnonymousUser

    from assessments.middleware import ChineseErrorPagesMiddleware

    settings.DEBUG = True
    request = rf.get("/assessments/1/")
    request.user = AnonymousUser()
    middleware = ChineseErrorPagesMiddleware(lambda request: None)
    response = middleware.process_exception(request, ZeroDivisionError("boom"))
    assert response.status_code == 500 and "系统出错" in response.content.decode()
    assert "Internal Server Error: /assessments/1/" in caplog.text
    settings.DEBUG = False
    assert middleware.process_exception(request, ZeroDivisionError("boom")) is None


def _signature_cells(client, assessment):
    """The foot of the official table on the detail page: (填报人, 审核人)."""
    text = client.get(reverse("assessments:detail", args=[assessment.pk])).content.decode()
    foot = text[text.index('class="official-signatures"') :]
    names = re.findall(r'<td class="person">([^<]*)</td>', foot)
    return names[0], names[1]


def test_detail_foot_names_who_submitted_and_who_signed(client, people):
    assessment = AssessmentFactory(project__unit=people["unit"])
    login(client, "preparer")
    assert _signature_cells(client, assessment) == ("", "")
    workflow.submit_assessment(assessment.pk, by=people["preparer"])
    assert _signature_cells(client, assessment) == ("preparer", "")
    workflow.sign_off_assessment(assessment.pk, by=people["reviewer"])
    assert _signature_cells(client, assessment) == ("preparer", "reviewer")


def test_detail_foot_of_a_reopened_table_names_the_latest_submission(client, people):
    assessment = AssessmentFactory(project__unit=people["unit"])
    workflow.submit_assessment(assessment.pk, by=people["preparer"])
    workflow.sign_off_assessment(assessment.pk, by=people["reviewer"])
    workflow.reopen_assessment(assessment.pk, by=people["department"], reason="金额单位有误")
    second = member(UserFactory(username="second"), people["unit"], "preparer")
    workflow.submit_assessment(assessment.pk, by=second)
    assert _signature_cells(login(client, "preparer"), assessment) == ("second", "")
