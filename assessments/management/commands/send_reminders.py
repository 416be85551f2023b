import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from assessments import reminders
from assessments.models import JobRun

JOB = "send_reminders"


class Command(BaseCommand):
    help = "发送截止提醒（填报截止、审核截止前若干天及当天）；已发送的不再重复发送。"

    def add_arguments(self, parser):
        parser.add_argument("--now", help="按此时间计算（ISO 格式，如 2024-03-24T09:00+08:00）")
        parser.add_argument(
            "--once-a-day",
            action="store_true",
            help="今天已完整运行过则不再运行（后台任务程序每天调用时使用）",
        )

    def handle(self, *args, now=None, once_a_day=False, **options):
        moment = self.parse_now(now) if now else timezone.now()
        today = timezone.localdate(moment)
        if once_a_day and JobRun.objects.filter(job=JOB, day=today).exists():
            self.stdout.write(f"{today} 的截止提醒已经发送过。")
            return
        outcome = reminders.send_reminders(moment)
        self.stdout.write(
            f"截止提醒：发送 {outcome.sent} 条，此前已发送 {outcome.already} 条，"
            f"发送失败 {outcome.failed} 条。"
        )
        # A day with failures is not marked done: the next run tries those again.
        if once_a_day and not outcome.failed:
            JobRun.objects.get_or_create(job=JOB, day=today)

    def parse_now(self, text):
        try:
            moment = datetime.datetime.fromisoformat(text)
        except ValueError:
            raise CommandError(
                f"--now 不是有效的时间：{text}（例如 2024-03-24T09:00+08:00）"
            ) from None
        return moment if timezone.is_aware(moment) else timezone.make_aware(moment)
