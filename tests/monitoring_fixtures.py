"""A 2023 round of 运行监控 at 7月31日 over the people's department, from approved targets."""

import datetime

import pytest

from assessments.models import Assessment
from assessments.services import monitoring

from .test_targets import approved

CUT_OFF = datetime.date(2023, 7, 31)
DUE = datetime.date(2023, 8, 20)


def open_round(people, **options):
    department = people["unit"].parent
    year = approved(people).year
    return monitoring.open_round(
        department, year, cut_off=CUT_OFF, due=DUE, by=people["department"], **options
    )


def fresh(table):
    return Assessment.objects.with_tree().get(pk=table.pk)


def filled_cells(table, **values):
    """A complete monitoring table: on schedule, every row certain."""
    rows = len(table.indicators.all())
    cells = {
        **table.cells,
        "executed": "540000",
        "forecast_executed": "900000",
        "goal_progress": "已完成培训 320 人次，按计划推进。",
    }
    for number in range(1, rows + 1):
        cells.update(
            {
                f"r{number}_current": "60%",
                f"r{number}_forecast": "达到目标",
                f"r{number}_likelihood": "确定能",
            }
        )
    return {**cells, **values}


@pytest.fixture
def monitored(people):
    opened = open_round(people)
    (table,) = opened.tables
    return fresh(table)
