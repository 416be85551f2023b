"""The finance bureau's desk: a department files its year, the bureau returns a filing, samples
tables and re-scores them. The signed self-assessments are never touched here."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from .. import notifications, permissions, rules
from ..coverage import scope_of, year_coverage
from ..models import (
    Assessment,
    AssessmentQuerySet,
    BureauEvent,
    Filing,
    Membership,
    Organisation,
    ReportingYear,
    ReviewIndicatorScore,
    ReviewSample,
    ReviewScore,
    SampledTable,
    Signature,
    in_yuan,
)
from ..rules import review as review_rules
from ..rules import risk as risk_rules
from ..trust.copies import signed_evaluation
from . import AssessmentError, check
from .background import BUILD_FILING_PACKAGE, enqueue_on_commit
from .review_sheets import refuse_if_signed


def _log(
    organisation: Organisation,
    year: ReportingYear,
    action: str,
    *,
    by: User,
    filing: Filing | None = None,
    sample: ReviewSample | None = None,
    assessment_id: int | None = None,
    comment: str = "",
    changes: dict[str, Any] | None = None,
) -> BureauEvent:
    return BureauEvent.objects.create(
        organisation=organisation,
        year=year,
        actor=by,
        action=action,
        filing=filing,
        sample=sample,
        assessment_id=assessment_id,
        comment=comment,
        changes=changes or {},
    )


def _amount(value: Decimal | None) -> str | None:
    """A figure as the manifest keeps it: two places, rounded half up."""
    return None if value is None else str(rules.round_half_up(value))


# ---------------------------------------------------------------------------
# Filing


def _filed(year: ReportingYear) -> AssessmentQuerySet:
    """The year's self-assessments with their amounts in 元, as a filing lists them."""
    return (
        Assessment.objects.for_table()
        .self_assessments()
        .filter(year=year)
        .annotate(budget_yuan=in_yuan("total_full_year_budget"))
        .annotate(executed_yuan=in_yuan("total_executed"))
    )


def department_tables(department: Organisation, year: ReportingYear) -> AssessmentQuerySet:
    """Every table of the department's units for the year, in the order a filing lists them."""
    return (
        _filed(year)
        .filter(project__unit__parent=department)
        .order_by("project__unit__name", "project__name", "pk")
    )


def own_tables(department: Organisation, year: ReportingYear) -> AssessmentQuerySet:
    """The department's own tables of the year (部门整体), filed before its projects'."""
    return _filed(year).filter(organisation=department).order_by("kind", "pk")


def own_manifest(tables: Sequence[Assessment], signatures: dict[int, Signature]) -> dict:
    """The department's own tables as a filing lists them, apart from its projects' (whose
    sums they would count twice: 项目支出 is the projects' money)."""
    rows = build_manifest(tables, signatures)["tables"]
    for row, table in zip(rows, tables, strict=True):
        row["kind"] = table.kind
    return {"department_tables": rows} if rows else {}


def build_manifest(tables: Sequence[Assessment], signatures: dict[int, Signature]) -> dict:
    """What the filing holds: every table with the signature that covers it, and the sums."""
    rows = []
    for table in tables:
        signature = signatures[table.pk]
        rows.append(
            {
                "assessment": table.pk,
                "project": table.subject,
                "unit": table.unit.name,
                "signature": signature.pk,
                "content_hash": signature.content_hash,
                # Annotated by department_tables: the amounts in 元.
                "budget_yuan": _amount(table.budget_yuan),  # type: ignore[attr-defined]
                "executed_yuan": _amount(table.executed_yuan),  # type: ignore[attr-defined]
                "execution_rate": _amount(table.execution_rate),
                "total_score": _amount(table.total_score),
                "grade": table.grade,
            }
        )
    figures = review_rules.department_figures(
        [figures_of(row) for row in rows],
        grades=rules.default_rule_set().grades,
    )
    return {
        "tables": rows,
        "summary": {
            "count": figures.count,
            "budget_yuan": str(figures.budget),
            "executed_yuan": str(figures.executed),
            "execution_rate": _amount(figures.execution_rate),
            "average_score": _amount(figures.average_self),
            "grades": dict(figures.grade_counts),
        },
    }


def figures_of(
    row: dict, review_score: Decimal | None = None, margin: Decimal = Decimal("1.00")
) -> review_rules.TableFigures:
    """A manifest row as plain figures for rules.review."""
    executed = row.get("executed_yuan")
    return review_rules.TableFigures(
        budget=Decimal(row.get("budget_yuan") or "0"),
        executed=Decimal(executed) if executed is not None else None,
        self_score=Decimal(row.get("total_score") or "0"),
        grade=row.get("grade") or "",
        review_score=review_score,
        margin=margin,
    )


