"""Who may see an assessment; views fetch through here and never query on their own."""

from django.http import Http404

from .models import Assessment


def get_assessment_for_user(request, pk, *, queryset=None):
    """The assessment if the user may see it; a 404 otherwise, so nothing leaks."""
    queryset = queryset if queryset is not None else Assessment.objects.for_table()
    assessment = queryset.visible_to(request.user).filter(pk=pk).first()
    if assessment is None:
        raise Http404("没有这张自评表。")
    return assessment
