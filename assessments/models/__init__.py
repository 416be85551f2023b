"""What is stored, with the querysets beside their models.

- accounts: the codes that let a second factor be enrolled
- organisations: organisations, memberships, reporting years, projects
- assessments: assessments and their indicator rows
- records: signatures and signing keys, the event log, comments
- operations: rate-limit counts, books
- bureau: departments' filings, review samples, 复核 scores and their log
- cycle: deadlines, exceptions, reminders, notices
- followup: rectification requests (整改) and their log, result applications (结果应用)
- publication: a department's year published as signed (公开), its log, 决算 approval dates
"""

from .accounts import EnrolmentCode
from .assessments import (
    AMOUNT,
    POINTS,
    Assessment,
    AssessmentQuerySet,
    Indicator,
    in_yuan,
)
from .bureau import (
    BureauEvent,
    Filing,
    FilingExemption,
    ReviewIndicatorScore,
    ReviewSample,
    ReviewScore,
    ReviewSignature,
    SampledTable,
)
from .cycle import (
    Deadline,
    DeadlineException,
    JobRun,
    Notice,
    NoticeSettings,
    Reminder,
)
from .followup import (
    Rectification,
    RectificationEvent,
    RectificationQuerySet,
    ResultApplication,
)
from .monitoring import MonitoringRound
from .operations import Book, ThrottleHit
from .organisations import (
    Membership,
    Organisation,
    Project,
    ReportingYear,
    memberships_of,
    visible_organisations,
)
from .publication import (
    FinalAccounts,
    FrozenPublication,
    Publication,
    PublicationEvent,
    PublicationItem,
    PublicationQuerySet,
)
from .records import (
    AssessmentEvent,
    Comment,
    CommentQuerySet,
    LegacySignature,
    OrganisationEvent,
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
    "BureauEvent",
    "Comment",
    "CommentQuerySet",
    "Deadline",
    "DeadlineException",
    "EnrolmentCode",
    "Filing",
    "FilingExemption",
    "FinalAccounts",
    "FrozenPublication",
    "Indicator",
    "JobRun",
    "LegacySignature",
    "Membership",
    "MonitoringRound",
    "Notice",
    "NoticeSettings",
    "Organisation",
    "OrganisationEvent",
    "Project",
    "Publication",
    "PublicationEvent",
    "PublicationItem",
    "PublicationQuerySet",
    "Rectification",
    "RectificationEvent",
    "RectificationQuerySet",
    "Reminder",
    "ReportingYear",
    "ResultApplication",
    "ReviewIndicatorScore",
    "ReviewSample",
    "ReviewScore",
    "ReviewSignature",
    "SampledTable",
    "Signature",
    "SignatureQuerySet",
    "SigningKey",
    "TargetAdjustment",
    "ThrottleHit",
    "in_yuan",
    "memberships_of",
    "visible_organisations",
]
