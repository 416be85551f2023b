"""Reading the JSON interchange format of docs/interchange.md: parsing a document and
checking every record, first on its own, then against the stored data."""

import datetime
import json
import math
import re

from .. import kinds, rules
from ..models import Assessment, Indicator, Organisation, ReportingYear

FORMAT = "perf-self-assessment"
VERSION = 3
# Version 1 lacks a table's kind, its approved targets and adjustments; version 2 lacks the
# monitoring round and tables of a department as a whole (`project` "", `unit` the department).
READABLE_VERSIONS = (1, 2, 3)
MAX_TEXT = 10_000
MAX_SHORT_TEXT = 200

STATUSES = [choice.value for choice in Assessment.Status]
MONEY_UNITS = [choice.value for choice in Assessment.MoneyUnit]
GRADES = [choice.value for choice in Indicator.Grade]

ASSESSMENT_KEYS = {
    "year",
    "project",
    "department",
    "unit",
    "rule_set",
    "money_unit",
    "status",
    "funds",
    "budget_weight",
    "goal",
    "outcome",
    "indicators",
    "computed",
    "print",
}
VERSION_2_KEYS = {"kind", "targets", "adjustments", "cells", "mid_year"}
VERSION_3_KEYS = {"monitoring"}
MONITORING_KEYS = {"scope", "cut_off", "due", "margin"}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ADJUSTMENT_KEYS = {"changes", "reason", "requested_at", "decided_at"}
CHANGE_KEYS = {"name", "field", "old", "new"}
ADJUSTABLE_FIELDS = ("target", "weight", "goal")
PRINT_CHOICES = {
    "show_empty_level2": (True, False),
    "signature_block": (True, False),
    "money_unit": ("", *MONEY_UNITS),
}
INDICATOR_KEYS = {
    "level1",
    "level2",
    "name",
    "target",
    "actual",
    "grade",
    "weight",
    "score",
    "reason",
    "criteria",
    "computed",
}
HASH_RE = re.compile(r"[0-9a-f]{64}")
_DECIMAL_RE = re.compile(r"^-?\d+(\.\d+)?$")


class Problems(list):
    """What is wrong with a file, each with its JSON path; and how strictly names are read."""

    def __init__(self, *, single_line_names=True):
        super().__init__()
        # A signed snapshot is read back as it was signed, line breaks included.
        self.single_line_names = single_line_names

    def add(self, path, message):
        self.append(f"{path}：{message}")


# A file of this format nests five levels deep; numbers in it are years (four digits).
MAX_DEPTH = 20
MAX_NUMBER_DIGITS = 30


class _Refused(str):
    """A value refused while reading the JSON text, with the reason."""

    reason: str

    def __new__(cls, text, reason):
        value = super().__new__(cls, text[:40])
        value.reason = reason
        return value


class _Object(dict):
    """A JSON object that remembers the keys it had twice (json keeps only the last value)."""

    duplicates: tuple = ()


def _object(pairs):
    result = _Object()
    duplicates = []
    for key, value in pairs:
        if key in result:
            duplicates.append(key)
        result[key] = value
    result.duplicates = tuple(duplicates)
    return result


def _number(read):
    def parse(text):
        digits = sum(character.isdigit() for character in text)
        if digits > MAX_NUMBER_DIGITS:
            return _Refused(text, f"数字过长（{digits} 位，最多 {MAX_NUMBER_DIGITS} 位）。")
        value = read(text)
        if value in (math.inf, -math.inf):
            return _Refused(text, "数值超出范围。")
        return value

    return parse


def _constant(text):
    return _Refused(text, f"{text} 不是 JSON 允许的数值。")


def _inspect(value, path, depth, problems):
    """Report what the reading refused, with its path: duplicate keys, numbers, nesting."""
    if depth > MAX_DEPTH:
        problems.add(path, f"嵌套层数过多（最多 {MAX_DEPTH} 层）。")
    elif isinstance(value, _Refused):
        problems.add(path, value.reason)
    elif isinstance(value, _Object):
        for key in value.duplicates:
            problems.add(f"{path}.{key}", "同一对象中出现了两次这个键，无法确定取哪一个值。")
        for key, item in value.items():
            _inspect(item, f"{path}.{key}", depth + 1, problems)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _inspect(item, f"{path}[{index}]", depth + 1, problems)


