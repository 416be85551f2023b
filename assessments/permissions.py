"""Who may do what with an assessment; views fetch through here and never query on their own.

Each can_<action>(user, …) returns (allowed, reason); the services ask the same functions, so
hiding a button is never the only guard.
"""

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from .models import (
    Assessment,
    AssessmentQuerySet,
    Membership,
    Organisation,
    TargetAdjustment,
    memberships_of,
)

# Whoever asks: a signed-in user, or nobody yet (request.user before signing in).
AnyUser = User | AnonymousUser

EDITABLE_STATUSES = (Assessment.Status.DRAFT, Assessment.Status.RETURNED)


def has_role(user: AnyUser, organisation: Organisation, role: str) -> bool:
    """Whether the user holds the role in the organisation itself (not through a parent)."""
    if not user.is_authenticated:
        return False
    return any(
        membership.organisation_id == organisation.pk and membership.role == role
        for membership in memberships_of(user)
    )


def prepares_anywhere(user: AnyUser) -> bool:
    """Whether the user may start tables in some unit (shows the 新建 button)."""
    return user.is_superuser or any(
        m.role == Membership.Role.PREPARER for m in memberships_of(user)
    )


def preparer_units(user: User) -> QuerySet[Organisation]:
    """The units in which the user may create and fill in tables."""
    if user.is_superuser:
        return Organisation.objects.filter(kind=Organisation.Kind.UNIT)
    return Organisation.objects.filter(
        kind=Organisation.Kind.UNIT,
        members__user=user,
        members__role=Membership.Role.PREPARER,
    ).distinct()


def can_create_in(user: AnyUser, unit: Organisation) -> tuple[bool, str]:
    if user.is_superuser or has_role(user, unit, Membership.Role.PREPARER):
        return True, ""
    return False, "只有本单位的填报人可以新建自评表。"


def can_edit(user: AnyUser, assessment: Assessment) -> tuple[bool, str]:
    if not (user.is_superuser or has_role(user, assessment.project.unit, Membership.Role.PREPARER)):
        return False, f"只有本单位的填报人可以修改这张{assessment.kind_label}。"
    if assessment.status not in EDITABLE_STATUSES:
        return False, f"这张{assessment.kind_label}{assessment.status_label}，不能修改。"
    return True, ""


def get_assessment_for_user(
    request: HttpRequest,
    pk: int,
    *,
    write: bool = False,
    queryset: AssessmentQuerySet | None = None,
) -> Assessment:
    """The assessment if the user may see it (404 otherwise, so nothing leaks);
    with write=True, 403 when she may see it but not change it."""
    queryset = queryset if queryset is not None else Assessment.objects.for_table()
    assessment = queryset.visible_to(request.user).filter(pk=pk).first()
    if assessment is None:
        raise Http404("没有这张自评表。")
    if write:
        allowed, reason = can_edit(request.user, assessment)
        if not allowed:
            raise PermissionDenied(reason)
    return assessment


# ---------------------------------------------------------------------------
# The workflow


def _is_preparer(user: AnyUser, assessment: Assessment) -> bool:
    return user.is_superuser or has_role(user, assessment.project.unit, Membership.Role.PREPARER)


def _is_reviewer(user: AnyUser, assessment: Assessment) -> bool:
    unit = assessment.project.unit
    return (
        user.is_superuser
        or has_role(user, unit, Membership.Role.REVIEWER)
        or (unit.parent is not None and has_role(user, unit.parent, Membership.Role.REVIEWER))
    )


def _is_department_reviewer(user: AnyUser, assessment: Assessment) -> bool:
    parent = assessment.project.unit.parent
    return user.is_superuser or bool(parent and has_role(user, parent, Membership.Role.REVIEWER))


def can_submit(user: AnyUser, assessment: Assessment) -> tuple[bool, str]:
    if not _is_preparer(user, assessment):
        return False, "只有本单位的填报人可以提交。"
    if assessment.status not in EDITABLE_STATUSES:
        return False, f"这张{assessment.kind_label}{assessment.status_label}，不能提交。"
    return True, ""


def can_return(user: AnyUser, assessment: Assessment) -> tuple[bool, str]:
    if not _is_reviewer(user, assessment):
        return False, "只有审核人可以退回。"
    if assessment.status != Assessment.Status.SUBMITTED:
        return False, "只有已提交的自评表可以退回。"
    return True, ""


