"""One table of typed amounts feeds every way in: the wizard's funds step, the live figures,
the fillable workbook's upload and the interchange import store (or refuse) the same value."""

import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from assessments import rules
from assessments.interchange import assessment_record, parse_document
from assessments.models import Assessment
from assessments.rules import readers
from assessments.services import importing, uploads

from .factories import AssessmentFactory, UnitFactory, UserFactory, YearFactory, member
from .uploads.helpers import address, download, saved

REFUSED = "refused"

# (typed text, the table's money unit, the stored Decimal, or REFUSED with a word of the
# message). Blank is None: not reported, which is not zero.
TYPED_AMOUNTS = [
    ("1,234.5万", "元", Decimal("12345000")),
    ("１２３４．５", "元", Decimal("1234.5")),
    ("１，２３４．５０", "元", Decimal("1234.50")),
    ("1,234.50", "元", Decimal("1234.50")),
    (" 14 900.00 ", "元", Decimal("14900")),
    ("¥1,234.50", "元", Decimal("1234.50")),
    ("0.95万元", "元", Decimal("9500")),
    ("0.001万元", "元", Decimal("10")),
    ("1.5亿元", "元", Decimal("150000000")),
    ("1.500", "元", Decimal("1.50")),
    ("9999999999999.99", "元", Decimal("9999999999999.99")),
    ("0", "元", Decimal("0")),
    ("", "元", None),
    ("12.5万元", "万元", Decimal("12.5")),
    ("12.5", "万元", Decimal("12.5")),
    ("125000元", "万元", Decimal("12.50")),
    ("1亿", "万元", Decimal("10000")),
    ("约九千", "元", (REFUSED, "不是数字（填写的是“约九千”），可填 1234.5、1,234.50 或 0.12万元")),
    ("一万", "元", (REFUSED, "不是数字")),
    ("12,34", "元", (REFUSED, "不是数字")),
    ("-5", "元", (REFUSED, "不能为负数")),
    ("100.555", "元", (REFUSED, "最多保留两位小数")),
    ("1元", "万元", (REFUSED, "换算为万元后最多保留两位小数")),
    ("12345678901234", "元", (REFUSED, "整数部分最多 13 位")),
    ("1000000亿", "元", (REFUSED, "整数部分最多 13 位")),
]


def refusal(expected):
    return expected[1] if isinstance(expected, tuple) else None


CASES = [
    pytest.param(text, unit, expected, id=f"{text}|{unit}")
    for text, unit, expected in TYPED_AMOUNTS
]


@pytest.mark.parametrize(("text", "money_unit", "expected"), CASES)
def test_the_reader(text, money_unit, expected):
    if refusal(expected):
        with pytest.raises(readers.ReadError, match=re.escape(refusal(expected))):
            readers.read_amount(text, money_unit)
    else:
        assert readers.read_amount(text, money_unit) == expected


@pytest.fixture
def unit(db):
    return UnitFactory(name="上海市某某服务中心")


@pytest.fixture
def preparer(unit):
    return member(UserFactory(username="preparer"), unit, "preparer")


def table(unit, money_unit):
    """A draft whose 当年财政拨款 · 全年执行数 (F7 in the workbook) is 777, unlike every case."""
    return AssessmentFactory(
        project__unit=unit,
        year=YearFactory(year=2023),
        money_unit=money_unit,
        current_executed=Decimal("777"),
        total_executed=Decimal("777"),
    )


def funds_post(assessment, executed):
    data = {"version": assessment.version}
    for line in rules.FUND_LINES[1:]:
        for column in rules.FUND_COLUMNS:
            data[f"{line}_{column}"] = ""
    data.update(current_initial_budget="100000000", current_full_year_budget="100000000")
    data["current_executed"] = executed
    return data


@pytest.mark.parametrize(("text", "money_unit", "expected"), CASES)
def test_the_wizards_funds_step(client, unit, preparer, text, money_unit, expected):
    draft = table(unit, money_unit)
    client.force_login(preparer)
    url = reverse("assessments:wizard_step", args=[draft.pk, "funds"])
    response = client.post(url, funds_post(draft, text))
    stored = Assessment.objects.get(pk=draft.pk)
    if refusal(expected):
        assert response.status_code == 200
        assert refusal(expected) in response.content.decode()
        assert (stored.version, stored.current_executed) == (draft.version, Decimal("777"))
    else:
        assert response.status_code == 302
        assert stored.current_executed == expected
        assert stored.total_executed == expected  # 年度资金总额, derived by the save


