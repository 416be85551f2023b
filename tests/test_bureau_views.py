"""The bureau desk's pages: who sees and does what (anonymous, outsiders, read-only, roles)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from assessments.models import BureauEvent, Filing, ReviewSample, ReviewScore
from assessments.services import bureau as desk_services

from . import bureau_fixtures
from .factories import UserFactory, login, member, user

desk = bureau_fixtures.desk

ROLES = ["bureau_reviewer", "bureau_clerk", "department_reviewer", "unit_reviewer", "preparer"]


@pytest.fixture
def filed(desk, outsider):
    """Department A filed; one of its tables sampled by hand."""
    desk.people["bureau_clerk"] = member(UserFactory(username="kezhang"), desk.bureau, "preparer")
    desk.people["outsider"] = outsider
    filing = desk_services.file_year(
        desk.departments[0].pk, desk.year.pk, by=desk.people["department_reviewer"]
    )
    sample = desk_services.create_sample(
        desk.bureau.pk,
        desk.year.pk,
        by=desk.people["bureau_reviewer"],
        margin=Decimal("1"),
        assessment_ids=[desk.tables[0].pk],
    )
    desk.filing, desk.sample, desk.sampled = filing, sample, sample.tables.get()
    return desk


def urls(d):
    year = d.year.year
    return {
        "filings": reverse("assessments:filings"),
        "filing": reverse("assessments:filing", args=[d.filing.pk]),
        "desk": reverse("assessments:bureau_desk", args=[d.bureau.pk, year]),
        "sample": reverse("assessments:sample", args=[d.sample.pk]),
        "review": reverse("assessments:review_table", args=[d.sample.pk, d.sampled.pk]),
        "report": reverse("assessments:bureau_report", args=[d.bureau.pk, year]),
        "report_xlsx": reverse("assessments:bureau_report_xlsx", args=[d.bureau.pk, year]),
        "bureau_home": reverse("assessments:bureau_home"),
    }


# Who gets what on a GET: 200 shown, 404 not seen at all.
READ = {
    "filing": {"bureau_reviewer", "bureau_clerk", "department_reviewer"},
    "desk": {"bureau_reviewer", "bureau_clerk"},
    "sample": {"bureau_reviewer", "bureau_clerk"},
    "review": {"bureau_reviewer", "bureau_clerk"},
    "report": {"bureau_reviewer", "bureau_clerk"},
    "report_xlsx": {"bureau_reviewer", "bureau_clerk"},
    "bureau_home": {"bureau_reviewer", "bureau_clerk"},
}


@pytest.mark.parametrize("page", sorted(READ))
@pytest.mark.parametrize("who", [*ROLES, "outsider"])
def test_pages_are_seen_by_the_bureau_and_the_filing_department_only(client, filed, page, who):
    login(client, filed.people[who].username)
    response = client.get(urls(filed)[page])
    assert response.status_code == (200 if who in READ[page] else 404)


@pytest.mark.parametrize("page", sorted(READ))
def test_anonymous_is_sent_to_sign_in(client, filed, page):
    response = client.get(urls(filed)[page])
    assert response.status_code == 302 and "/login" in response["Location"]


def test_filings_page_offers_the_departments_own_years(client, filed):
    login(client, "juzhang_a")
    text = client.get(urls(filed)["filings"]).content.decode()
    assert "甲局" in text and "已报送" in text
    login(client, "juzhang_b")
    text = client.get(urls(filed)["filings"]).content.decode()
    assert 'data-file="' in text and "乙局" in text


# POST actions: who may (302 after the step), who sees but may not (403), who sees nothing
# (404).
def sample_post(d):
    return {"method": "random", "share": "50", "seed": "7", "margin": "1.00"}


def review_post(d):
    return {
        "budget_score": "9",
        "budget_remark": "执行数含未结算款项",
        "score_1": "48",
        "remark_1": "完成数量抽查不足",
        "score_2": "30",
        "score_3": "10",
    }


ACTIONS = {
    "return": (
        lambda d: reverse("assessments:return_filing", args=[d.filing.pk]),
        lambda d: {"reason": "说明不充分"},
        {"bureau_reviewer": 302, "bureau_clerk": 403, "department_reviewer": 403},
    ),
    "sample": (
        lambda d: urls(d)["desk"],
        sample_post,
        {"bureau_reviewer": 302, "bureau_clerk": 403},
    ),
    "review": (
        lambda d: urls(d)["review"],
        review_post,
        {"bureau_reviewer": 302, "bureau_clerk": 403},
    ),
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("who", [*ROLES, "outsider"])
def test_actions_by_role(client, filed, action, who):
    url, data, expected = ACTIONS[action]
    login(client, filed.people[who].username)
    events_before = BureauEvent.objects.count()
    response = client.post(url(filed), data(filed))
    assert response.status_code == expected.get(who, 404)
    changed = BureauEvent.objects.count() - events_before
    assert changed == (1 if response.status_code == 302 else 0)


@pytest.mark.parametrize(
    ("page", "method"),
    [("filing", "post"), ("report", "post"), ("sample", "post"), ("desk", "put")],
)
def test_wrong_method_is_refused(client, filed, page, method):
    login(client, "caizheng")
    assert getattr(client, method)(urls(filed)[page]).status_code == 405


def test_return_by_get_is_refused(client, filed):
    login(client, "caizheng")
    url = reverse("assessments:return_filing", args=[filed.filing.pk])
    assert client.get(url).status_code == 405


def test_department_files_through_the_page(client, filed):
    login(client, "juzhang_b")
    response = client.post(
        reverse("assessments:file_year"),
        {"department": filed.departments[1].pk, "year": filed.year.pk},
    )
    filing = Filing.objects.get(department=filed.departments[1])
    assert response.status_code == 302 and response["Location"] == filing.get_absolute_url()


def test_filing_an_unsigned_year_shows_why_and_changes_nothing(client, filed):
    from assessments.models import Assessment

    Assessment.objects.filter(pk=filed.tables[4].pk).update(status="submitted")
    login(client, "juzhang_b")
    response = client.post(
        reverse("assessments:file_year"),
        {"department": filed.departments[1].pk, "year": filed.year.pk},
        follow=True,
    )
    assert "未签发" in response.content.decode()
    assert not Filing.objects.filter(department=filed.departments[1]).exists()


def test_filing_another_departments_year_is_refused_at_the_field(client, filed):
    login(client, "juzhang_b")
    response = client.post(
        reverse("assessments:file_year"),
        {"department": filed.departments[0].pk, "year": filed.year.pk},
        follow=True,
    )
    assert "请选择您可以报送的主管部门" in response.content.decode()
    assert Filing.objects.count() == 1


def test_sample_form_reports_bad_input_beside_the_field(client, filed):
    login(client, "caizheng")
    response = client.post(
        urls(filed)["desk"], {"method": "random", "share": "一半", "seed": "x", "margin": ""}
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "抽取比例" in text and "随机种子应为整数" in text
    assert ReviewSample.objects.count() == 1


def test_review_form_keeps_nothing_when_a_score_is_above_its_weight(client, filed):
    login(client, "caizheng")
    data = review_post(filed) | {"score_1": "60"}
    response = client.post(urls(filed)["review"], data)
    assert response.status_code == 400
    assert "超过分值 50" in response.content.decode()
    assert not ReviewScore.objects.exists()


def test_review_page_shows_self_and_review_side_by_side(client, filed):
    login(client, "caizheng")
    client.post(urls(filed)["review"], review_post(filed))
    text = client.get(urls(filed)["review"]).content.decode()
    assert 'id="self-total">100.00<' in text and 'id="review-total">97.00<' in text
    text = client.get(urls(filed)["sample"]).content.decode()
    assert "3.00" in text  # the difference, 100 − 97


def count_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_sample_and_report_pages_query_a_fixed_number_of_times(client, filed):
    """One table sampled and reviewed, then four: the pages ask the database as often."""
    login(client, "caizheng")
    client.post(urls(filed)["review"], review_post(filed))
    one_sample = count_queries(client, urls(filed)["sample"])
    one_report = count_queries(client, urls(filed)["report"])
    many = desk_services.create_sample(
        filed.bureau.pk,
        filed.year.pk,
        by=filed.people["bureau_reviewer"],
        margin=Decimal("1"),
        share=Decimal("100"),
        seed=1,
    )
    assert many.tables.count() == 4
    for sampled in many.tables.all():
        desk_services.save_review(
            sampled.pk,
            by=filed.people["bureau_reviewer"],
            budget_score=Decimal("10"),
            indicators=[
                desk_services.IndicatorReview(p, Decimal("10"), "抽查核实") for p in range(1, 4)
            ],
        )
    assert count_queries(client, reverse("assessments:sample", args=[many.pk])) == one_sample
    assert count_queries(client, urls(filed)["report"]) == one_report
    assert one_report <= 12


def test_table_page_shows_self_and_review_totals_and_the_signature_stays_valid(client, filed):
    login(client, "caizheng")
    client.post(urls(filed)["review"], review_post(filed))
    text = client.get(reverse("assessments:detail", args=[filed.tables[0].pk])).content.decode()
    assert 'id="bureau-reviews"' in text
    assert "97.00" in text and "3.00" in text
    assert "SM2 签名有效" in text and "内容与签发版本一致" in text


def test_demo_bureau_reviewer_sees_the_filed_year_and_the_departments_summary(client, demo):
    login(client, "caizheng")
    filing = Filing.objects.get()
    assert filing.department.name == "闵行区人力资源和社会保障局"
    assert filing.department.parent.name == "闵行区财政局" and filing.table_count == 11
    summary = client.get(reverse("assessments:summary")).content.decode()
    assert "闵行区人力资源和社会保障局 2022 年度绩效自评汇总" in summary
    assert client.get(filing.get_absolute_url()).status_code == 200
    # The department's own reviewer sees her filing, the unit's people do not.
    login(client, "juzhang")
    assert client.get(filing.get_absolute_url()).status_code == 200
    login(client, "tianbao")
    assert client.get(filing.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("who", [*ROLES, "outsider"])
def test_only_the_departments_reviewer_files_through_the_page(client, filed, who):
    login(client, filed.people[who].username)
    response = client.post(
        reverse("assessments:file_year"),
        {"department": filed.departments[1].pk, "year": filed.year.pk},
    )
    assert response.status_code == 302
    assert not Filing.objects.filter(department=filed.departments[1]).exists()


@pytest.mark.parametrize("who", [*ROLES, "outsider"])
def test_package_downloads_wait_for_the_package(client, filed, who):
    login(client, filed.people[who].username)
    for name in ("filing_book", "filing_summary"):
        response = client.get(reverse(f"assessments:{name}", args=[filed.filing.pk]))
        assert response.status_code == 404  # pending for everyone; unseen for the others


def test_filings_page_queries_a_fixed_number_of_times(client, filed):
    login(client, "juzhang_a")
    url = urls(filed)["filings"]
    one = count_queries(client, url)
    desk_services.return_filing(filed.filing.pk, by=filed.people["bureau_reviewer"], reason="补充")
    desk_services.file_year(
        filed.departments[0].pk, filed.year.pk, by=filed.people["department_reviewer"]
    )
    member(filed.people["department_reviewer"], filed.departments[1], "reviewer")
    desk_services.file_year(filed.departments[1].pk, filed.year.pk, by=user("juzhang_a"))
    assert count_queries(client, url) == one


def test_a_tables_page_names_its_samples_and_a_table_never_signed_looks_for_none(client, filed):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .factories import AssessmentFactory

    login(client, "juzhang_a")
    sampled = filed.sampled.assessment
    page = client.get(reverse("assessments:detail", args=[sampled.pk])).content.decode()
    assert f"抽查 #{filed.sample.pk}" in page
    draft = AssessmentFactory(project__unit=sampled.project.unit, year=filed.year)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("assessments:detail", args=[draft.pk]))
    assert response.status_code == 200 and "抽查 #" not in response.content.decode()
    assert not [q for q in queries if "assessments_sampledtable" in q["sql"]]
