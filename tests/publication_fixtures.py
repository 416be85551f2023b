"""A department's year prepared, approved and published, for the publication tests."""

import pytest

from assessments.services import publication as publishing

from .bureau_fixtures import desk  # noqa: F401  (a fixture)
from .factories import UserFactory, member


@pytest.fixture
def second_reviewer(desk):  # noqa: F811
    """The department's head reviewer, who approves what the other reviewer prepared."""
    return member(UserFactory(username="fuzhang_a"), desk.departments[0], "reviewer")


def prepared(desk, **options):  # noqa: F811
    return publishing.create_publication(
        desk.departments[0].pk, desk.year.pk, by=desk.people["department_reviewer"], **options
    )


def published(desk, approver, **options):  # noqa: F811
    publication = prepared(desk, **options)
    publishing.submit(publication.pk, by=desk.people["department_reviewer"])
    publishing.approve(publication.pk, by=approver)
    return publishing.publish(publication.pk, by=desk.people["department_reviewer"])
