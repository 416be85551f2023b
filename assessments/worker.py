"""The background worker: django-tasks-db's worker, made to outlive a locked or lost database.

django-tasks-db's `db_worker` skips a locked database only while it picks a task; anywhere
else ("database is locked" when its transaction begins, a PostgreSQL server restarting) the
exception ends the process and the queue waits forever. `SurvivingWorker` catches those,
waits a little longer each time and goes on. A task the process was running when it died
is taken back by the next process with the same worker id, and `supervise` restarts the
process itself when it is killed.
"""

import datetime
import logging
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from types import FrameType

from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections, transaction
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

# What a database says while it is locked, restarting or unreachable.
DATABASE_HICCUPS = (OperationalError, InterfaceError)


def backoff_seconds(failures: int) -> float:
    """0.5 s after the first failure, doubling, never more than WORKER_MAX_BACKOFF_SECONDS."""
    return float(min(settings.WORKER_MAX_BACKOFF_SECONDS, 0.5 * 2 ** min(failures - 1, 16)))


def take_back_abandoned(worker_id: str) -> int:
    """Put back in the queue the tasks a dead process with this worker id was running."""
    with transaction.atomic():
        abandoned = [
            task
            for task in DBTaskResult.objects.running().select_for_update()
            if task.worker_ids and task.worker_ids[-1] == worker_id
        ]
        for task in abandoned:
            task.status = TaskResultStatus.READY
            task.started_at = None
            task.save(update_fields=["status", "started_at"])
    for task in abandoned:
        logger.warning("Task %s was left running by a stopped worker; queued again", task.id)
    return len(abandoned)


class SurvivingWorker(Worker):
    def run(self) -> None:
        failures = 0
        while True:
            try:
                take_back_abandoned(self.worker_id)
                super().run()
                return
            except DATABASE_HICCUPS as error:
                if not self.running:
                    return
                failures += 1
                delay = backoff_seconds(failures)
                logger.warning(
                    "Database unavailable (%s); worker %s retries in %.1f s",
                    error,
                    self.worker_id,
                    delay,
                )
                # A broken connection is dropped so the next attempt opens a fresh one.
                close_old_connections()
                self.startup_delay = False
                time.sleep(delay)


class DailyJob:
    """A command run at most once per day by this process; the command itself records a
    complete day (send_reminders --once-a-day), so a restarted process does not repeat it."""

    def __init__(self, command: Sequence[str]) -> None:
        self.command = list(command)
        self.last_day: datetime.date | None = None

    def run_if_due(self, today: datetime.date) -> bool:
        if self.last_day == today:
            return False
        self.last_day = today
        subprocess.run(self.command, check=False)
        return True


def supervise(
    command: Sequence[str],
    *,
    restart_delay: float = 2.0,
    daily: Sequence[str] | None = None,
    poll_seconds: float = 60.0,
) -> int:
    """Run the worker command as a child process and start it again whenever it dies.

    `daily` is a command run once a day beside it (the deadline reminders): at the start and
    whenever the date changes.

    SIGINT and SIGTERM are passed on to the child, which finishes its task and stops; then
    the supervisor stops too.
    """
    stopping = False
    child: subprocess.Popen[bytes] | None = None

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    job = DailyJob(daily) if daily else None
    while True:
        child = subprocess.Popen(command)
        while True:
            if job is not None and not stopping:
                job.run_if_due(timezone.localdate())
            try:
                returncode = child.wait(timeout=poll_seconds)
                break
            except subprocess.TimeoutExpired:
                continue
        if stopping:
            return 0
        print(
            f"后台任务程序已退出（返回码 {returncode}），{restart_delay:g} 秒后重新启动。",
            file=sys.stderr,
            flush=True,
        )
        time.sleep(restart_delay)
