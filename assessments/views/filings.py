"""部门报送: a department files its year; the filing's page, its package and its return."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from .. import permissions
from ..coverage import scope_of, year_coverage
from ..forms import ExemptionForm, FileForm, ReturnFilingForm
from ..models import Assessment, Filing, ReportingYear, visible_organisations
from ..reporting.exports import XLSX_TYPE
from ..rules.wording import sentence
from ..services import AssessmentError, exemptions
from ..services import bureau as desk
from ..services.filing import filing_basename


def visible_filings(user):
    return Filing.objects.filter(department__in=visible_organisations(user)).select_related(
        "department__parent", "year", "filed_by", "returned_by"
    )


def get_filing_for_user(request, pk):
    filing = visible_filings(request.user).filter(pk=pk).first()
    if filing is None:
        raise Http404("没有这次报送。")
    return filing


@login_required
@require_GET
def filing_list(request):
    """The years the user's departments may file, with how far their tables are, and the
    filings she may see."""
    departments = list(permissions.filing_departments(request.user).select_related("parent"))
    counts = (
        Assessment.objects.self_assessments()
        .filter(project__unit__parent__in=departments)
        .values("project__unit__parent_id", "year_id", "year__year")
        .annotate(
            total=Count("pk"), signed=Count("pk", filter=Q(status=Assessment.Status.SIGNED_OFF))
        )
        .order_by("-year__year", "project__unit__parent_id")
    )
    in_force = {
        (f.department_id, f.year_id): f
        for f in Filing.objects.filter(department__in=departments, status=Filing.Status.FILED).only(
            "pk", "department_id", "year_id", "filed_at"
        )
    }
    names = {d.pk: d for d in departments}
    rows = [
        {
            "department": names[c["project__unit__parent_id"]],
            "year_id": c["year_id"],
            "year": c["year__year"],
            "total": c["total"],
            "signed": c["signed"],
            "filing": in_force.get((c["project__unit__parent_id"], c["year_id"])),
        }
        for c in counts
    ]
    return render(
        request,
        "assessments/filings.html",
        {"rows": rows, "filings": visible_filings(request.user)[:50]},
    )


@login_required
@require_POST
def file_year(request):
    form = FileForm(request.POST, user=request.user)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("assessments:filings")
    department = form.cleaned_data["department"]
    year: ReportingYear = form.cleaned_data["year"]
    try:
        filing = desk.file_year(department.pk, year.pk, by=request.user)
    except AssessmentError as error:
        messages.error(request, str(error))
        # The refusal beside the year's projects: which lack a table, and the exemption form.
        return redirect("assessments:filing_scope", department_pk=department.pk, year=year.year)
    messages.success(request, f"{department.name} {year.year} 年度已报送，报送材料正在生成。")
    return redirect(filing)


@login_required
@require_GET
def filing_detail(request, pk):
    filing = get_filing_for_user(request, pk)
    return render(
        request,
        "assessments/filing.html",
        {
            "filing": filing,
            "rows": filing.manifest.get("tables", []),
            "own_rows": filing.manifest.get("department_tables", []),
            "summary": filing.manifest.get("summary", {}),
            "coverage": filing.manifest.get("coverage"),
            "exemptions": filing.manifest.get("exemptions", []),
            "events": filing.events.select_related("actor").order_by("created_at", "pk"),
            "can_return": permissions.can_return_filing(request.user, filing)[0],
            "can_rebuild": permissions.can_rebuild_package(request.user, filing)[0],
            "return_form": ReturnFilingForm(),
        },
    )


@login_required
@require_POST
def return_filing(request, pk):
    filing = get_filing_for_user(request, pk)
    allowed, reason = permissions.can_return_filing(request.user, filing)
    if not allowed:
        raise PermissionDenied(reason)
    form = ReturnFilingForm(request.POST)
    try:
        if not form.is_valid():
            raise AssessmentError(
                sentence(*(str(e) for errors in form.errors.values() for e in errors))
            )
        desk.return_filing(filing.pk, by=request.user, reason=form.cleaned_data["reason"])
    except AssessmentError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "已退回这次报送，部门可在修改后重新报送。")
    return redirect(filing)


@login_required
@require_POST
def rebuild_package(request, pk):
    filing = get_filing_for_user(request, pk)
    allowed, reason = permissions.can_rebuild_package(request.user, filing)
    if not allowed:
        raise PermissionDenied(reason)
    try:
        desk.rebuild_package(filing.pk, by=request.user)
    except AssessmentError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "已重新开始生成报送材料。")
    return redirect(filing)


def _package_file(request, pk, field, content_type, extension):
    filing = get_filing_for_user(request, pk)
    stored = getattr(filing, field)
    if filing.package_status != Filing.PackageStatus.DONE or not stored:
        raise Http404("报送材料尚未生成。")
    return FileResponse(
        stored.open("rb"),
        as_attachment=True,
        filename=f"{filing_basename(filing)}.{extension}",
        content_type=content_type,
    )


@login_required
@require_GET
def filing_book(request, pk):
    return _package_file(request, pk, "book_pdf", "application/pdf", "pdf")


@login_required
@require_GET
def filing_summary(request, pk):
    return _package_file(request, pk, "summary_xlsx", XLSX_TYPE, "xlsx")


def _department_year(request, department_pk, year):
    department = (
        permissions.filing_departments(request.user)
        .select_related("parent")
        .filter(pk=department_pk)
        .first()
    )
    if department is None:
        raise Http404("没有这个主管部门，或您不能为它报送。")
    return department, get_object_or_404(ReportingYear, year=year)


@login_required
@require_GET
def filing_scope(request, department_pk, year):
    """Every project of the department with a budget in the year, and whether it has a signed
    self-assessment; the missing ones take an exemption with its reason."""
    department, reporting_year = _department_year(request, department_pk, year)
    coverage = year_coverage(reporting_year.year, scope_of(department.pk, department.kind))
    in_force = Filing.objects.filter(
        department=department, year=reporting_year, status=Filing.Status.FILED
    ).first()
    return render(
        request,
        "assessments/filing_scope.html",
        {
            "department": department,
            "year": reporting_year,
            "coverage": coverage,
            "filing": in_force,
            "exemption_form": ExemptionForm(),
        },
    )


@login_required
@require_POST
def record_exemption(request, department_pk, year, project_pk):
    department, reporting_year = _department_year(request, department_pk, year)
    form = ExemptionForm(request.POST)
    try:
        if not form.is_valid():
            raise AssessmentError(
                sentence(*(str(e) for errors in form.errors.values() for e in errors))
            )
        exemptions.record_exemption(
            department.pk,
            reporting_year.pk,
            project_pk,
            by=request.user,
            reason=form.cleaned_data["reason"],
        )
    except AssessmentError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "已登记免报理由；报送清单和财政局报告将列出这个项目和理由。")
    return redirect(
        "assessments:filing_scope", department_pk=department.pk, year=reporting_year.year
    )