def can_comment(user: AnyUser, assessment: Assessment) -> tuple[bool, str]:
    if not _is_reviewer(user, assessment):
        return False, "只有审核人可以添加批注。"
    if assessment.status != Assessment.Status.SUBMITTED:
        return False, "只能在审核中（已提交）的自评表上添加批注。"
    return True, ""


def can_answer(user: AnyUser, assessment: Assessment) -> tuple[bool, str]:
    if not _is_preparer(user, assessment):
        return False, "只有本单位的填报人可以答复批注。"
    if assessment.status not in EDITABLE_STATUSES:
        return False, "只能在退回后答复批注。"
    return True, ""


def has_prepared(user: User, assessment: Assessment) -> bool:
    """Whether the user created, edited or submitted this table (then she may not sign it)."""
    from .models import AssessmentEvent

    if assessment.updated_by_id == user.pk:
        return True
    return assessment.events.filter(
        actor=user,
        action__in=[
            AssessmentEvent.Action.CREATE,
            AssessmentEvent.Action.EDIT,
            AssessmentEvent.Action.SUBMIT,
        ],
    ).exists()


def can_sign_off(user: User, assessment: Assessment) -> tuple[bool, str]:
    if not _is_reviewer(user, assessment):
        return False, "只有审核人可以签发。"
    if assessment.status != Assessment.Status.SUBMITTED:
        return False, "只有已提交的自评表可以签发。"
    if has_prepared(user, assessment):
        return False, "您填报或修改过这张自评表，不能由您本人签发。"
    return True, ""


def can_withdraw(user: AnyUser, assessment: Assessment) -> tuple[bool, str]:
    """The preparer takes a submitted table back, until a reviewer has acted on it."""
    from .models import AssessmentEvent

    if not _is_preparer(user, assessment):
        return False, "只有本单位的填报人可以撤回。"
    if assessment.status != Assessment.Status.SUBMITTED:
        return False, "只有已提交、尚未审核的自评表可以撤回。"
    submitted = (
        assessment.events.filter(action=AssessmentEvent.Action.SUBMIT)
        .order_by("-created_at", "-pk")
        .values_list("created_at", flat=True)
        .first()
    )
    reviewed = assessment.events.filter(action=AssessmentEvent.Action.COMMENT)
    if submitted is not None and reviewed.filter(created_at__gte=submitted).exists():
        return False, "审核人已开始审核（已有批注），不能撤回；请联系审核人退回。"
    return True, ""


def can_reopen(user: AnyUser, assessment: Assessment) -> tuple[bool, str]:
    if not _is_department_reviewer(user, assessment):
        return False, "只有主管部门的审核人或管理员可以重新打开已签发的自评表。"
    if assessment.status != Assessment.Status.SIGNED_OFF:
        return False, "只有已签发的自评表可以重新打开。"
    return True, ""


# ---------------------------------------------------------------------------
# Target adjustments (目标调整)


def can_request_adjustment(user: AnyUser, assessment: Assessment) -> tuple[bool, str]:
    """The preparer asks for new targets of a self-assessment that started from approved ones."""
    if not _is_preparer(user, assessment):
        return False, "只有本单位的填报人可以申请目标调整。"
    if not assessment.targets_locked:
        return False, "这张表的目标未经审批，可直接修改，无需申请目标调整。"
    if assessment.status not in EDITABLE_STATUSES:
        return False, f"这张{assessment.kind_label}{assessment.status_label}，不能申请目标调整。"
    if assessment.adjustments.pending().exists():
        return False, "已有一项目标调整待审批，审批后才能再次申请。"
    return True, ""


def can_decide_adjustment(user: AnyUser, adjustment: TargetAdjustment) -> tuple[bool, str]:
    """A reviewer of the unit or the department, not the requester, approves or rejects."""
    if not _is_reviewer(user, adjustment.assessment):
        return False, "只有本单位或主管部门的审核人可以审批目标调整。"
    if adjustment.status != adjustment.Status.PENDING:
        return False, f"这项目标调整{adjustment.get_status_display()}，不能再审批。"
    if adjustment.requested_by_id == user.pk:
        return False, "不能审批本人申请的目标调整。"
    return True, ""


def allowed_actions(user: User, assessment: Assessment) -> dict[str, bool]:
    """The workflow buttons to offer on a page (the services check again)."""
    checks = {
        "edit": can_edit,
        "submit": can_submit,
        "return": can_return,
        "comment": can_comment,
        "answer": can_answer,
        "sign_off": can_sign_off,
        "reopen": can_reopen,
        "withdraw": can_withdraw,
        "request_adjustment": can_request_adjustment,
    }
    return {name: check(user, assessment)[0] for name, check in checks.items()}
