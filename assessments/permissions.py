"""Who may do what with an assessment; views fetch through here and never query on their own.

Each can_<action>(user, …) returns (allowed, reason); the services ask the same functions, so
hiding a button is never the only guard.
"""

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from . import deadlines
from .models import (
    Assessment,
    AssessmentEvent,
    AssessmentQuerySet,
    DeadlineException,
    Filing,
    Membership,
    MonitoringRound,
    Organisation,
    Publication,
    Rectification,
    ReportingYear,
    SampledTable,
    TargetAdjustment,
    memberships_of,
)
from .prepared import Prepared

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


def preparer_organisations(user: User) -> QuerySet[Organisation]:
    """Where the user may start tables: her units, and the departments whose own tables
    (部门整体) she prepares."""
    kinds_ = [Organisation.Kind.UNIT, Organisation.Kind.DEPARTMENT]
    if user.is_superuser:
        return Organisation.objects.filter(kind__in=kinds_)
    return Organisation.objects.filter(
        kind__in=kinds_, members__user=user, members__role=Membership.Role.PREPARER
    ).distinct()


def preparer_units(user: User) -> QuerySet[Organisation]:
    """The units in which the user may create and fill in tables."""
    if user.is_superuser:
        return Organisation.objects.filter(kind=Organisation.Kind.UNIT)
    return Organisation.objects.filter(
        kind=Organisation.Kind.UNIT,
        members__user=user,
        members__role=Membership.Role.PREPARER,
    ).distinct()


def can_create_in(
    user: AnyUser, unit: Organisation, year: ReportingYear | None = None
) -> tuple[bool, str]:
    """With a year, also whether the unit's entry for that year is still open."""
    if not (user.is_superuser or has_role(user, unit, Membership.Role.PREPARER)):
        return False, "只有本单位的填报人可以新建自评表。"
    return _entry_open(unit, year) if year is not None else (True, "")


def _entry_open(unit: Organisation, year: ReportingYear) -> tuple[bool, str]:
    """The year is open and its 填报截止 not passed, or an exception is in force."""
    reason = deadlines.entry_refusal(unit, year)
    return (not reason, reason)


def _year_open(assessment: Assessment) -> tuple[bool, str]:
    reason = deadlines.closed_year_reason(assessment.year)
    return (not reason, reason)


def can_edit(user: AnyUser, assessment: Assessment) -> tuple[bool, str]:
    if not (user.is_superuser or has_role(user, assessment.unit, Membership.Role.PREPARER)):
        return False, f"只有本单位的填报人可以修改这张{assessment.kind_label}。"
    if assessment.status not in EDITABLE_STATUSES:
        return False, f"这张{assessment.kind_label}{assessment.status_label}，不能修改。"
    return _entry_open(assessment.unit, assessment.year)


def _by_key(queryset: AssessmentQuerySet, pk: int) -> QuerySet:
    # Unordered: one row at most, and an ORDER BY over the many columns read costs more to
    # write than the query takes to run.
    return queryset.filter(pk=pk).order_by()[:1]


# The table by its key, with what its page shows (for_table) or its rows as well (with_tree):
# the two statements nearly every request about a table runs, compiled once.
_TABLE = Prepared(lambda pk: _by_key(Assessment.objects.for_table(), pk))
_TREE = Prepared(lambda pk: _by_key(Assessment.objects.with_tree(), pk))


def get_assessment_for_user(
    request: HttpRequest,
    pk: int,
    *,
    write: bool = False,
    tree: bool = False,
    queryset: AssessmentQuerySet | None = None,
) -> Assessment:
    """The assessment if the user may see it (404 otherwise, so nothing leaks);
    with write=True, 403 when she may see it but not change it. Read with what its page
    shows (for_table), with its indicator rows as well (tree=True), or from `queryset`."""
    # Read by its key and checked here: the check needs no query of its own (for_table()
    # reads the organisations it looks at).
    prepared = _TREE if tree else _TABLE
    found = prepared(pk) if queryset is None else list(_by_key(queryset, pk))
    assessment = found[0] if found else None
    if assessment is None or not assessment.is_visible_to(request.user):
        raise Http404("没有这张自评表。")
    if write:
        allowed, reason = can_edit(request.user, assessment)
        if not allowed:
            raise PermissionDenied(reason)
    return assessment


# ---------------------------------------------------------------------------
# The workflow


def _is_preparer(user: AnyUser, assessment: Assessment) -> bool:
    return user.is_superuser or has_role(user, assessment.unit, Membership.Role.PREPARER)


def _is_reviewer(user: AnyUser, assessment: Assessment) -> bool:
    # The unit's reviewers and its department's; a department's own table: the department's.
    department = assessment.department
    return (
        user.is_superuser
        or has_role(user, assessment.unit, Membership.Role.REVIEWER)
        or (department is not None and has_role(user, department, Membership.Role.REVIEWER))
    )


