"""The 复核表 signed and reopened: the bureau's reviewer signs a finished 复核 as a table is
signed (trust.review_signing); a signed 复核 is not changed until it is reopened with a
reason, which voids the signature and is logged."""

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from .. import kinds, permissions
from ..kinds.review import ReviewSheet
from ..models import BureauEvent, ReviewScore, ReviewSignature, SampledTable
from ..trust import keys, review_signing
from . import AssessmentError, check

SHEET = kinds.signed(ReviewSheet.name)
SIGNED_REFUSAL = "复核表已签发，复核得分已锁定；如需修改，请先重新打开复核表并写明原因。"


def valid_signature(sampled: SampledTable) -> ReviewSignature | None:
    review = getattr(sampled, "review", None)
    if review is None:
        return None
    return review.signatures.valid().select_related("key", "signed_by").first()


def refuse_if_signed(sampled: SampledTable) -> None:
    """A signed 复核 cannot be changed (services.bureau.save_review asks first)."""
    if ReviewSignature.objects.valid().filter(review__sampled=sampled).exists():
        raise AssessmentError(SIGNED_REFUSAL)


def _locked(sampled_id: int) -> tuple[SampledTable, ReviewScore]:
    sampled = (
        SampledTable.objects.select_for_update(of=("self",))
        .select_related("sample__bureau", "sample__year", "signature")
        .get(pk=sampled_id)
    )
    review = ReviewScore.objects.filter(sampled=sampled).first()
    if review is None:
        raise AssessmentError("这张表还没有复核得分，保存复核得分后才能签发复核表。")
    return sampled, review


def _log(
    sampled: SampledTable,
    action: str,
    *,
    by: User,
    comment: str = "",
    changes: dict[str, str] | None = None,
) -> None:
    BureauEvent.objects.create(
        organisation=sampled.sample.bureau,
        year=sampled.sample.year,
        actor=by,
        action=action,
        sample=sampled.sample,
        assessment_id=sampled.assessment_id,
        comment=comment,
        changes=changes or {},
    )


@transaction.atomic
def sign_review(sampled_id: int, *, by: User) -> ReviewSignature:
    """Sign the 复核 as it is: refused while it is signed already or has no scores."""
    sampled, review = _locked(sampled_id)
    check(permissions.can_rescore(by, sampled))
    if review.signatures.valid().exists():
        raise AssessmentError("复核表已经签发，不能重复签发。")
    try:
        signature = review_signing.sign(review, by=by)
    except keys.SigningKeyMissing as error:
        raise AssessmentError(str(error)) from None
    _log(
        sampled,
        BureauEvent.Action.SIGN_REVIEW,
        by=by,
        changes={
            "content_hash": signature.content_hash,
            "total_score": str(review.total_score),
            "grade": signature.snapshot["review_grade"],
        },
    )
    return signature


@transaction.atomic
def reopen_review(sampled_id: int, *, by: User, reason: str) -> ReviewScore:
    """Void the 复核表's signature so that its scores can change again; the reason is logged
    and shown where the signature is checked."""
    sampled, review = _locked(sampled_id)
    check(permissions.can_rescore(by, sampled))
    reason = (reason or "").strip()
    if not reason:
        raise AssessmentError("重新打开复核表时必须填写原因。")
    signed = review.signatures.valid().first()
    if signed is None:
        raise AssessmentError("复核表尚未签发，无需重新打开。")
    ReviewSignature.objects.filter(pk=signed.pk).update(
        voided_at=timezone.now(), voided_by=by, void_reason=reason
    )
    _log(
        sampled,
        BureauEvent.Action.REOPEN_REVIEW,
        by=by,
        comment=reason,
        changes={"content_hash": signed.content_hash},
    )
    return review
