import resource
import statistics
import time
import tracemalloc
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, reset_queries
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Assessment, Membership, Organisation

REVIEWER = "benchmark-reviewer"
CITY = "benchmark-city"


def megabytes(kilobytes):
    return kilobytes / 1024


class Command(BaseCommand):
    help = (
        "测量列表、汇总与 CSV 导出的查询数和服务器耗时（中位数），以及导出的行速与峰值内存。"
        "建立两个不能登录的测量账号：一个部门审核人，一个全市（超级用户），仅限演示模式。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=20, help="每项测量的次数，默认 20")
        parser.add_argument("--year", type=int, help="筛选与汇总的年度，默认数据中最近的年度")
        parser.add_argument(
            "--no-xlsx", action="store_true", help="不测量 Excel 导出（大数据量时较慢）"
        )

    def handle(self, *args, runs, year, no_xlsx, **options):
        if not settings.DEMO_MODE:
            raise CommandError("生产模式下不建立测量账号（DJANGO_DEMO=0）。")
        if runs < 1:
            raise CommandError("次数至少为 1。")
        total = Assessment.objects.count()
        if not total:
            raise CommandError("没有自评表；请先运行 generate_assessments。")
        year = (
            year
            or Assessment.objects.order_by("-year__year")
            .values_list("year__year", flat=True)
            .first()
        )
        department = (
            Organisation.objects.filter(kind=Organisation.Kind.DEPARTMENT)
            .annotate(tables=Count("units__projects__assessments"))
            .order_by("-tables", "pk")
            .first()
        )
        if department is None:
            raise CommandError("没有主管部门；请先运行 generate_assessments。")
        reviewer, city = self.accounts(department)
        self.runs = runs
        self.stdout.write(
            f"数据库 {connection.vendor}，自评表 {total:,} 张；DEBUG={settings.DEBUG}；"
            f"每项 {runs} 次，取中位数。"
        )
        self.stdout.write(
            f"部门“{department.name}”共 {department.tables:,} 张；筛选与汇总的年度：{year}。"
        )
        list_url = reverse("assessments:list")
        filtered = {"year": year, "status": Assessment.Status.SIGNED_OFF}
        measurements = [
            ("列表第一页（全市）", city, list_url),
            ("列表筛选：年度、状态（全市）", city, f"{list_url}?{urlencode(filtered)}"),
            (
                "列表筛选并按总分降序（全市）",
                city,
                f"{list_url}?{urlencode({**filtered, 'sort': '-total_score'})}",
            ),
            (
                "列表筛选并按总分降序（部门审核人）",
                reviewer,
                f"{list_url}?{urlencode({**filtered, 'sort': '-total_score'})}",
            ),
            (
                "汇总：部门、年度（部门审核人）",
                reviewer,
                f"{reverse('assessments:summary')}?"
                f"{urlencode({'organisation': department.pk, 'year': year})}",
            ),
        ]
        self.stdout.write("")
        for label, user, url in measurements:
            queries, median, slowest = self.measure(user, url)
            self.stdout.write(
                f"{queries:>3} 次查询  中位 {median:7.1f} ms  最慢 {slowest:7.1f} ms  {label}"
            )
        self.stdout.write("")
        self.export(city, reverse("assessments:export_csv"), "CSV")
        if not no_xlsx:
            self.export(city, reverse("assessments:export_xlsx"), "Excel")

    def accounts(self, department):
        User = get_user_model()
        reviewer, _ = User.objects.get_or_create(username=REVIEWER)
        city, _ = User.objects.get_or_create(username=CITY, defaults={"is_superuser": True})
        for user in (reviewer, city):
            if user.has_usable_password():
                user.set_unusable_password()
                user.save(update_fields=["password"])
        Membership.objects.filter(user=reviewer).exclude(organisation=department).delete()
        Membership.objects.get_or_create(
            user=reviewer, organisation=department, role=Membership.Role.REVIEWER
        )
        return reviewer, city

    def client(self, user):
        client = Client(SERVER_NAME=settings.ALLOWED_HOSTS[0] if settings.ALLOWED_HOSTS else "")
        client.force_login(user)
        return client

    def measure(self, user, url):
        client = self.client(user)
        for _ in range(2):  # warm caches: templates, the database's buffers
            self.fetch(client, url)
        # Each request empties the query log when DEBUG is on; start from an empty one.
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            self.fetch(client, url)
        # Counted now: the captured list is a slice of a log later requests empty again.
        queries = len(captured)
        times = []
        for _ in range(self.runs):
            started = time.perf_counter()
            self.fetch(client, url)
            times.append((time.perf_counter() - started) * 1000)
        return queries, statistics.median(times), max(times)

    def fetch(self, client, url):
        response = client.get(url)
        if response.status_code != 200:
            raise CommandError(f"{url} 返回 {response.status_code}。")
        if response.streaming:
            # Reading to the end closes the response, as a WSGI server does.
            return sum(len(chunk) for chunk in response.streaming_content)
        return len(response.content)

    def export(self, user, url, label):
        client = self.client(user)
        rows = Assessment.objects.count()
        before = megabytes(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        started = time.perf_counter()
        size = self.fetch(client, url)
        elapsed = time.perf_counter() - started
        peak = megabytes(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        tracemalloc.start()
        self.fetch(client, url)
        _, traced = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        megabytes_sent = size / 1024 / 1024
        self.stdout.write(
            f"{label} 导出（全市 {rows:,} 行，{megabytes_sent:.1f} MB）：用时 {elapsed:.2f} 秒，"
            f"每秒 {rows / elapsed:,.0f} 行；进程峰值内存 {peak:.0f} MB（导出前 {before:.0f} MB）；"
            f"导出期间 Python 分配峰值 {traced / 1024 / 1024:.1f} MB。"
        )