def _is_department_reviewer(user: AnyUser, assessment: Assessment) -> bool:
    parent = assessment.department
    return user.is_superuser or bool(parent and has_role(user, parent, Membership.Role.REVIEWER))


def review_level(user: AnyUser, assessment: Assessment) -> str:
    """The level a reviewer approves for: "department" (the unit's department) or "unit"."""
    return "department" if _is_department_reviewer(user, assessment) else "unit"


def can_submit(user: AnyUser, assessment: Assessment) -> tuple[bool, str]:
    if not _is_preparer(user, assessment):
        return False, "只有本单位的填报人可以提交。"
    if assessment.status not in EDITABLE_STATUSES:
        return False, f"这张{assessment.kind_label}{assessment.status_label}，不能提交。"
    return _entry_open(assessment.unit, assessment.year)


def can_return(user: AnyUser, assessment: Assessment) -> tuple[bool, str]:
    if not _is_reviewer(user, assessment):
        return False, "只有审核人可以退回。"
    if assessment.status != Assessment.Status.SUBMITTED:
        return False, "只有已提交的自评表可以退回。"
    return _year_open(assessment)


def can_comment(user: AnyUser, assessment: Assessment) -> tuple[bool, str]:
    if not _is_reviewer(user, assessment):
        return False, "只有审核人可以添加批注。"
    if assessment.status != Assessment.Status.SUBMITTED:
        return False, "只能在审核中（已提交）的自评表上添加批注。"
    return _year_open(assessment)


def can_answer(user: AnyUser, assessment: Assessment) -> tuple[bool, str]:
    if not _is_preparer(user, assessment):
        return False, "只有本单位的填报人可以答复批注。"
    if assessment.status not in EDITABLE_STATUSES:
        return False, "只能在退回后答复批注。"
    return _entry_open(assessment.unit, assessment.year)


def has_prepared(user: User, assessment: Assessment) -> bool:
    """Whether the user created, edited or submitted this table (then she may not sign it)."""
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
    return _year_open(assessment)


def can_withdraw(user: AnyUser, assessment: Assessment) -> tuple[bool, str]:
    """The preparer takes a submitted table back, until a reviewer has acted on it."""
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
    # A table taken back after 填报截止 could not be submitted again.
    return _entry_open(assessment.unit, assessment.year)


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
    if not assessment.targets_adjustable:
        return False, f"{assessment.kind_label}按已批准的目标填报；目标调整请在自评表中申请。"
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


# ---------------------------------------------------------------------------
# The finance bureau's desk: filings, samples, 复核
#
# A bureau's reviewer reads every table below the bureau (visible_to), files nothing and
# takes no step of the units' workflow: the checks above ask for a role in the unit or its
# department, which she does not hold.


def is_bureau_reviewer(user: AnyUser, bureau: Organisation | None) -> bool:
    if bureau is None or bureau.kind != Organisation.Kind.BUREAU:
        return False
    return user.is_superuser or has_role(user, bureau, Membership.Role.REVIEWER)


def reviewed_bureaus(user: AnyUser) -> QuerySet[Organisation]:
    """The finance bureaus in which the user may sample, re-score and read the reports."""
    bureaus = Organisation.objects.filter(kind=Organisation.Kind.BUREAU)
    if user.is_superuser:
        return bureaus
    if not user.is_authenticated:
        return bureaus.none()
    return bureaus.filter(members__user=user, members__role=Membership.Role.REVIEWER).distinct()


def filing_departments(user: AnyUser) -> QuerySet[Organisation]:
    """The departments whose year the user may file."""
    departments = Organisation.objects.filter(kind=Organisation.Kind.DEPARTMENT)
    if user.is_superuser:
        return departments
    if not user.is_authenticated:
        return departments.none()
    return departments.filter(members__user=user, members__role=Membership.Role.REVIEWER).distinct()


def can_file(user: AnyUser, department: Organisation) -> tuple[bool, str]:
    if department.kind != Organisation.Kind.DEPARTMENT:
        return False, "只有主管部门可以报送。"
    if not (user.is_superuser or has_role(user, department, Membership.Role.REVIEWER)):
        return False, "只有主管部门的审核人可以报送本部门的自评表。"
    if department.parent is None:
        return False, f"{department.name} 尚未设置上级财政局，不能报送；请联系系统管理员。"
    return True, ""


def can_return_filing(user: AnyUser, filing: Filing) -> tuple[bool, str]:
    if not is_bureau_reviewer(user, filing.department.parent):
        return False, "只有上级财政局的审核人可以退回部门报送。"
    if filing.status != Filing.Status.FILED:
        return False, "这次报送已退回，不能再次退回。"
    return True, ""


