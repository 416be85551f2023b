import os
import socket
import sys

from django.conf import settings
from django_tasks_db.management.commands import db_worker

from assessments import worker


class Command(db_worker.Command):
    help = (
        "运行后台任务程序（合订本、签发版 PDF）：数据库被锁或连接中断时等待重试；"
        "--supervise 时进程退出后自动重新启动，并每天发送一次截止提醒。"
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        # A stable id lets the next process take back the task this one was running.
        parser.set_defaults(
            worker_id=os.environ.get("DJANGO_WORKER_ID") or socket.gethostname()[:64],
        )
        parser.add_argument(
            "--supervise",
            action="store_true",
            help="在子进程中运行，进程意外退出后重新启动",
        )

    # db_worker names --reload, which this worker does not offer (it restarts instead).
    def handle(  # type: ignore[override]
        self,
        *,
        verbosity,
        queue_name,
        interval,
        batch,
        backend_name,
        startup_delay,
        max_tasks,
        worker_id,
        exclude_queues,
        supervise,
        **options,
    ):
        if supervise:
            # The same command line, without --supervise, run as the child.
            child = [sys.executable, *(a for a in sys.argv if a != "--supervise")]
            # Beside it, once a day, the deadline reminders (send_reminders).
            daily = [sys.executable, sys.argv[0], "send_reminders", "--once-a-day"]
            sys.exit(worker.supervise(child, daily=daily))
        self.configure_logging(verbosity)
        # Books and signed PDFs can wait; a clerk's page cannot. On a machine shared with the
        # web server the worker takes the cores only when the pages leave them.
        os.nice(settings.WORKER_NICENESS)
        surviving = worker.SurvivingWorker(
            queue_names=queue_name.split(","),
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=exclude_queues.split(",") if exclude_queues else [],
        )
        surviving.configure_signals()
        surviving.run()
