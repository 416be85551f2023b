from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from assessments import models, services


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pass-word-123")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Organisation

    name = factory.Sequence(lambda n: f"主管部门{n}")
    kind = models.Organisation.Kind.DEPARTMENT


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Organisation

    name = factory.Sequence(lambda n: f"实施单位{n}")
    kind = models.Organisation.Kind.UNIT
    parent = factory.SubFactory(DepartmentFactory)


class YearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ReportingYear
        django_get_or_create = ("year",)

    year = 2022
    rule_set = "MOF2020"


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Project

    unit = factory.SubFactory(UnitFactory)
    name = factory.Sequence(lambda n: f"项目{n}")


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Assessment
        skip_postgeneration_save = True

    project = factory.SubFactory(ProjectFactory)
    year = factory.SubFactory(YearFactory)
    department_name = factory.LazyAttribute(lambda a: a.project.unit.parent.name)
    goal = "完成年度工作任务。"
    outcome = "执行率100%"
    total_initial_budget = Decimal("10000")
    total_full_year_budget = Decimal("10000")
    total_executed = Decimal("10000")
    current_initial_budget = Decimal("10000")
    current_full_year_budget = Decimal("10000")
    current_executed = Decimal("10000")

    @factory.post_generation
    def indicators(self, create, extracted, **kwargs):
        """Three indicator rows weighted 50/30/10, all met, unless rows are given."""
        if not create:
            return
        rows = extracted
        if rows is None:
            rows = [
                ("产出指标", "数量指标", "完成数量", "=100件", "=100件", "50", "50"),
                ("效益指标", "社会效益指标", "覆盖率", ">=95%", "=98%", "30", "30"),
                ("满意度指标", "服务对象满意度指标", "满意度", ">=90%", "=95%", "10", "10"),
            ]
        for position, (level1, level2, name, target, actual, weight, score) in enumerate(
            rows, start=1
        ):
            row = models.Indicator(
                assessment=self,
                position=position,
                level1=level1,
                level2=level2,
                name=name,
                target=target,
                actual=actual,
                weight=Decimal(weight),
                score=Decimal(score),
            )
            row.save()
        services.refresh_computed(self)
        self.save()


def member(user, organisation, role):
    models.Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


def user(username):
    return get_user_model().objects.get(username=username)


def login(client, username):
    """Sign an existing user in on the test client (no password, no form) and return it."""
    client.force_login(user(username))
    return client
