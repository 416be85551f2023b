"""Who sees which table: the list's query (AssessmentQuerySet.visible_to) and the check of one
table already read (Assessment.is_visible_to) give the same answers, and both the rule's,
for every combination of memberships over a bureau, its departments and their units."""

from itertools import chain, combinations

import pytest
from django.contrib.auth.models import AnonymousUser

from assessments.models import Assessment, Membership, Organisation, Project

from .factories import UserFactory, YearFactory

pytestmark = pytest.mark.django_db

Kind = Organisation.Kind


@pytest.fixture
def tree():
    """A bureau with two departments and their units, a department outside any bureau, a
    project table for every organisation and a department's own table for some."""
    bureau = Organisation.objects.create(name="区财政局", kind=Kind.BUREAU)
    civil = Organisation.objects.create(name="民政局", kind=Kind.DEPARTMENT, parent=bureau)
    health = Organisation.objects.create(name="卫健委", kind=Kind.DEPARTMENT, parent=bureau)
    alone = Organisation.objects.create(name="另一部门", kind=Kind.DEPARTMENT)
    placed = (("甲单位", civil), ("乙单位", civil), ("丙单位", health), ("丁单位", alone))
    units = [
        Organisation.objects.create(name=name, kind=Kind.UNIT, parent=parent)
        for name, parent in placed
    ]
    organisations = [bureau, civil, health, alone, *units]
    year = YearFactory()
    tables = [
        Assessment.objects.create(
            project=Project.objects.create(unit=organisation, name=f"{organisation.name}项目"),
            year=year,
            department_name="x",
        )
        for organisation in organisations
    ]
    tables += [
        Assessment.objects.create(organisation=department, year=year, department_name="x")
        for department in (civil, health, alone)
    ]
    return organisations, tables


def by_the_rule(table, own):
    """The rule as the README states it, on the organisations' tree."""
    if table.project is not None:
        unit = table.project.unit
        line = [unit, unit.parent, unit.parent.parent if unit.parent else None]
    else:
        line = [table.organisation, table.organisation.parent]
    return any(organisation is not None and organisation.pk in own for organisation in line)


def test_both_give_the_rule_s_answer_for_every_set_of_memberships(tree):
    organisations, tables = tree
    person = UserFactory()
    subsets = chain.from_iterable(
        combinations(organisations, size) for size in range(len(organisations) + 1)
    )
    for subset in subsets:
        Membership.objects.filter(user=person).delete()
        for organisation in subset:
            Membership.objects.create(
                user=person, organisation=organisation, role=Membership.Role.REVIEWER
            )
        person.__dict__.pop("_assessment_memberships", None)
        own = {organisation.pk for organisation in subset}
        expected = {table.pk for table in tables if by_the_rule(table, own)}
        listed = set(Assessment.objects.visible_to(person).values_list("pk", flat=True))
        read = Assessment.objects.for_table().filter(pk__in=[t.pk for t in tables])
        checked = {table.pk for table in read if table.is_visible_to(person)}
        names = [organisation.name for organisation in subset]
        assert listed == expected, names
        assert checked == expected, names


def test_the_superuser_sees_every_table_and_nobody_signed_out_any(tree):
    _, tables = tree
    superuser = UserFactory(is_superuser=True)
    read = list(Assessment.objects.for_table().filter(pk__in=[t.pk for t in tables]))
    assert Assessment.objects.visible_to(superuser).count() == len(tables)
    assert all(table.is_visible_to(superuser) for table in read)
    assert not Assessment.objects.visible_to(AnonymousUser()).exists()
    assert not any(table.is_visible_to(AnonymousUser()) for table in read)
