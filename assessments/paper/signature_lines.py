"""The 填报人 and 审核人 lines at the foot of a table: who prepared and who signed it, and when."""

from collections.abc import Iterable
from dataclasses import dataclass

from ..formats import chinese_date, display_name
from ..models import Assessment, AssessmentEvent, Signature


@dataclass(frozen=True)
class Person:
    name: str
    date: str


@dataclass(frozen=True)
class SignatureBlock:
    """Who prepared and who reviewed the table, and when; blank lines are signed by hand."""

    preparer: Person | None = None
    reviewer: Person | None = None


def signature_block(
    assessment: Assessment,
    signature: Signature | None = None,
    *,
    events: Iterable[AssessmentEvent] | None = None,
) -> SignatureBlock:
    """The 填报人 who last submitted the table and the 审核人 of its valid signature.

    For a signed version the submission before the signing counts, so that a later
    reopening does not change what the signed copy says. `events`: the table's whole log
    with its actors, where the caller has read it already (the detail page's history).
    """
    if signature is None:
        signature = assessment.valid_signature()
    if events is None:
        events = AssessmentEvent.objects.filter(
            assessment_id=assessment.pk, action=AssessmentEvent.Action.SUBMIT
        ).select_related("actor")
    submission = max(
        (
            event
            for event in events
            if event.action == AssessmentEvent.Action.SUBMIT
            and (signature is None or event.created_at <= signature.signed_at)
        ),
        key=lambda event: (event.created_at, event.pk),
        default=None,
    )
    preparer = reviewer = None
    if submission is not None and submission.actor is not None:
        preparer = Person(display_name(submission.actor), chinese_date(submission.created_at))
    if signature is not None and signature.signed_by_id is not None:
        reviewer = Person(display_name(signature.signed_by), chinese_date(signature.signed_at))
    return SignatureBlock(preparer, reviewer)