def load_json(text, problems):
    """The JSON document, or None with the problems: syntax, duplicate keys, oversized numbers
    and deep nesting, each with its path, never an exception."""
    try:
        document = json.loads(
            text,
            object_pairs_hook=_object,
            parse_int=_number(int),
            parse_float=_number(float),
            parse_constant=_constant,
        )
    except json.JSONDecodeError as error:
        problems.add(
            "$", f"不是有效的 JSON（第 {error.lineno} 行第 {error.colno} 列：{error.msg}）。"
        )
        return None
    except RecursionError:
        problems.add("$", f"嵌套层数过多（最多 {MAX_DEPTH} 层）。")
        return None
    before = len(problems)
    _inspect(document, "$", 0, problems)
    return document if len(problems) == before else None


def parse_document(text, *, single_line_names=True):
    """Check a whole file; returns (records, problems). Records are only usable without problems."""
    problems = Problems(single_line_names=single_line_names)
    document = load_json(text, problems)
    if problems:
        return [], problems
    if not isinstance(document, dict):
        problems.add("$", "顶层应为对象。")
        return [], problems
    if document.get("format") != FORMAT:
        problems.add("$.format", f"应为“{FORMAT}”，现为 {json.dumps(document.get('format'))}。")
    version = document.get("version")
    if version not in READABLE_VERSIONS or isinstance(version, bool):
        problems.add(
            "$.version",
            f"本程序只能读取第 {'、'.join(map(str, READABLE_VERSIONS))} 版，"
            f"现为 {json.dumps(version)}。",
        )
        version = VERSION
    items = document.get("assessments")
    if not isinstance(items, list):
        problems.add("$.assessments", "应为列表。")
        return [], problems
    records = []
    for index, item in enumerate(items):
        record = _check_assessment(item, f"$.assessments[{index}]", problems, version)
        if record is not None:
            records.append(record)
    _check_duplicates(records, problems)
    return records, problems


def check_against_database(records, *, replace):
    """What the stored data refuses: duplicates without --replace, clashing names and years."""
    problems = Problems()
    for index, record in enumerate(records):
        path = f"$.assessments[{index}]"
        of_department = kinds.get(record["kind"]).of_department
        unit = Organisation.objects.filter(name=record["unit"]).first()
        if unit and not unit.is_unit and not of_department:
            problems.add(f"{path}.unit", f"“{unit.name}”已登记为主管部门，不能作为实施单位。")
        department = Organisation.objects.filter(name=record["department"]).first()
        if department and department.kind != Organisation.Kind.DEPARTMENT:
            problems.add(
                f"{path}.department", f"“{department.name}”已登记为实施单位，不能作为主管部门。"
            )
        year = ReportingYear.objects.filter(year=record["year"]).first()
        if year and year.rule_set != record["rule_set"]:
            problems.add(
                f"{path}.rule_set",
                f"{year.year} 年度使用规则集 {year.rule_set}，文件中为 {record['rule_set']}。",
            )
        owner = (
            {"organisation__name": record["unit"]}
            if of_department
            else {"project__unit__name": record["unit"], "project__name": record["project"]}
        )
        exists = (
            Assessment.objects.filter(year__year=record["year"], kind=record["kind"], **owner)
            .filter(**in_round(record))
            .exists()
        )
        scope = round_key(record)
        if (
            scope
            and scope[0] != record["department"]
            and not Organisation.objects.filter(name=scope[0]).exists()
        ):
            problems.add(f"{path}.monitoring.scope", f"监控范围“{scope[0]}”未登记。")
        if exists and not replace:
            problems.add(
                path,
                f"{record['year']} 年度“{record['unit']}”的项目“{record['project']}”已存在；"
                "如需覆盖请使用 --replace。",
            )
    return problems


def round_key(record) -> tuple[str, str] | None:
    """(scope, cut_off) of a monitoring table's round; None for any other table."""
    monitoring = record.get("monitoring")
    return (monitoring["scope"], monitoring["cut_off"]) if monitoring else None


