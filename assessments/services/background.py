"""Work handed to the background worker once the transaction commits.

The tasks (assessments.tasks) run code from the layers above the services: the paper
package lays out the PDFs. So a service names its task rather than importing it, as RQ's
`enqueue("module.function")` and Celery's `send_task(name)` do; the worker imports the same
path when it runs the task, and tests/test_tasks.py checks that every name here is a task.
"""

from collections.abc import Callable

from django.db import transaction
from django.tasks import Task, TaskResult
from django.utils.module_loading import import_string

BUILD_BOOK = "assessments.tasks.build_book"
BUILD_FILING_PACKAGE = "assessments.tasks.build_filing_package"
STORE_SIGNED_PDF = "assessments.tasks.store_signed_pdf"
BUILD_PUBLICATION_PDF = "assessments.tasks.build_publication_pdf"

TASKS = (BUILD_BOOK, BUILD_FILING_PACKAGE, STORE_SIGNED_PDF, BUILD_PUBLICATION_PDF)


def task_named(path: str) -> Task:
    task = import_string(path)
    if not isinstance(task, Task):
        raise TypeError(f"{path} is not a task")
    return task


def enqueue_on_commit(
    path: str, *args: int, then: Callable[[TaskResult], object] | None = None
) -> None:
    """Queue the task `path` with `args` after the transaction commits (at once outside one);
    `then(result)` runs after queueing, to keep the task's id."""

    def enqueue() -> None:
        result = task_named(path).enqueue(*args)
        if then is not None:
            then(result)

    transaction.on_commit(enqueue)
