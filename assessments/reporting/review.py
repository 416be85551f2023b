"""A sampled table read for 复核: the signed figures row by row, the self score beside the
复核 score, and where they differ by more than the sample's margin."""

from dataclasses import dataclass
from decimal import Decimal

from .. import rules
from ..models import Assessment, ReviewSample, ReviewSignature, SampledTable
from ..prepared import Prepared
from ..rules import review as review_rules
from ..trust.copies import assessment_from_snapshot


@dataclass
class SignedTable:
    """The table as its signature covers it, read back from the snapshot and evaluated."""

    assessment: Assessment
    evaluation: rules.Evaluation


@dataclass
class ScoreRow:
    position: int  # 0: the funds row (预算执行)
    level1: str
    level2: str
    name: str
    target: str
    actual: str
    weight: Decimal | None
    self_score: Decimal | None
    review_score: Decimal | None = None
    remark: str = ""
    beyond_margin: bool = False

    @property
    def difference(self) -> Decimal | None:
        if self.self_score is None or self.review_score is None:
            return None
        return self.self_score - self.review_score


@dataclass
class Comparison:
    sampled: SampledTable
    entry: SignedTable
    rows: list[ScoreRow]
    self_total: Decimal
    review_total: Decimal | None
    total_beyond_margin: bool
    review_grade: str = ""  # 复核等级, by the rule that grades 自评; blank: not re-scored
    # The 复核表's signature in force (kinds.review), if it is signed.
    sheet_signature: ReviewSignature | None = None

    @property
    def self_grade(self) -> str:
        return self.entry.evaluation.grade

    @property
    def findings(self) -> list[ScoreRow]:
        return [row for row in self.rows if row.beyond_margin]

    @property
    def difference(self) -> Decimal | None:
        return None if self.review_total is None else self.self_total - self.review_total

    @property
    def execution_rate(self) -> Decimal | None:
        return self.entry.evaluation.execution_rate


def compare(sampled: SampledTable) -> Comparison:
    """`sampled` with its signature, sample and (if any) review with its rows loaded."""
    signed, indicators = assessment_from_snapshot(sampled.signature)
    evaluation = rules.evaluate(signed.rules_input(indicators))
    entry = SignedTable(signed, evaluation)
    margin = sampled.sample.margin
    review = getattr(sampled, "review", None)
    reviewed = {row.position: row for row in review.indicators.all()} if review else {}
    rows = [
        ScoreRow(
            position=0,
            level1="预算执行",
            level2="",
            name="预算执行率",
            target="",
            actual=rules.format_percent(evaluation.execution_rate),
            weight=signed.budget_weight,
            self_score=evaluation.budget_score,
            review_score=review.budget_score if review else None,
            remark=review.budget_remark if review else "",
        )
    ]
    for position, row in enumerate(sampled.signature.snapshot.get("indicators", []), start=1):
        mine = reviewed.get(position)
        rows.append(
            ScoreRow(
                position=position,
                level1=row["level1"],
                level2=row["level2"],
                name=row["name"],
                target=row["target"],
                actual=row["actual"],
                weight=Decimal(row["weight"]) if row.get("weight") is not None else None,
                self_score=Decimal(row["score"]) if row.get("score") is not None else None,
                review_score=mine.score if mine else None,
                remark=mine.remark if mine else "",
            )
        )
    for score_row in rows:
        score_row.beyond_margin = review_rules.exceeds_margin(
            score_row.self_score, score_row.review_score, margin
        )
    review_total = review.total_score if review else None
    return Comparison(
        sampled=sampled,
        entry=entry,
        rows=rows,
        self_total=evaluation.total_score,
        review_total=review_total,
        total_beyond_margin=review_rules.exceeds_margin(
            evaluation.total_score, review_total, margin
        ),
        review_grade=(
            ""
            if review_total is None
            else rules.grade_for(review_total, rules.get_rule_set(sampled.sample.year.rule_set))
        ),
        sheet_signature=(
            next((s for s in review.signatures.all() if s.voided_at is None), None)
            if review
            else None
        ),
    )


def sampled_tables(sample: ReviewSample):
    """The sample's tables with everything their rows show, in a fixed number of queries."""
    return (
        sample.tables.select_related(
            "assessment__project__unit__parent",
            "signature__signed_by",
            "signature__key",
            "review__reviewer",
        )
        .prefetch_related("review__indicators", "review__signatures")
        .order_by(
            "assessment__project__unit__parent__name", "assessment__project__unit__name", "pk"
        )
    )


def _drawn(assessment_id):
    return (
        SampledTable.objects.filter(assessment_id=assessment_id)
        .select_related("sample__bureau", "sample__year", "signature__key", "review")
        .prefetch_related("review__indicators", "review__signatures")
        .order_by("-sample__created_at", "-pk")
    )


# On the page of every table ever signed, compiled once (prepared).
_DRAWN = Prepared(_drawn)


def reviews_of(assessment_id: int) -> list[Comparison]:
    """The samples a table was drawn in, each with its 复核 if any (the table's page): the
    scores and grades side by side, as the sample's page shows them."""
    drawn = _DRAWN(assessment_id)
    return [compare(sampled) for sampled in drawn]