def can_rebuild_package(user: AnyUser, filing: Filing) -> tuple[bool, str]:
    department = filing.department
    if not (
        user.is_superuser
        or has_role(user, department, Membership.Role.REVIEWER)
        or is_bureau_reviewer(user, department.parent)
    ):
        return False, "只有报送部门或上级财政局的审核人可以重新生成报送材料。"
    if filing.package_status != Filing.PackageStatus.FAILED:
        return False, "报送材料没有生成失败，无需重新生成。"
    return True, ""


def can_sample(user: AnyUser, bureau: Organisation) -> tuple[bool, str]:
    if not is_bureau_reviewer(user, bureau):
        return False, "只有财政局的审核人可以抽查自评表。"
    return True, ""


def can_rescore(user: AnyUser, sampled: SampledTable) -> tuple[bool, str]:
    if not is_bureau_reviewer(user, sampled.sample.bureau):
        return False, "只有组织抽查的财政局的审核人可以复核评分。"
    return True, ""


# ---------------------------------------------------------------------------
# The year's cycle: deadlines and exceptions


def _reviews_organisation(user: AnyUser, organisation: Organisation) -> bool:
    """A reviewer of the organisation itself or of its department."""
    parent = organisation.parent
    return (
        user.is_superuser
        or has_role(user, organisation, Membership.Role.REVIEWER)
        or (parent is not None and has_role(user, parent, Membership.Role.REVIEWER))
    )


def can_set_deadline(user: AnyUser, organisation: Organisation) -> tuple[bool, str]:
    """A department's reviewer sets the deadlines of the department and of each of its units."""
    if organisation.kind == Organisation.Kind.BUREAU:
        return False, "填报期限由主管部门为本部门和所属单位设置。"
    department = (
        organisation if organisation.kind == Organisation.Kind.DEPARTMENT else organisation.parent
    )
    if user.is_superuser or (
        department is not None and has_role(user, department, Membership.Role.REVIEWER)
    ):
        return True, ""
    return False, "只有主管部门的审核人可以设置填报期限。"


def can_grant_exception(user: AnyUser, unit: Organisation) -> tuple[bool, str]:
    if unit.kind != Organisation.Kind.UNIT:
        return False, "延期只能批准给实施单位。"
    if not _reviews_organisation(user, unit):
        return False, "只有本单位或主管部门的审核人可以批准延期。"
    return True, ""


def can_revoke_exception(user: AnyUser, exception: DeadlineException) -> tuple[bool, str]:
    allowed, _ = can_grant_exception(user, exception.unit)
    if not allowed:
        return False, "只有本单位或主管部门的审核人可以撤销延期。"
    if exception.revoked_at is not None:
        return False, "这项延期已经撤销。"
    return True, ""


def locked_by_cycle(user: AnyUser, assessment: Assessment) -> str:
    """Why the preparer may not fill in this table only because of the year's cycle (a closed
    year, a passed 填报截止 without an exception); "" otherwise."""
    if not _is_preparer(user, assessment) or assessment.status not in EDITABLE_STATUSES:
        return ""
    return deadlines.entry_refusal(assessment.unit, assessment.year)


# ---------------------------------------------------------------------------
# After the review: 整改 and 结果应用
#
# The bureau's reviewer or the unit's department's reviewer issues a rectification and records
# how a result is applied; the unit's preparer or reviewer answers; the issuer decides.


def overseeing_organisation(user: AnyUser, unit: Organisation) -> Organisation | None:
    """The organisation in whose name the user oversees the unit: its department (as the
    department's reviewer) or the bureau above (as the bureau's reviewer); None otherwise."""
    department = unit.parent
    if department is None:
        return None
    if user.is_superuser or has_role(user, department, Membership.Role.REVIEWER):
        return department
    if is_bureau_reviewer(user, department.parent):
        return department.parent
    return None


def can_issue_rectification(user: AnyUser, unit: Organisation) -> tuple[bool, str]:
    if overseeing_organisation(user, unit) is None:
        return False, "只有上级主管部门或财政局的审核人可以发出整改通知。"
    return True, ""


def can_answer_rectification(user: AnyUser, rectification: Rectification) -> tuple[bool, str]:
    unit = rectification.unit
    if not (
        user.is_superuser
        or has_role(user, unit, Membership.Role.PREPARER)
        or has_role(user, unit, Membership.Role.REVIEWER)
    ):
        return False, "只有被通知单位的填报人或审核人可以答复整改。"
    if rectification.status not in Rectification.WITH_UNIT:
        return False, f"这份整改通知{rectification.get_status_display()}，不能再答复。"
    return True, ""