def _check_monitoring(item, record, path, problems):
    """A monitoring table's round (version 3): its scope (the department or bureau that
    opened it), 数据截至, 填报截止 and the warning margin. Required of a kind opened in
    rounds, refused on any other."""
    value = item.get("monitoring")
    kind = kinds.get(record["kind"]) if kinds.is_known(record["kind"]) else kinds.default()
    where = f"{path}.monitoring"
    if not kind.opened_in_rounds:
        if value is not None:
            problems.add(where, "只有运行监控表有监控批次。")
        return None
    if not isinstance(value, dict):
        problems.add(where, "运行监控表须注明其监控批次（第 3 版）。")
        return None
    for key in sorted(set(value) - MONITORING_KEYS):
        problems.add(f"{where}.{key}", "未知的字段。")
    checked = {"scope": _text(value, "scope", where, problems, limit=MAX_SHORT_TEXT, line=True)}
    dates = {}
    for key in ("cut_off", "due"):
        text = value.get(key)
        try:
            if not isinstance(text, str) or not _ISO_DATE.match(text):
                raise ValueError(text)
            dates[key] = datetime.date.fromisoformat(text)
        except ValueError:
            problems.add(f"{where}.{key}", "应为日期，如 2023-07-31。")
            continue
        checked[key] = dates[key].isoformat()
    if "cut_off" in dates and dates["cut_off"].year != record["year"]:
        problems.add(f"{where}.cut_off", f"数据截至日应在 {record['year']} 年内。")
    if len(dates) == 2 and dates["due"] < dates["cut_off"]:
        problems.add(f"{where}.due", "填报截止不能早于数据截至日。")
    margin = _decimal(value.get("margin"), f"{where}.margin", problems, digits=3, negative=False)
    if value.get("margin") is None:
        problems.add(f"{where}.margin", "缺少此项。")
    checked["margin"] = margin
    return checked


def in_round(record) -> dict[str, object]:
    """The lookup of a record's table among those of its project, year and kind: a
    monitoring table by its round, any other table by having none."""
    if key := round_key(record):
        return {"monitoring_round__scope__name": key[0], "monitoring_round__cut_off": key[1]}
    return {"monitoring_round__isnull": True}


def _check_duplicates(records, problems):
    seen: dict[tuple, int] = {}
    for index, record in enumerate(records):
        key = (record["year"], record["unit"], record["project"], record["kind"], round_key(record))
        if key in seen:
            problems.add(
                f"$.assessments[{index}]",
                f"与 $.assessments[{seen[key]}] 重复（同一年度、单位、项目和表别）。",
            )
        seen.setdefault(key, index)


def _text(
    item, key, path, problems, *, required=True, limit=MAX_TEXT, allow_blank=True, line=False
):
    value = item.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        problems.add(f"{path}.{key}", "缺少此项或不是文本。" if value is None else "应为文本。")
        return None
    if len(value) > limit:
        problems.add(f"{path}.{key}", f"文本过长（{len(value)} 字，最多 {limit} 字）。")
        return None
    if not allow_blank and not value.strip():
        problems.add(f"{path}.{key}", "不能为空。")
        return None
    value = rules.clean_text(value)
    if line and problems.single_line_names and "\n" in value:
        problems.add(f"{path}.{key}", "名称不能换行，请写在一行内。")
        return None
    return value


def _decimal(value, path, problems, *, places=2, digits=rules.MAX_AMOUNT_DIGITS, negative=True):
    """A decimal string, or None for a blank cell; JSON numbers are refused (floats lose cents)."""
    if value is None:
        return None
    if not isinstance(value, str):
        problems.add(
            path, f'应为十进制数字的字符串（如 "100.00"）或 null，现为 {json.dumps(value)}。'
        )
        return None
    if not _DECIMAL_RE.match(value):
        problems.add(path, f"“{value}”不是十进制数字。")
        return None
    try:
        number = rules.parse_decimal(value, places=places, max_digits=digits, what="数值")
    except ValueError as error:
        problems.add(path, str(error))
        return None
    if number is not None and number < 0 and not negative:
        problems.add(path, "不能为负数。")
        return None
    return number


