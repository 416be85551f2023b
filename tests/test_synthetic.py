import re
from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from assessments import synthetic
from assessments.models import Assessment, AssessmentEvent, Organisation, Signature
from assessments.trust.signing import (
    SignatureState,
    canonical_snapshot,
    check_signature,
    matches_current,
)


def generate(count, *extra):
    out = StringIO()
    call_command("generate_assessments", str(count), *extra, stdout=out)
    return out.getvalue()


def figures(prefix):
    return list(
        Assessment.objects.filter(project__unit__name__startswith=prefix)
        .order_by("pk")
        .values_list("year__year", "total_full_year_budget", "total_executed", "total_score")
    )


def test_generates_the_count_over_the_years_with_recurring_projects(db):
    assert "已生成 45 张模拟自评表" in generate(45, "--years", "2021-2023", "--batch-size", "20")
    assert Assessment.objects.count() == 45
    per_project = Counter(Assessment.objects.values_list("project_id", flat=True))
    assert set(per_project.values()) == {3}
    assert set(Assessment.objects.values_list("year__year", flat=True)) == {2021, 2022, 2023}
    assert Organisation.objects.filter(kind="department", name__startswith="模拟").count() == 1
    assert AssessmentEvent.objects.count() == 45


def test_stored_figures_are_those_the_rules_compute(db):
    generate(60, "--years", "2022-2023")
    kinds = Counter()
    for assessment in Assessment.objects.with_tree():
        indicators = list(assessment.indicators.all())
        evaluation = assessment.evaluate()
        assert assessment.total_score == evaluation.total_score
        assert assessment.execution_rate == evaluation.execution_rate
        assert assessment.grade == evaluation.grade
        assert assessment.error_count == len(evaluation.errors)
        assert assessment.warning_count == len(evaluation.warnings)
        assert sum(row.weight for row in indicators) == Decimal(90)
        codes = {finding.code for finding in evaluation.findings}
        assert "TAXONOMY" not in codes and "WEIGHTS_SUM" not in codes
        assert "LEVEL1_SPLIT" not in codes
        if assessment.error_count:
            assert assessment.status in (Assessment.Status.DRAFT, Assessment.Status.RETURNED)
        for row in indicators:
            kinds["qualitative" if row.grade else "quantitative"] += 1
            if row.score < row.weight:
                kinds["below weight"] += 1
    assert kinds["qualitative"] and kinds["quantitative"] and kinds["below weight"]


def test_signed_off_tables_carry_a_matching_signature(db):
    generate(40, "--years", "2020-2021")
    signed = Assessment.objects.filter(status=Assessment.Status.SIGNED_OFF).with_tree()
    assert signed.exists()
    assert Signature.objects.count() == signed.count()
    for assessment in signed:
        signature = assessment.signatures.get(voided_at__isnull=True)
        assert matches_current(signature, canonical_snapshot(assessment))
        assert check_signature(signature) == SignatureState.VALID


def test_same_seed_gives_the_same_tables(db):
    generate(20, "--seed", "7", "--prefix", "甲")
    generate(20, "--seed", "7", "--prefix", "乙")
    generate(20, "--seed", "8", "--prefix", "丙")
    assert figures("甲") == figures("乙") != figures("丙")


def test_department_and_unit_names_are_unique_for_many_departments():
    names = synthetic.organisation_names("模拟", 450)
    assert len(set(names)) == 450


def test_refuses_a_prefix_already_in_use(db):
    generate(5)
    with pytest.raises(CommandError, match="已有名称以“模拟”开头的单位"):
        generate(5)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["0"], "张数至少为 1"),
        (["5", "--years", "2024-2020"], "年度范围“2024-2020”无效"),
        (["5", "--years", "二〇二二"], "年度范围“二〇二二”应写作"),
        (["5", "--batch-size", "0"], "每批张数至少为 1"),
    ],
)
def test_bad_arguments_get_a_chinese_message(db, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("generate_assessments", *args, stdout=StringIO())
    assert not Assessment.objects.exists()


def test_refuses_in_production_mode(db, settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="生产模式"):
        generate(5)


def test_benchmark_prints_every_figure(db):
    generate(30, "--years", "2022-2023")
    out = StringIO()
    call_command("benchmark_lists", "--runs", "2", stdout=out)
    text = out.getvalue()
    for label in [
        "列表第一页（全市）",
        "列表筛选并按总分降序（全市）",
        "列表筛选并按总分降序（部门审核人）",
        "汇总：部门、年度（部门审核人）",
        "CSV 导出（全市 30 行",
        "Excel 导出（全市 30 行",
        "进程峰值内存",
    ]:
        assert label in text, label
    counts = [int(count) for count in re.findall(r"^\s*(\d+) 次查询", text, re.MULTILINE)]
    assert len(counts) == 5 and all(count > 0 for count in counts)