def can_decide_rectification(user: AnyUser, rectification: Rectification) -> tuple[bool, str]:
    if not (user.is_superuser or has_role(user, rectification.issuer, Membership.Role.REVIEWER)):
        return False, "只有发出整改通知的单位的审核人可以通过或退回整改。"
    if rectification.status != Rectification.Status.ANSWERED:
        return False, "单位答复整改结果后才能通过或退回。"
    return True, ""


def can_record_application(user: AnyUser, unit: Organisation) -> tuple[bool, str]:
    if overseeing_organisation(user, unit) is None:
        return False, "只有上级主管部门或财政局的审核人可以记录结果应用。"
    return True, ""


# ---------------------------------------------------------------------------
# 绩效信息公开: the department's reviewers prepare, approve and publish


def publishing_departments(user: AnyUser) -> QuerySet[Organisation]:
    """The departments whose publications the user prepares and approves."""
    return filing_departments(user)


def can_prepare_publication(user: AnyUser, department: Organisation) -> tuple[bool, str]:
    if department.kind != Organisation.Kind.DEPARTMENT:
        return False, "只有主管部门可以公开自评表。"
    if not (user.is_superuser or has_role(user, department, Membership.Role.REVIEWER)):
        return False, "只有主管部门的审核人可以准备公开。"
    return True, ""


def can_see_publication(user: AnyUser, publication: Publication) -> bool:
    return can_prepare_publication(user, publication.department)[0]


def can_edit_publication(user: AnyUser, publication: Publication) -> tuple[bool, str]:
    allowed, reason = can_prepare_publication(user, publication.department)
    if not allowed:
        return allowed, reason
    if publication.status != Publication.Status.DRAFT:
        return False, "只有草稿可以修改；已提交的公开请先退回。"
    return True, ""


def can_submit_publication(user: AnyUser, publication: Publication) -> tuple[bool, str]:
    return can_edit_publication(user, publication)


def can_approve_publication(user: AnyUser, publication: Publication) -> tuple[bool, str]:
    """公开审核: another reviewer of the department than the one who prepared it."""
    if not can_prepare_publication(user, publication.department)[0]:
        return False, "只有主管部门的审核人可以批准公开。"
    if publication.status != Publication.Status.SUBMITTED:
        return False, "只有已提交的公开可以批准或退回。"
    if user.pk == publication.created_by_id:
        return False, "准备公开的人不能批准自己的公开，请由部门负责审核人或另一位审核人批准。"
    return True, ""


def can_return_publication(user: AnyUser, publication: Publication) -> tuple[bool, str]:
    """A submitted publication goes back from its approver; an approved one not yet published
    from any reviewer of the department (a table may have been reopened since)."""
    if publication.status == Publication.Status.APPROVED:
        if not can_prepare_publication(user, publication.department)[0]:
            return False, "只有主管部门的审核人可以退回公开。"
        return True, ""
    return can_approve_publication(user, publication)


def can_publish(user: AnyUser, publication: Publication) -> tuple[bool, str]:
    allowed, reason = can_prepare_publication(user, publication.department)
    if not allowed:
        return allowed, reason
    if publication.status != Publication.Status.APPROVED:
        return False, "只有已批准的公开可以公开。"
    return True, ""


def can_correct_publication(user: AnyUser, publication: Publication) -> tuple[bool, str]:
    allowed, reason = can_prepare_publication(user, publication.department)
    if not allowed:
        return allowed, reason
    if publication.status != Publication.Status.PUBLISHED:
        return False, "只有已公开的版本可以更正。"
    if Publication.objects.filter(replaces=publication).exists():
        return False, "这一版已有更正版本，请更正最新的版本。"
    return True, ""


def can_record_final_accounts(user: AnyUser, department: Organisation) -> tuple[bool, str]:
    allowed, _ = can_prepare_publication(user, department)
    if not allowed:
        return False, "只有主管部门的审核人可以登记决算批复日期。"
    return True, ""


def can_open_monitoring(user: AnyUser, scope: Organisation) -> tuple[bool, str]:
    """A department's reviewer opens 运行监控 for its units; the bureau's for every
    department below it."""
    if Organisation.Kind(scope.kind) not in MonitoringRound.PROJECTS_BELOW:
        return False, "运行监控由主管部门或财政局发起。"
    if user.is_superuser or has_role(user, scope, Membership.Role.REVIEWER):
        return True, ""
    return False, "只有主管部门或财政局的审核人可以发起运行监控。"


def monitoring_scopes(user: AnyUser) -> QuerySet[Organisation]:
    """The departments and bureaus for which the user may open 运行监控."""
    scopes = Organisation.objects.filter(kind__in=list(MonitoringRound.PROJECTS_BELOW))
    if user.is_superuser:
        return scopes
    if not user.is_authenticated:
        return scopes.none()
    return scopes.filter(members__user=user, members__role=Membership.Role.REVIEWER).distinct()
