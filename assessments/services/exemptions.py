"""免报: a project with a budget in the year that the department files without a signed
self-assessment, recorded with the reason before filing; logged on the bureau desk."""

from django.contrib.auth.models import User
from django.db import transaction

from .. import permissions
from ..models import BureauEvent, Filing, FilingExemption, Organisation, Project, ReportingYear
from . import AssessmentError, check
from .bureau import _log


@transaction.atomic
def record_exemption(
    department_id: int, year_id: int, project_id: int, *, by: User, reason: str
) -> FilingExemption:
    """The department's reviewer says why a project of the year has no self-assessment."""
    department = (
        Organisation.objects.select_for_update(of=("self",))
        .select_related("parent")
        .get(pk=department_id)
    )
    year = ReportingYear.objects.get(pk=year_id)
    check(permissions.can_file(by, department))
    project = Project.objects.select_related("unit").filter(pk=project_id).first()
    if project is None or project.unit.parent_id != department.pk:
        raise AssessmentError("只能为本部门所属单位的项目登记免报。")
    reason = (reason or "").strip()
    if not reason:
        raise AssessmentError("登记免报时必须填写理由。")
    if Filing.objects.filter(department=department, year=year, status=Filing.Status.FILED).exists():
        raise AssessmentError(f"{department.name} 的 {year.year} 年度已经报送，不能再登记免报。")
    if FilingExemption.objects.filter(project=project, year=year).exists():
        raise AssessmentError(f"项目“{project.name}”已登记免报。")
    exemption = FilingExemption.objects.create(
        department=department, year=year, project=project, reason=reason, recorded_by=by
    )
    _log(
        department,
        year,
        BureauEvent.Action.EXEMPT,
        by=by,
        comment=reason,
        changes={"project": project.name, "unit": project.unit.name},
    )
    return exemption
