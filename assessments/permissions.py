"""Who may do what with an assessment; views fetch through here and never query on their own.

Each can_<action>(user, …) returns (allowed, reason); the services ask the same functions, so
hiding a button is never the only guard.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .models import Assessment, Membership

EDITABLE_STATUSES = (Assessment.Status.DRAFT, Assessment.Status.RETURNED)


def has_role(user, organisation, role):
    """Whether the user holds the role in the organisation itself (not through a parent)."""
    if not user.is_authenticated:
        return False
    return any(
        membership.organisation_id == organisation.pk and membership.role == role
        for membership in _memberships(user)
    )


def _memberships(user):
    # Cached on the user object: a page asks several questions about the same person.
    if not hasattr(user, "_assessment_memberships"):
        user._assessment_memberships = list(Membership.objects.filter(user=user))
    return user._assessment_memberships


def preparer_units(user):
    """The units in which the user may create and fill in tables."""
    from .models import Organisation

    if user.is_superuser:
        return Organisation.objects.filter(kind=Organisation.Kind.UNIT)
    return Organisation.objects.filter(
        kind=Organisation.Kind.UNIT,
        members__user=user,
        members__role=Membership.Role.PREPARER,
    ).distinct()


def can_create_in(user, unit):
    if user.is_superuser or has_role(user, unit, Membership.Role.PREPARER):
        return True, ""
    return False, "只有本单位的填报人可以新建自评表。"


def can_edit(user, assessment):
    if not (user.is_superuser or has_role(user, assessment.project.unit, Membership.Role.PREPARER)):
        return False, "只有本单位的填报人可以修改这张自评表。"
    if assessment.status not in EDITABLE_STATUSES:
        return False, f"这张自评表{assessment.get_status_display()}，不能修改。"
    return True, ""


def get_assessment_for_user(request, pk, *, write=False, queryset=None):
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
