"""The year's cycle: deadlines of a department and its units, exceptions granted to a unit."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from .. import deadlines, permissions, services
from ..forms.cycle import DeadlineForm, ExceptionForm
from ..models import (
    DeadlineException,
    Organisation,
    OrganisationEvent,
    ReportingYear,
    visible_organisations,
)
from ..services import cycle


def _organisation_for(request, pk):
    """The organisation if the user sees it (404), and may manage its cycle (403)."""
    organisation = (
        visible_organisations(request.user).select_related("parent").filter(pk=pk).first()
    )
    if organisation is None:
        raise Http404("没有这个单位。")
    may_set = permissions.can_set_deadline(request.user, organisation)[0]
    may_grant = permissions.can_grant_exception(request.user, organisation)[0]
    if not (may_set or may_grant):
        raise PermissionDenied("只有审核人可以管理填报期限和延期。")
    return organisation


def _year(year):
    return get_object_or_404(ReportingYear, year=year)


def _page_url(organisation, year):
    return reverse("assessments:deadlines", args=[organisation.pk, year.year])


def _show_errors(request, form):
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label}：{' '.join(errors)}" if label else " ".join(errors))


@login_required
@require_GET
def deadlines_page(request, pk, year):
    organisation = _organisation_for(request, pk)
    year = _year(year)
    now = deadlines.current_time()
    units = (
        list(organisation.units.order_by("name"))
        if organisation.kind == Organisation.Kind.DEPARTMENT
        else [organisation]
    )
    ids = [organisation.pk, *(u.pk for u in units)]
    if organisation.parent_id:
        ids.append(organisation.parent_id)
    rows = deadlines.rows_for(year, ids)
    exceptions = list(
        DeadlineException.objects.filter(year=year, unit__in=units)
        .select_related("unit", "granted_by", "revoked_by")
        .order_by("unit__name", "-granted_at")
    )
    today = timezone.localdate(now)
    listed = []
    for unit in units:
        due = deadlines.resolve(unit, year, rows)
        own = rows.get(unit.pk)
        listed.append(
            {
                "unit": unit,
                "due": due,
                "own": own,
                "days_left": due.days_left(today),
                "closed": due.entry_closed(now),
                "exceptions": [e for e in exceptions if e.unit_id == unit.pk],
                "in_force": any(
                    e.revoked_at is None and e.until > now
                    for e in exceptions
                    if e.unit_id == unit.pk
                ),
                "may_set": permissions.can_set_deadline(request.user, unit)[0],
                "may_grant": permissions.can_grant_exception(request.user, unit)[0],
            }
        )
    own_row = rows.get(organisation.pk)
    initial = {"entry_due": own_row.entry_due, "review_due": own_row.review_due} if own_row else {}
    logged = [organisation.pk, *(u.pk for u in units), *filter(None, [organisation.parent_id])]
    events = (
        OrganisationEvent.objects.filter(year=year, organisation_id__in=logged)
        .select_related("organisation", "actor")
        .order_by("-created_at", "-pk")[:50]
    )
    return render(
        request,
        "assessments/deadlines.html",
        {
            "organisation": organisation,
            "is_unit": organisation.kind == Organisation.Kind.UNIT,
            "year": year,
            "years": ReportingYear.objects.filter(is_open=True),
            "units": listed,
            "deadline_form": DeadlineForm(initial=initial),
            "exception_form": ExceptionForm(),
            "may_set": permissions.can_set_deadline(request.user, organisation)[0],
            "events": events,
            "now": now,
        },
    )


@login_required
@require_POST
def set_deadline(request, pk, year):
    organisation = _organisation_for(request, pk)
    year = _year(year)
    form = DeadlineForm(request.POST)
    if not form.is_valid():
        _show_errors(request, form)
    else:
        try:
            cycle.set_deadline(
                organisation,
                year,
                entry_due=form.cleaned_data["entry_due"],
                review_due=form.cleaned_data["review_due"],
                by=request.user,
            )
        except services.AssessmentError as error:
            messages.error(request, str(error))
        else:
            is_department = organisation.kind == Organisation.Kind.DEPARTMENT
            whom = "本部门所有单位" if is_department else organisation.name
            messages.success(request, f"已设置{whom}的 {year.year} 年度填报期限。")
    back = request.POST.get("back")
    unit = organisation.kind == Organisation.Kind.UNIT
    target = organisation.parent if back == "department" and unit else organisation
    return redirect(_page_url(target, year))


@login_required
@require_POST
def grant_exception(request, pk, year):
    unit = _organisation_for(request, pk)
    year = _year(year)
    form = ExceptionForm(request.POST)
    if not form.is_valid():
        _show_errors(request, form)
    else:
        try:
            cycle.grant_exception(
                unit,
                year,
                until=deadlines.end_of_day(form.cleaned_data["until"]),
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except services.AssessmentError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                f"已批准{unit.name}延期至 {deadlines.written_date(form.cleaned_data['until'])}。",
            )
    return redirect(_page_url(unit, year))


@login_required
@require_POST
def revoke_exception(request, pk):
    exception = (
        DeadlineException.objects.filter(unit__in=visible_organisations(request.user))
        .select_related("unit__parent", "year")
        .filter(pk=pk)
        .first()
    )
    if exception is None:
        raise Http404("没有这项延期。")
    allowed, reason = permissions.can_grant_exception(request.user, exception.unit)
    if not allowed:
        raise PermissionDenied(reason)
    try:
        cycle.revoke_exception(exception.pk, by=request.user)
    except services.AssessmentError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"已撤销{exception.unit.name}的延期。")
    return redirect(_page_url(exception.unit, exception.year))