@transaction.atomic
def file_year(department_id: int, year_id: int, *, by: User) -> Filing:
    """File the department's year with its bureau: refused while any table is not signed off
    or a filing is in force. The package is built after the commit, from the signed copies."""
    department = (
        Organisation.objects.select_for_update(of=("self",))
        .select_related("parent")
        .get(pk=department_id)
    )
    year = ReportingYear.objects.get(pk=year_id)
    check(permissions.can_file(by, department))
    if Filing.objects.filter(department=department, year=year, status=Filing.Status.FILED).exists():
        raise AssessmentError(f"{department.name} 的 {year.year} 年度已经报送，不能重复报送。")
    tables = list(department_tables(department, year).select_for_update(of=("self",)))
    if not tables:
        raise AssessmentError(f"{department.name} 在 {year.year} 年度没有自评表，无需报送。")
    own = list(own_tables(department, year).select_for_update(of=("self",)))
    if unsigned_own := [t for t in own if t.status != Assessment.Status.SIGNED_OFF]:
        raise AssessmentError(
            f"本部门的{unsigned_own[0].kind_label}尚未签发（{unsigned_own[0].status_label}），"
            "签发后才能报送。"
        )
    unsigned = [t for t in tables if t.status != Assessment.Status.SIGNED_OFF]
    if unsigned:
        names = "、".join(f"{t.unit.name}·{t.subject}" for t in unsigned[:5])
        more = "等" if len(unsigned) > 5 else ""
        raise AssessmentError(
            f"还有 {len(unsigned)} 张自评表未签发（{names}{more}），全部签发后才能报送。"
        )
    coverage = year_coverage(year.year, scope_of(department.pk, department.kind))
    if coverage.missing:
        names = "、".join(f"{row.unit}·{row.project}" for row in coverage.missing[:5])
        more = "等" if len(coverage.missing) > 5 else ""
        raise AssessmentError(
            f"还有 {len(coverage.missing)} 个本年度有预算的项目没有自评表（{names}{more}）；"
            "请督促填报并签发，或为其登记免报理由后再报送。"
        )
    valid = Signature.objects.valid().filter(assessment__in=[*tables, *own])
    signatures = {signature.assessment_id: signature for signature in valid}
    missing = [t for t in [*own, *tables] if t.pk not in signatures]
    if missing:
        raise AssessmentError(f"{missing[0].subject} 已签发但找不到有效的签发记录，不能报送。")
    filing = Filing.objects.create(
        department=department,
        year=year,
        filed_by=by,
        manifest={
            **build_manifest(tables, signatures),
            **own_manifest(own, signatures),
            **coverage.as_manifest(),
        },
    )
    _log(
        department,
        year,
        BureauEvent.Action.FILE,
        by=by,
        filing=filing,
        changes={"tables": len(tables)},
    )
    enqueue_on_commit(BUILD_FILING_PACKAGE, filing.pk)
    return filing


@transaction.atomic
def rebuild_package(filing_id: int, *, by: User) -> Filing:
    """Build a failed package again (the manifest is unchanged: the same files result)."""
    filing = (
        Filing.objects.select_for_update(of=("self",))
        .select_related("department__parent", "year")
        .get(pk=filing_id)
    )
    check(permissions.can_rebuild_package(by, filing))
    filing.package_status = Filing.PackageStatus.PENDING
    filing.package_error = ""
    filing.save(update_fields=["package_status", "package_error"])
    _log(filing.department, filing.year, BureauEvent.Action.REBUILD, by=by, filing=filing)
    enqueue_on_commit(BUILD_FILING_PACKAGE, filing.pk)
    return filing


@transaction.atomic
def return_filing(filing_id: int, *, by: User, reason: str) -> Filing:
    """The bureau sends a filing back; the tables stay signed (they reopen only one by one,
    through the reopen step, with its reason)."""
    filing = (
        Filing.objects.select_for_update(of=("self",))
        .select_related("department__parent", "year")
        .get(pk=filing_id)
    )
    check(permissions.can_return_filing(by, filing))
    reason = (reason or "").strip()
    if not reason:
        raise AssessmentError("退回报送时必须填写退回原因。")
    filing.status = Filing.Status.RETURNED
    filing.returned_by = by
    filing.returned_at = timezone.now()
    filing.return_reason = reason
    filing.save(update_fields=["status", "returned_by", "returned_at", "return_reason"])
    _log(
        filing.department,
        filing.year,
        BureauEvent.Action.RETURN,
        by=by,
        filing=filing,
        comment=reason,
    )
    where = f"{filing.department.name} {filing.year.year} 年度"
    notifications.tell(
        notifications.members([filing.department_id], Membership.Role.REVIEWER),
        title=f"【部门报送】{where}的报送已被退回",
        body=f"{filing.department.parent.name if filing.department.parent else '财政局'}退回了"
        f"{where}的报送。\n退回原因：{reason}\n请按原因修改后重新报送。",
        url=filing.get_absolute_url(),
    )
    return filing


