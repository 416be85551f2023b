import shutil
import statistics
import subprocess
import tempfile
import time
from itertools import cycle, islice
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.test import Client
from django.urls import reverse

from assessments.models import Assessment
from assessments.paper import pdf, printable, workbook

GOALS = {
    "single": 0.20,
    "served": 0.020,
    "book": 0.25,
}


def median_time(function, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


class Command(BaseCommand):
    help = (
        "PDF 基准：单表 PDF 的中位时间、已存签发版的下载时间、100 张表合订本的每表时间，"
        "以及（装有 LibreOffice 时）同一张表以 xlsx 转 PDF 的对比。需要已载入演示数据。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--rounds", type=int, default=5, help="单表测量轮数（默认 5）")
        parser.add_argument("--book-size", type=int, default=100, help="合订本张数（默认 100）")

    def handle(self, *args, **options):
        pks = list(
            Assessment.objects.filter(year__year=2022)
            .order_by("project__pk")
            .values_list("pk", flat=True)
        )
        if not pks:
            raise CommandError("没有 2022 年度的自评表：请先运行 manage.py load_demo。")
        self.stdout.write(f"PDF 基准：{len(pks)} 张演示自评表，进程内计时，取中位数。")
        reference = self.reference()
        self.stdout.write(
            f"  参照：30 行的简单中文表格（本机此刻的速度）：{reference * 1000:.1f} ms"
        )
        single = self.single_tables(pks, options["rounds"])
        self.report("单表 PDF（读取数据 + 排版 + 写出）", single, "single")
        served = self.served_signed_copy(pks[0])
        self.report("下载已存的签发版 PDF（完整请求）", served, "served")
        per_table = self.book(pks, options["book_size"])
        self.report(f"{options['book_size']} 张表的合订本，每张", per_table, "book")
        self.libreoffice(pks, single)

    def report(self, label, seconds, goal):
        within = "达标" if seconds <= GOALS[goal] else "未达标"
        self.stdout.write(
            f"  {label}：{seconds * 1000:.1f} ms（目标 ≤ {GOALS[goal] * 1000:.0f} ms，{within}）"
        )

    def reference(self):
        """A plain 30-row CJK table: shows how loaded the machine is while measuring."""
        rows = "".join(
            f"<tr><td>产出指标</td><td>数量指标</td><td>指标{i}完成情况</td><td>=100%</td>"
            f"<td>=100%</td><td>10</td><td>10</td><td></td></tr>"
            for i in range(30)
        )
        html = (
            "<style>@page { size: A4; margin: 15mm } html { font-family: 'Noto Serif CJK SC';"
            " font-size: 9pt } table { width: 100%; border-collapse: collapse;"
            " table-layout: fixed } td { border: .6pt solid #000 }</style>"
            f"<h1>财政项目支出绩效自评表</h1><table>{rows}</table>"
        )

        def render():
            pdf.render_document(html).write_pdf()

        render()
        return median_time(render, 10)

    def render(self, pk):
        assessment = Assessment.objects.with_tree().get(pk=pk)
        return pdf.render_pdf(printable.printable(assessment))

    def single_tables(self, pks, rounds):
        self.render(pks[0])  # fonts, stylesheet and templates load once per process
        times = []
        for _ in range(rounds):
            for pk in pks:
                start = time.perf_counter()
                self.render(pk)
                times.append(time.perf_counter() - start)
        return statistics.median(times)

    def served_signed_copy(self, pk):
        assessment = Assessment.objects.get(pk=pk)
        signature = assessment.valid_signature()
        if signature is None:
            raise CommandError(f"{assessment} 没有有效的签发记录。")
        pdf.stored_signed_pdf(signature)
        admin = get_user_model().objects.filter(is_superuser=True).first()
        if admin is None:
            raise CommandError("需要一个系统管理员账号（load_demo 会创建 admin）。")
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(admin)
        url = reverse("assessments:pdf", args=[pk])

        def download():
            response = client.get(url)
            if response.status_code != 200:
                raise CommandError(f"下载签发版失败：HTTP {response.status_code}")
            b"".join(response.streaming_content)

        download()
        return median_time(download, 50)

    def book(self, pks, size):
        assessments = list(
            Assessment.objects.with_tree().filter(pk__in=pks).order_by("project__pk")
        )
        bound = list(islice(cycle(assessments), size))
        start = time.perf_counter()
        content = pdf.render_book(bound, organisation="基准测试", year=2022)
        elapsed = time.perf_counter() - start
        self.stdout.write(f"  合订本：{size} 张表，{len(content) / 1e6:.1f} MB，共 {elapsed:.1f} s")
        return elapsed / size

    def libreoffice(self, pks, single):
        office = shutil.which("libreoffice") or shutil.which("soffice")
        if office is None:
            self.stdout.write(
                "  LibreOffice 未安装，跳过对比（apt-get install libreoffice-calc-nogui）。"
            )
            return
        with tempfile.TemporaryDirectory() as directory:
            folder = Path(directory)
            profile = (folder / "profile").as_uri()
            files = []
            for pk in pks:
                item = printable.printable(Assessment.objects.with_tree().get(pk=pk))
                path = folder / f"table-{pk}.xlsx"
                workbook.official_workbook(item).save(path)
                files.append(path)

            def convert(path):
                subprocess.run(
                    [
                        office,
                        f"-env:UserInstallation={profile}",
                        "--headless",
                        "--convert-to",
                        "pdf",
                        "--outdir",
                        str(folder / "out"),
                        str(path),
                    ],
                    check=True,
                    capture_output=True,
                    timeout=120,
                )

            convert(files[0])  # the first start creates the profile
            times = []
            for path in files:
                start = time.perf_counter()
                convert(path)
                times.append(time.perf_counter() - start)
        office_median = statistics.median(times)
        self.stdout.write(
            f"  LibreOffice xlsx → PDF（每张一次进程，{len(files)} 张）："
            f"{office_median * 1000:.0f} ms；"
            f"本程序快 {office_median / single:.1f} 倍（目标 ≥ 4 倍）"
        )