def _check_assessment(item, path, problems, version=VERSION):
    if not isinstance(item, dict):
        problems.add(path, "应为对象。")
        return None
    before = len(problems)
    known = (
        ASSESSMENT_KEYS
        | (VERSION_2_KEYS if version >= 2 else set())
        | (VERSION_3_KEYS if version >= 3 else set())
    )
    for key in sorted(set(item) - known):
        problems.add(f"{path}.{key}", "未知的字段。")
    record = {}
    year = item.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        problems.add(f"{path}.year", "应为 2000 至 2100 之间的整数年份。")
    record["year"] = year
    kind_name = item.get("kind", kinds.DEFAULT)
    of_department = kinds.is_known(kind_name) and kinds.get(kind_name).of_department
    for key in ("project", "department", "unit"):
        record[key] = _text(
            item,
            key,
            path,
            problems,
            limit=MAX_SHORT_TEXT,
            allow_blank=of_department and key == "project",
            line=True,
        )
    if of_department:
        _check_department_owner(record, path, problems, version)
    rule_set = item.get("rule_set")
    if rule_set not in rules.RULE_SETS:
        problems.add(f"{path}.rule_set", f"应为 {' 或 '.join(rules.RULE_SETS)}。")
    record["rule_set"] = rule_set
    for key, choices in (("money_unit", MONEY_UNITS), ("status", STATUSES)):
        if item.get(key) not in choices:
            problems.add(f"{path}.{key}", f"应为 {'、'.join(choices)} 之一。")
        record[key] = item.get(key)
    record["budget_weight"] = _decimal(
        item.get("budget_weight"), f"{path}.budget_weight", problems, digits=3, negative=False
    )
    if item.get("budget_weight") is None:
        problems.add(f"{path}.budget_weight", "缺少此项。")
    for key in ("goal", "outcome"):
        record[key] = _text(item, key, path, problems)
    record["funds"] = _check_funds(item.get("funds"), f"{path}.funds", problems)
    record["print"] = _check_print(item.get("print", {}), f"{path}.print", problems)
    record["kind"] = item.get("kind", kinds.DEFAULT)
    if not kinds.is_known(record["kind"]):
        problems.add(
            f"{path}.kind", f"应为 {'、'.join(name for name, _ in kinds.choices())} 之一。"
        )
    record["cells"] = _check_cells(item.get("cells", {}), record["kind"], f"{path}.cells", problems)
    record["monitoring"] = _check_monitoring(item, record, path, problems)
    record["targets"] = _check_targets(item.get("targets"), f"{path}.targets", problems)
    record["mid_year"] = item.get("mid_year", False)
    if not isinstance(record["mid_year"], bool):
        problems.add(f"{path}.mid_year", "应为 true 或 false。")
    record["adjustments"] = _check_adjustments(
        item.get("adjustments", []), f"{path}.adjustments", problems
    )
    indicators = item.get("indicators")
    if not isinstance(indicators, list):
        problems.add(f"{path}.indicators", "缺少此项或不是列表。")
        indicators = []
    rule_set_data = rules.RULE_SETS.get(str(rule_set))
    if rule_set_data is not None and kinds.is_known(record["kind"]):
        rule_set_data = kinds.get(str(record["kind"])).indicator_system(rule_set_data)
    record["indicators"] = [
        _check_indicator(row, f"{path}.indicators[{index}]", problems, rule_set_data)
        for index, row in enumerate(indicators)
    ]
    return record if len(problems) == before else None


def _check_department_owner(record, path, problems, version):
    """A department's own table (version 3 on): no project, and the department fills it."""
    if version < 3:
        problems.add(f"{path}.kind", "部门整体的表自第 3 版起才能读写。")
    if record["project"]:
        problems.add(f"{path}.project", "部门整体的表不属于项目，应为空文本。")
    if record["unit"] is not None and record["unit"] != record["department"]:
        problems.add(f"{path}.unit", "部门整体的表由主管部门本部门填报，应与 department 相同。")


def _check_cells(cells, kind, path, problems):
    """The values of a kind's declared cells ({key: text}), each read as its cell reads
    typed input."""
    if not isinstance(cells, dict):
        problems.add(path, "应为对象。")
        return {}
    declared = kinds.get(kind) if kinds.is_known(kind) else kinds.default()
    checked = {}
    for key, value in cells.items():
        try:
            cell = declared.cell(key)
        except KeyError:
            problems.add(f"{path}.{key}", "未知的字段。")
            continue
        if value is not None and not isinstance(value, str):
            problems.add(f"{path}.{key}", "应为文本或 null。")
            continue
        try:
            checked[key] = cell.read(value)
        except ValueError as error:
            problems.add(f"{path}.{key}", str(error))
    return checked


def _check_targets(targets, path, problems):
    """null (targets never approved) or {"approved": true, "content_hash": …}."""
    if targets is None:
        return None
    if not isinstance(targets, dict) or targets.get("approved") is not True:
        problems.add(path, '应为 null 或 {"approved": true, "content_hash": …}。')
        return None
    for key in sorted(set(targets) - {"approved", "content_hash", "approved_budget"}):
        problems.add(f"{path}.{key}", "未知的字段。")
    digest = targets.get("content_hash")
    if digest is not None and not (isinstance(digest, str) and HASH_RE.fullmatch(digest)):
        problems.add(f"{path}.content_hash", "应为 64 位十六进制的 SHA-256 摘要或 null。")
    return dict(targets)


