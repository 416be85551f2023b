"""Workflow steps (POST only), comments pinned to cells, and the dashboard after sign-in."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from .. import permissions, services
from ..models import Assessment, Comment, Membership, Organisation, ReportingYear
from ..permissions import get_assessment_for_user
from ..querysets import memberships_of


def _run(request, assessment, step, success):
    try:
        step()
    except services.AssessmentError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return redirect(assessment)


@login_required
@require_POST
def submit(request, pk):
    assessment = get_assessment_for_user(request, pk)
    return _run(
        request,
        assessment,
        lambda: services.submit_assessment(assessment.pk, by=request.user),
        "已提交审核。",
    )


@login_required
@require_POST
def return_for_revision(request, pk):
    assessment = get_assessment_for_user(request, pk)
    return _run(
        request,
        assessment,
        lambda: services.return_assessment(
            assessment.pk, by=request.user, reason=request.POST.get("reason", "")
        ),
        "已退回填报人修改。",
    )


@login_required
@require_POST
def sign_off(request, pk):
    assessment = get_assessment_for_user(request, pk)
    return _run(
        request,
        assessment,
        lambda: services.sign_off_assessment(
            assessment.pk, by=request.user, comment=request.POST.get("comment", "")
        ),
        "已签发。签发内容已锁定，其摘要可用于核验。",
    )


@login_required
@require_POST
def reopen(request, pk):
    assessment = get_assessment_for_user(request, pk)
    return _run(
        request,
        assessment,
        lambda: services.reopen_assessment(
            assessment.pk, by=request.user, reason=request.POST.get("reason", "")
        ),
        "已重新打开，原签发作废。",
    )


@login_required
@require_POST
def add_comment(request, pk):
    assessment = get_assessment_for_user(request, pk)
    return _run(
        request,
        assessment,
        lambda: services.add_comment(
            assessment.pk,
            by=request.user,
            target=request.POST.get("target", ""),
            text=request.POST.get("text", ""),
        ),
        "批注已添加。",
    )


@login_required
@require_POST
def answer_comment(request, pk, comment_pk):
    assessment = get_assessment_for_user(request, pk)
    comment = get_object_or_404(Comment, pk=comment_pk, assessment=assessment, parent__isnull=True)
    try:
        services.answer_comment(comment.pk, by=request.user, text=request.POST.get("text", ""))
    except services.AssessmentError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "已答复批注。")
    back = request.POST.get("next", "")
    # Back to a page of this table only (its detail page or a wizard step), never elsewhere.
    if back.startswith(assessment.get_absolute_url()):
        return redirect(back)
    return redirect(assessment)


# ---------------------------------------------------------------------------
# Dashboard


@login_required
def dashboard(request):
    user = request.user
    visible = Assessment.objects.for_table().visible_to(user)
    memberships = memberships_of(user)
    reviewer_of = [m.organisation_id for m in memberships if m.role == Membership.Role.REVIEWER]
    preparer_of = [m.organisation_id for m in memberships if m.role == Membership.Role.PREPARER]
    reviewer_scope = Q(project__unit_id__in=reviewer_of) | Q(
        project__unit__parent_id__in=reviewer_of
    )
    if user.is_superuser:
        reviewer_scope = Q()
    to_review = (
        visible.filter(reviewer_scope, status=Assessment.Status.SUBMITTED)
        if reviewer_of or user.is_superuser
        else visible.none()
    )
    mine = visible.filter(
        project__unit_id__in=preparer_of,
        status__in=[Assessment.Status.DRAFT, Assessment.Status.RETURNED],
    )
    year = ReportingYear.objects.filter(is_open=True).order_by("-year").first()
    departments = [
        m.organisation
        for m in memberships
        if m.role == Membership.Role.REVIEWER
        and m.organisation.kind == Organisation.Kind.DEPARTMENT
    ]
    overview = []
    if year and departments:
        counts = (
            Assessment.objects.filter(year=year, project__unit__parent__in=departments)
            .values("project__unit__name")
            .annotate(
                total=Count("pk"),
                **{
                    status: Count("pk", filter=Q(status=status))
                    for status in Assessment.Status.values
                },
            )
            .order_by("project__unit__name")
        )
        overview = list(counts)
    # A new year starts from the last one: its projects that have no table yet this year.
    to_start = []
    if year and preparer_of:
        started = Assessment.objects.filter(year=year).values("project_id")
        to_start = list(
            Assessment.objects.for_table()
            .filter(year__year=year.year - 1, project__unit_id__in=preparer_of)
            .exclude(project_id__in=started)
            .order_by("project__unit__name", "project__name")[:100]
        )
    days_left = (year.deadline - timezone.localdate()).days if year and year.deadline else None
    return render(
        request,
        "assessments/dashboard.html",
        {
            "to_start": to_start,
            "is_preparer": bool(preparer_of),
            "days_left": days_left,
            "to_review": to_review.order_by("updated_at")[:50],
            "drafts": mine.filter(status=Assessment.Status.DRAFT).order_by("-updated_at")[:50],
            "returned": mine.filter(status=Assessment.Status.RETURNED).order_by("-updated_at")[:50],
            "year": year,
            "overview": overview,
            "statuses": Assessment.Status.choices,
            "can_create": permissions.prepares_anywhere(user),
            "is_reviewer": bool(reviewer_of) or user.is_superuser,
            "recent": visible.order_by("-updated_at")[:10],
        },
    )
