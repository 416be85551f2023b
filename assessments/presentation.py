"""The official table as rows and cells, shared by the detail page, the preview and the PDF."""

from dataclasses import dataclass, field

from . import rules


@dataclass
class IndicatorLine:
    index: int
    indicator: object
    result: rules.IndicatorResult
    level1_rowspan: int = 0  # 0: the cell is covered by the one above
    level2_rowspan: int = 0
    findings: list = field(default_factory=list)

    @property
    def where(self):
        return f"indicators[{self.index}]"


@dataclass
class FundsRow:
    line: str
    label: str
    values: rules.FundsLine
    is_total: bool

    def cell(self, column):
        return rules.format_amount(getattr(self.values, column))


@dataclass
class OfficialTable:
    assessment: object
    evaluation: rules.Evaluation
    funds: list
    lines: list
    findings_by_where: dict

    @property
    def findings(self):
        return self.evaluation.findings

    @property
    def indicator_rowspan(self):
        return len(self.lines) + 1

    def severity_at(self, where):
        found = self.findings_by_where.get(where, [])
        if any(f.severity == rules.ERROR for f in found):
            return rules.ERROR
        return rules.WARNING if found else ""


def group_spans(lines):
    """Merge 一级 cells over consecutive rows, and 二级 cells within each 一级 run."""
    start = 0
    while start < len(lines):
        end = start
        level1 = lines[start].indicator.level1
        while end < len(lines) and lines[end].indicator.level1 == level1:
            end += 1
        lines[start].level1_rowspan = end - start
        inner = start
        while inner < end:
            stop = inner
            level2 = lines[inner].indicator.level2
            while stop < end and lines[stop].indicator.level2 == level2:
                stop += 1
            lines[inner].level2_rowspan = stop - inner
            inner = stop
        start = end
    return lines


def build_official_table(assessment, indicators=None):
    if indicators is None:
        indicators = list(assessment.indicators.all())
    evaluation = rules.evaluate(assessment.rules_input(indicators))
    findings_by_where = {}
    for finding in evaluation.findings:
        findings_by_where.setdefault(finding.where, []).append(finding)
        # A finding on one cell of an indicator row also marks the row.
        if finding.where.startswith("indicators[") and "." in finding.where:
            findings_by_where.setdefault(finding.where.split(".")[0], []).append(finding)
    lines = group_spans(
        [
            IndicatorLine(index, row, result)
            for index, (row, result) in enumerate(
                zip(indicators, evaluation.indicators, strict=True)
            )
        ]
    )
    for line in lines:
        line.findings = findings_by_where.get(line.where, [])
    funds = [
        FundsRow(line, rules.FUND_LINE_LABELS[line], assessment.fund(line), line == "total")
        for line in rules.FUND_LINES
    ]
    return OfficialTable(assessment, evaluation, funds, lines, findings_by_where)