def _check_adjustments(items, path, problems):
    """Approved adjustments: what changed (target, weight or goal, old and new), why, and
    when."""
    if not isinstance(items, list):
        problems.add(path, "应为列表。")
        return []
    checked = []
    for index, item in enumerate(items):
        where = f"{path}[{index}]"
        if not isinstance(item, dict):
            problems.add(where, "应为对象。")
            continue
        for key in sorted(set(item) - ADJUSTMENT_KEYS):
            problems.add(f"{where}.{key}", "未知的字段。")
        reason = _text(item, "reason", where, problems, limit=2000, allow_blank=False)
        for key in ("requested_at", "decided_at"):
            if not isinstance(item.get(key), str):
                problems.add(f"{where}.{key}", "应为 ISO 8601 时间文本。")
        changes = item.get("changes")
        if not isinstance(changes, list) or not changes:
            problems.add(f"{where}.changes", "应为非空列表。")
            continue
        for number, change in enumerate(changes):
            at = f"{where}.changes[{number}]"
            if not isinstance(change, dict) or set(change) != CHANGE_KEYS:
                problems.add(at, f"应为含 {'、'.join(sorted(CHANGE_KEYS))} 的对象。")
            elif change["field"] not in ADJUSTABLE_FIELDS:
                problems.add(f"{at}.field", "应为 target、weight 或 goal。")
            elif not all(
                isinstance(change[key], str) or change[key] is None for key in ("old", "new")
            ) or not isinstance(change["name"], str):
                problems.add(at, "name 应为文本，old 与 new 应为文本或 null。")
        checked.append({**item, "reason": reason})
    return checked


def _check_print(options, path, problems):
    """The table's print settings: only the keys chosen, each with one of its values."""
    if not isinstance(options, dict):
        problems.add(path, "应为对象。")
        return {}
    for key, value in options.items():
        choices = PRINT_CHOICES.get(key)
        if choices is None:
            problems.add(f"{path}.{key}", "未知的打印设置。")
        elif value not in choices or type(value) is not type(choices[0]):
            problems.add(f"{path}.{key}", "取值无效。")
    return dict(options)


def _check_funds(funds, path, problems):
    if not isinstance(funds, dict):
        problems.add(path, "缺少此项或不是对象。")
        return {}
    for key in sorted(set(funds) - set(rules.FUND_LINES)):
        problems.add(f"{path}.{key}", "未知的资金行。")
    result = {}
    for line in rules.FUND_LINES:
        values = funds.get(line)
        if values is None and line == "total":
            continue
        if not isinstance(values, dict):
            problems.add(f"{path}.{line}", "缺少此项或不是对象。")
            continue
        for key in sorted(set(values) - set(rules.FUND_COLUMNS)):
            problems.add(f"{path}.{line}.{key}", "未知的金额列。")
        result[line] = rules.FundsLine(
            *(
                _decimal(values.get(column), f"{path}.{line}.{column}", problems)
                for column in rules.FUND_COLUMNS
            )
        )
    if "total" not in result and len(result) == 3:
        # A file may leave the total row out: it is then the sum of the three lines.
        result["total"] = rules.funds_total(result)
    return result


def _check_indicator(row, path, problems, rule_set):
    if not isinstance(row, dict):
        problems.add(path, "应为对象。")
        return None
    for key in sorted(set(row) - INDICATOR_KEYS):
        problems.add(f"{path}.{key}", "未知的字段。")
    record = {}
    for key in ("level1", "level2", "name"):
        record[key] = _text(
            row, key, path, problems, limit=MAX_SHORT_TEXT, allow_blank=False, line=True
        )
    if rule_set and record["level1"] is not None and record["level1"] not in rule_set.taxonomy:
        problems.add(
            f"{path}.level1",
            f"“{record['level1']}”不是 {rule_set.code} 的一级指标"
            f"（{'、'.join(rule_set.taxonomy)}）。",
        )
    elif (
        rule_set
        and record["level1"]
        and record["level2"] is not None
        and record["level2"] not in rule_set.level2_choices(record["level1"])
    ):
        problems.add(
            f"{path}.level2",
            f"“{record['level2']}”不是 {rule_set.code} 中“{record['level1']}”的二级指标"
            f"（{'、'.join(rule_set.level2_choices(record['level1']))}）。",
        )
    for key in ("target", "actual"):
        record[key] = _text(row, key, path, problems, required=False, limit=MAX_SHORT_TEXT)
    record["reason"] = _text(row, "reason", path, problems, required=False)
    record["criteria"] = _text(row, "criteria", path, problems, required=False)
    grade = row.get("grade")
    if grade is not None and grade not in GRADES:
        problems.add(f"{path}.grade", f"应为 {'、'.join(GRADES)} 之一或 null。")
    record["grade"] = grade or ""
    for key in ("weight", "score"):
        record[key] = _decimal(row.get(key), f"{path}.{key}", problems, digits=3, negative=False)
    return record
