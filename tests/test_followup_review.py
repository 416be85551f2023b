"""复核 as a bureau works it: starting from the self scores, a reason for each change, 复核总分
and 复核等级 everywhere the self grade is, the sampling form's small things."""

import io
import re
from decimal import Decimal
from urllib.parse import unquote

import openpyxl
import pytest
from django.urls import reverse

from assessments.models import ReviewSample, ReviewScore
from assessments.rules import review as review_rules
from assessments.services import AssessmentError
from assessments.services import bureau as desk_services
from assessments.services.bureau import IndicatorReview

from . import bureau_fixtures
from .factories import login
from .pdftools import pdf_text

desk = bureau_fixtures.desk


@pytest.fixture
def sampled(desk):
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


def review_url(d):
    return reverse("assessments:review_table", args=[d.sample.pk, d.sampled.pk])


def field_value(html, name):
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert match, name
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else ""


def test_unexplained_changes_are_the_changed_rows_without_a_reason():
    rows = [
        review_rules.ScoreChange(0, Decimal("10"), Decimal("10")),
        review_rules.ScoreChange(1, Decimal("50"), Decimal("45")),
        review_rules.ScoreChange(2, Decimal("30"), Decimal("25"), "抽查核实"),
        review_rules.ScoreChange(3, Decimal("10"), Decimal("10.00")),
        review_rules.ScoreChange(4, None, Decimal("5"), "  "),
    ]
    assert review_rules.unexplained_changes(rows) == [1, 4]


def test_the_form_starts_from_the_self_scores_with_total_and_grade(client, sampled):
    login(client, "caizheng")
    html = client.get(review_url(sampled)).content.decode()
    assert Decimal(field_value(html, "budget_score")) == Decimal("10")
    assert [Decimal(field_value(html, f"score_{p}")) for p in (1, 2, 3)] == [
        Decimal("50"),
        Decimal("30"),
        Decimal("10"),
    ]
    assert 'id="review-total">100.00<' in html
    assert 'id="review-grade">复核等级 优<' in html and "自评等级 优" in html
    assert "（保存后计算）" not in html


def test_a_changed_score_without_a_reason_is_refused_beside_its_row(client, sampled):
    login(client, "caizheng")
    data = {"budget_score": "10", "score_1": "36.23", "score_2": "30", "score_3": "10"}
    response = client.post(review_url(sampled), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_remark_1-error"' in html and "请填写复核说明" in html
    assert 'aria-describedby="id_remark_1-error"' in html
    assert field_value(html, "score_1") == "36.23"  # the typed work stays
    assert 'id="review-total">86.23<' in html and "复核等级 良" in html
    assert not ReviewScore.objects.exists()

    response = client.post(review_url(sampled), data | {"remark_1": "完成数量抽查不足"})
    assert response.status_code == 302
    review = ReviewScore.objects.get()
    assert review.total_score == Decimal("86.23")
    html = client.get(reverse("assessments:sample", args=[sampled.sample.pk])).content.decode()
    assert "86.23" in html and "良" in html and "等级不同" in html


def test_the_service_refuses_a_changed_budget_score_without_its_reason(sampled):
    def save(**kwargs):
        return desk_services.save_review(
            sampled.sampled.pk,
            by=sampled.people["bureau_reviewer"],
            budget_score=Decimal("8"),
            indicators=[
                IndicatorReview(1, Decimal("50")),
                IndicatorReview(2, Decimal("30")),
                IndicatorReview(3, Decimal("10")),
            ],
            **kwargs,
        )

    with pytest.raises(AssessmentError, match="预算执行的复核得分与自评得分不同"):
        save()
    assert not ReviewScore.objects.exists()
    review = save(budget_remark="执行数含暂付款")
    assert review.total_score == Decimal("98") and review.budget_remark == "执行数含暂付款"


def reviewed(d, score_1="36.23"):
    return desk_services.save_review(
        d.sampled.pk,
        by=d.people["bureau_reviewer"],
        budget_score=Decimal("10"),
        indicators=[
            IndicatorReview(1, Decimal(score_1), "完成数量抽查不足"),
            IndicatorReview(2, Decimal("30")),
            IndicatorReview(3, Decimal("10")),
        ],
    )


def test_report_and_its_workbook_show_the_review_grade_under_a_title_row(
    client, sampled, artifacts
):
    reviewed(sampled)
    login(client, "caizheng")
    args = [sampled.bureau.pk, sampled.year.year]
    html = client.get(reverse("assessments:bureau_report", args=args)).content.decode()
    assert "<th>复核等级</th>" in html and "<td>良</td>" in html
    response = client.get(reverse("assessments:bureau_report_xlsx", args=args))
    content = b"".join(response.streaming_content)
    (artifacts / "bureau-report.xlsx").write_bytes(content)
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book["各部门"]
    assert sheet["A1"].value == "测试区财政局 2022 年度绩效自评抽查复核报告"
    assert sheet["A2"].value == "主管部门"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToHeight == 0
    tables = book["各自评表"]
    headings = [cell.value for cell in tables[2]]
    row = {h: c.value for h, c in zip(headings, tables[3], strict=False)}
    assert row["自评等级"] == "优" and row["复核等级"] == "良" and row["复核总分"] == 86.23


def test_review_pdf_prints_the_grades_and_its_own_footer(client, sampled, artifacts):
    reviewed(sampled)
    login(client, "caizheng")
    url = reverse("assessments:review_pdf", args=[sampled.sample.pk, sampled.sampled.pk])
    response = client.get(url)
    text = pdf_text(response.content)
    project = sampled.tables[0].project.name
    assert f"复核表 · 2022 年度 · {project} · 未签发" in text
    assert "第 1 页，共 1 页" in text and "合订本" not in text
    assert re.search(r"自评等级 / 复核等级 +优 +良 +复核等级与自评等级不同", text)
    assert unquote(response["Content-Disposition"]).endswith(f"2022-{project}-复核表（未签发）.pdf")
    (artifacts / "followup-review.pdf").write_bytes(response.content)


def desk_url(d):
    return reverse("assessments:bureau_desk", args=[d.bureau.pk, d.year.year])


def test_the_share_takes_a_percent_sign(client, sampled):
    login(client, "caizheng")
    response = client.post(
        desk_url(sampled), {"method": "random", "share": "40%", "seed": "7", "margin": "1"}
    )
    assert response.status_code == 302
    assert ReviewSample.objects.latest("pk").share == Decimal("40")


def test_the_seed_stays_as_shown_until_a_sample_uses_it(client, sampled):
    login(client, "caizheng")
    first = field_value(client.get(desk_url(sampled)).content.decode(), "seed")
    again = field_value(client.get(desk_url(sampled)).content.decode(), "seed")
    assert first == again and first
    client.post(desk_url(sampled), {"method": "random", "share": "50", "seed": first})
    assert ReviewSample.objects.latest("pk").seed == int(first)
    assert field_value(client.get(desk_url(sampled)).content.decode(), "seed") != first
