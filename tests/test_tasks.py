"""The services queue background tasks by name (services.background): every name is a task."""

import pytest
from django.tasks import Task

from assessments import tasks
from assessments.services import background


@pytest.mark.parametrize("path", background.TASKS)
def test_every_task_the_services_name_is_a_task_of_that_path(path):
    task = background.task_named(path)
    assert isinstance(task, Task) and task.module_path == path
    assert getattr(tasks, path.rsplit(".", 1)[1]) is task


def test_a_name_that_is_not_a_task_is_refused():
    with pytest.raises(TypeError):
        background.task_named("assessments.tasks.logger")
