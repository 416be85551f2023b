"""The risk findings of the tables a bureau may sample: read from the filings in force and
the signed content of each table (its funds lines), one query for the signatures."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .. import rules
from ..models import Organisation, ReportingYear, Signature
from ..rules import risk as risk_rules
from ..trust.signing import signed_content
from .bureau import Candidate, candidates


@dataclass(frozen=True)
class RiskyCandidate:
    candidate: Candidate
    findings: list[risk_rules.RiskFinding]

    @property
    def count(self) -> int:
        return len(self.findings)


def _number(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def funds_lines(signature: Signature) -> list[risk_rules.FundsLine]:
    """全年预算数 and 全年执行数 of each funds line, as signed (in the table's money unit)."""
    record = signed_content(signature) or {}
    funds = record.get("funds") or {}
    return [
        risk_rules.FundsLine(
            line,
            _number((funds.get(line) or {}).get("full_year_budget")),
            _number((funds.get(line) or {}).get("executed")),
        )
        for line in rules.FUND_LINES
    ]


def assess(pool: Sequence[Candidate], rule_set: rules.RuleSet) -> list[RiskyCandidate]:
    """Each candidate with its findings, in the pool's order."""
    signatures = Signature.objects.in_bulk([c.signature_id for c in pool])
    tables = [
        risk_rules.TableRisk(
            department=c.department,
            self_score=c.self_score,
            grade=c.grade,
            execution_rate=c.execution_rate,
            lines=funds_lines(signatures[c.signature_id]) if c.signature_id in signatures else (),
        )
        for c in pool
    ]
    medians = risk_rules.department_medians(tables)
    return [
        RiskyCandidate(
            c,
            risk_rules.findings_of(
                table,
                grade_floors=rule_set.grade_floors,
                department_median=medians.get(c.department),
            ),
        )
        for c, table in zip(pool, tables, strict=True)
    ]


def risky_candidates(bureau: Organisation, year: ReportingYear) -> list[RiskyCandidate]:
    return assess(candidates(bureau, year), rules.get_rule_set(year.rule_set))