@pytest.mark.parametrize(("text", "money_unit", "expected"), CASES)
def test_the_live_figures(client, unit, preparer, text, money_unit, expected):
    draft = table(unit, money_unit)
    client.force_login(preparer)
    url = reverse("assessments:wizard_live", args=[draft.pk, "funds"])
    payload = client.post(url, funds_post(draft, text)).json()
    if refusal(expected):
        assert refusal(expected) in payload["errors"]["current_executed"]
        assert payload["funds_total"]["executed"] == ""  # a cell that does not read is blank
    else:
        assert "current_executed" not in payload["errors"]
        assert payload["funds_total"]["executed"] == rules.format_amount(expected)


@pytest.mark.parametrize(("text", "money_unit", "expected"), CASES)
def test_the_fillable_workbook_upload(client, unit, preparer, text, money_unit, expected):
    draft = table(unit, money_unit)
    client.force_login(preparer)
    book = download(client, draft)
    cell = address(book, "funds.current.executed")
    book["绩效自评表"][cell] = text
    data = saved(book)
    if refusal(expected):
        with pytest.raises(uploads.UploadRefused) as refused:
            uploads.plan_upload(data, "填报表.xlsx", user=preparer, assessment=draft)
        assert refused.value.problems[0].startswith(f"{cell}：全年执行数")
        assert refusal(expected) in refused.value.problems[0]
        return
    plan = uploads.plan_upload(data, "填报表.xlsx", user=preparer, assessment=draft)
    uploads.preview(plan, {draft.pk: Assessment.objects.with_tree().get(pk=draft.pk)}, by=preparer)
    uploads.apply_upload(plan, by=preparer)
    stored = Assessment.objects.get(pk=draft.pk)
    assert stored.current_executed == expected
    assert stored.total_executed == expected


NUMBER_CASES = [
    case for case in CASES if case.values[2] is not None and not refusal(case.values[2])
]


@pytest.mark.parametrize(("text", "money_unit", "expected"), NUMBER_CASES)
def test_the_workbooks_cell_holding_a_number(client, unit, preparer, text, money_unit, expected):
    """A cell Excel keeps as a number reads as the same number typed as text."""
    draft = table(unit, money_unit)
    client.force_login(preparer)
    book = download(client, draft)
    book["绩效自评表"][address(book, "funds.current.executed")] = float(expected)
    plan = uploads.plan_upload(saved(book), "填报表.xlsx", user=preparer, assessment=draft)
    assert [Decimal(edit[3]) for edit in plan["sheets"][0]["edits"]] == [expected]


# The interchange takes decimal strings in the record's money unit ("14900.00"), never a
# person's typing: it is the format files are exchanged in, and what it reads back must be
# exactly what was written (docs/interchange.md). Of the table it reads the plain decimal
# strings (and a blank as null), as the reader does, and refuses the rest. A negative amount
# of a published table is kept and reported as FUNDS_NEGATIVE (domain.md §5, §7), so the
# import is fed neither list's negative case.
PLAIN_DECIMAL = re.compile(r"^[0-9]+(\.[0-9]+)?$")
INTERCHANGE_CASES = [
    case for case in CASES if PLAIN_DECIMAL.match(case.values[0]) or case.values[0] == ""
]
TYPING_ONLY_CASES = [
    case for case in CASES if case not in INTERCHANGE_CASES and not case.values[0].startswith("-")
]


def interchange_document(unit, money_unit, executed):
    draft = table(unit, money_unit)
    record = assessment_record(draft)
    record["funds"]["current"]["executed"] = executed or None  # a blank cell is null
    del record["funds"]["total"]  # left out, it is the sum of the lines
    record["project"] = "导入的项目"
    return json.dumps(
        {"format": "perf-self-assessment", "version": 2, "assessments": [record]},
        ensure_ascii=False,
    )


@pytest.mark.parametrize(("text", "money_unit", "expected"), INTERCHANGE_CASES)
def test_the_interchange_import(unit, text, money_unit, expected):
    records, problems = parse_document(interchange_document(unit, money_unit, text))
    if refusal(expected):
        assert refusal(expected) in str(problems)
        return
    assert not problems
    [imported] = importing.import_records(records)
    stored = Assessment.objects.get(pk=imported.pk)
    assert stored.current_executed == expected == readers.read_amount(text, money_unit)


@pytest.mark.parametrize(("text", "money_unit", "expected"), TYPING_ONLY_CASES)
def test_the_interchange_refuses_what_is_not_a_decimal_string(unit, text, money_unit, expected):
    records, problems = parse_document(interchange_document(unit, money_unit, text))
    assert problems and not records
