"""The rows read with a table on every page (indicators, signatures, target adjustments, a
publication's items) are read from their own table alone: their order within the table needs
no join to the table, its year or its project."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import PublicationItem

from .factories import AssessmentFactory


@pytest.mark.django_db
@pytest.mark.parametrize("relation", ["indicators", "signatures", "adjustments"])
def test_a_tables_rows_are_read_without_joins(relation):
    assessment = AssessmentFactory()
    with CaptureQueriesContext(connection) as queries:
        list(getattr(assessment, relation).all())
    (query,) = queries.captured_queries
    assert " JOIN " not in query["sql"]


@pytest.mark.django_db
def test_a_publications_items_are_read_without_joins():
    query = str(PublicationItem.objects.filter(publication_id=1).query)
    assert " JOIN " not in query
    assert "position" in query.rsplit("ORDER BY", 1)[1]


@pytest.mark.django_db
def test_indicators_keep_their_order_within_the_table():
    assessment = AssessmentFactory()
    positions = [row.position for row in assessment.indicators.all()]
    assert positions == sorted(positions) and len(positions) > 1
