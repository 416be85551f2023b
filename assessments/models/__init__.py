"""What is stored, with the querysets beside their models.

- organisations: organisations, memberships, reporting years, projects
- assessments: assessments and their indicator rows
- records: signatures and signing keys, the event log, comments
- operations: rate-limit counts, books
"""

from .assessments import (
    AMOUNT,
    POINTS,
    Assessment,
    AssessmentQuerySet,
    Indicator,
    in_yuan,
)
from .operations import Book, ThrottleHit
from .organisations import (
    Membership,
    Organisation,
    Project,
    ReportingYear,
    memberships_of,
    visible_organisations,
)
from .records import (
    AssessmentEvent,
    Comment,
    CommentQuerySet,
    Signature,
    SignatureQuerySet,
    SigningKey,
    TargetAdjustment,
)

__all__ = [
    "AMOUNT",
    "POINTS",
    "Assessment",
    "AssessmentEvent",
    "AssessmentQuerySet",
    "Book",
    "Comment",
    "CommentQuerySet",
    "Indicator",
    "Membership",
    "Organisation",
    "Project",
    "ReportingYear",
    "Signature",
    "SignatureQuerySet",
    "SigningKey",
    "TargetAdjustment",
    "ThrottleHit",
    "in_yuan",
    "memberships_of",
    "visible_organisations",
]