# ---------------------------------------------------------------------------
# Sampling


@dataclass(frozen=True)
class Candidate:
    """A signed table of a filed department, as a sample may take it."""

    assessment_id: int
    signature_id: int
    department: str
    unit: str
    project: str
    budget: Decimal
    self_score: Decimal
    execution_rate: Decimal | None = None
    grade: str = ""


def candidates(bureau: Organisation, year: ReportingYear) -> list[Candidate]:
    """The tables a sample draws from, in a stable order: the filings in force of the bureau's
    departments, department by department, as each filing lists them."""
    filings = Filing.objects.filter(
        department__parent=bureau, year=year, status=Filing.Status.FILED
    ).select_related("department")
    found = []
    for filing in sorted(filings, key=lambda f: (f.department.name, f.pk)):
        for row in filing.manifest.get("tables", []):
            found.append(
                Candidate(
                    assessment_id=row["assessment"],
                    signature_id=row["signature"],
                    department=filing.department.name,
                    unit=row["unit"],
                    project=row["project"],
                    budget=Decimal(row.get("budget_yuan") or "0"),
                    self_score=Decimal(row.get("total_score") or "0"),
                    execution_rate=(
                        Decimal(row["execution_rate"])
                        if row.get("execution_rate") is not None
                        else None
                    ),
                    grade=row.get("grade") or "",
                )
            )
    return found


def random_selection(
    pool: Sequence[Candidate], share: Decimal, seed: int
) -> list[tuple[str, Candidate]]:
    """Stratified by department and by budget (above the department's median 全年预算数, or
    not), each stratum's share rounded half up, at least one from each non-empty stratum."""
    strata: list[tuple[str, list[Candidate]]] = []
    for department in dict.fromkeys(c.department for c in pool):
        own = [c for c in pool if c.department == department]
        above, rest = review_rules.budget_strata(own, lambda c: c.budget)
        strata.append((f"{department} · 预算高于中位数", above))
        strata.append((f"{department} · 预算不高于中位数", rest))
    return [(str(label), c) for label, c in review_rules.stratified_sample(strata, share, seed)]


def risk_first_selection(
    pool: Sequence[Candidate], share: Decimal, seed: int, year: ReportingYear
) -> list[tuple[str, Candidate]]:
    """The share of the pool, the tables with risk findings first (rules.risk)."""
    from .risk import assess

    assessed = assess(pool, rules.get_rule_set(year.rule_set))
    counts = {item.candidate.assessment_id: item.count for item in assessed}
    chosen = risk_rules.risk_first_sample(pool, lambda c: counts[c.assessment_id], share, seed)
    return [
        (f"{c.department} · {'有风险提示' if counts[c.assessment_id] else '随机'}", c)
        for c in chosen
    ]


@transaction.atomic
def create_sample(
    bureau_id: int,
    year_id: int,
    *,
    by: User,
    margin: Decimal,
    assessment_ids: Sequence[int] = (),
    share: Decimal | None = None,
    seed: int | None = None,
    risk_first: bool = False,
) -> ReviewSample:
    """A sample by hand (assessment_ids), at random (share and seed), or at random with the
    tables that have risk findings first (risk_first)."""
    bureau = Organisation.objects.select_for_update(of=("self",)).get(pk=bureau_id)
    year = ReportingYear.objects.get(pk=year_id)
    check(permissions.can_sample(by, bureau))
    pool = candidates(bureau, year)
    if not pool:
        raise AssessmentError(f"{year.year} 年度还没有部门报送，没有可抽查的自评表。")
    if share is not None:
        if seed is None:
            raise AssessmentError("随机抽取需要随机种子。")
        if risk_first:
            chosen = risk_first_selection(pool, share, seed, year)
            method = ReviewSample.Method.RISK
        else:
            chosen = random_selection(pool, share, seed)
            method = ReviewSample.Method.RANDOM
    else:
        by_id = {c.assessment_id: c for c in pool}
        outside = [pk for pk in assessment_ids if pk not in by_id]
        if outside:
            raise AssessmentError("所选自评表不在已报送部门的已签发自评表中，不能抽查。")
        if not assessment_ids:
            raise AssessmentError("请至少选择一张自评表。")
        chosen = [(by_id[pk].department, by_id[pk]) for pk in dict.fromkeys(assessment_ids)]
        method = ReviewSample.Method.MANUAL
    sample = ReviewSample.objects.create(
        bureau=bureau,
        year=year,
        method=method,
        share=share,
        seed=seed,
        margin=margin,
        created_by=by,
    )
    SampledTable.objects.bulk_create(
        SampledTable(
            sample=sample,
            assessment_id=c.assessment_id,
            signature_id=c.signature_id,
            stratum=label,
            self_score=c.self_score,
        )
        for label, c in chosen
    )
    _log(
        bureau,
        year,
        BureauEvent.Action.SAMPLE,
        by=by,
        sample=sample,
        changes={
            "method": method,
            "share": _amount(share),
            "seed": seed,
            "assessments": [c.assessment_id for _, c in chosen],
        },
    )
    return sample


# ---------------------------------------------------------------------------
# 复核


@dataclass(frozen=True)
class IndicatorReview:
    position: int
    score: Decimal
    remark: str = ""


def signed_rows(signature: Signature) -> list[dict]:
    """The indicator rows of the signed snapshot, positions from 1."""
    return list(signature.snapshot.get("indicators", []))


def self_scores(signature: Signature) -> tuple[Decimal, list[Decimal | None]]:
    """The signed self scores a 复核 starts from: the funds row's (as the signed copy prints
    it) and each indicator row's, by position."""
    _, _, evaluation = signed_evaluation(signature)
    return evaluation.budget_score, [
        Decimal(row["score"]) if row.get("score") is not None else None
        for row in signed_rows(signature)
    ]


def unexplained_message(positions: Sequence[int], rows: Sequence[dict]) -> str:
    names = "、".join(
        "预算执行" if p == 0 else f"第 {p} 项“{rows[p - 1]['name']}”" for p in positions
    )
    return f"{names}的复核得分与自评得分不同，请填写复核说明（改动的理由）。"


@transaction.atomic
def save_review(
    sampled_id: int,
    *,
    by: User,
    budget_score: Decimal,
    indicators: Sequence[IndicatorReview],
    remark: str = "",
    budget_remark: str = "",
) -> ReviewScore:
    """Record or replace the 复核 of one sampled table. Only the review rows change. A score
    that differs from the signed self score needs a reason."""
    sampled = (
        SampledTable.objects.select_for_update(of=("self",))
        .select_related("sample__bureau", "sample__year", "signature")
        .get(pk=sampled_id)
    )
    check(permissions.can_rescore(by, sampled))
    refuse_if_signed(sampled)
    rows = signed_rows(sampled.signature)
    if sorted(i.position for i in indicators) != list(range(1, len(rows) + 1)):
        raise AssessmentError("复核得分须逐项填写签发内容中的每一项指标。")
    budget_weight = Decimal(sampled.signature.snapshot.get("budget_weight") or "0")
    if budget_score > budget_weight:
        raise AssessmentError(f"预算执行复核得分 {budget_score} 超过分值 {budget_weight}。")
    for item in indicators:
        row = rows[item.position - 1]
        weight = Decimal(row["weight"]) if row.get("weight") is not None else None
        if weight is not None and item.score > weight:
            raise AssessmentError(
                f"第 {item.position} 项指标“{row['name']}”的复核得分 {item.score} "
                f"超过分值 {weight}。"
            )
    self_budget, self_indicators = self_scores(sampled.signature)
    unexplained = review_rules.unexplained_changes(
        [review_rules.ScoreChange(0, self_budget, budget_score, budget_remark)]
        + [
            review_rules.ScoreChange(i.position, self_indicators[i.position - 1], i.score, i.remark)
            for i in sorted(indicators, key=lambda i: i.position)
        ]
    )
    if unexplained:
        raise AssessmentError(unexplained_message(unexplained, rows))
    total = review_rules.review_total(budget_score, (i.score for i in indicators))
    review, created = ReviewScore.objects.update_or_create(
        sampled=sampled,
        defaults={
            "reviewer": by,
            "budget_score": budget_score,
            "budget_remark": budget_remark.strip(),
            "remark": remark.strip(),
            "total_score": total,
        },
    )
    review.indicators.all().delete()
    ReviewIndicatorScore.objects.bulk_create(
        ReviewIndicatorScore(
            review=review,
            position=item.position,
            name=rows[item.position - 1]["name"],
            score=item.score,
            remark=item.remark.strip(),
        )
        for item in sorted(indicators, key=lambda i: i.position)
    )
    _log(
        sampled.sample.bureau,
        sampled.sample.year,
        BureauEvent.Action.REVIEW,
        by=by,
        sample=sampled.sample,
        assessment_id=sampled.assessment_id,
        changes={
            "budget_score": str(budget_score),
            "indicators": {str(i.position): str(i.score) for i in indicators},
            "total_score": str(total),
            "first": created,
        },
    )
    return review
