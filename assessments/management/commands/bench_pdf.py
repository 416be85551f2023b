"""PDF benchmark, side by side in one run: our paths against LibreOffice and Chromium at
their best (LibreOffice converting every workbook in one process, Chromium already started).
"""

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.test import Client
from django.urls import reverse

from assessments.models import Assessment, Project
from assessments.paper import book_pdf, draft_copies, fonts, pdf, pool, printable, workbook
from assessments.trust import signing

# Each measurement as a ratio to its yardstick: (label, ratio at most).
GOALS = {
    "export": 0.8,  # export_pdf of drafts, per table, to LibreOffice's per table
    "book": 0.25,  # a book of signed tables, per table, to LibreOffice's per table
    "single": 1.0,  # one table in this process, to warm Chromium on the same HTML
    # Whole commands as a user runs them (a new process each), to LibreOffice's whole batch:
    "export_command": 0.8,  # manage.py export_pdf of the drafts
    "book_command": 0.10,  # manage.py export_pdf --book of the signed tables
}
SERVED_GOAL = 0.020


def forget_kept_drafts():
    """No draft PDF kept from an earlier export (paper.draft_copies): each is laid out."""
    shutil.rmtree(draft_copies.folder(), ignore_errors=True)


def median_time(function, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def copy_table(assessment, number):
    """A copy of a demo project's table under another project name, signed again when it was
    signed."""
    indicators = list(assessment.indicators.all())
    project = Project.objects.create(
        unit=assessment.project.unit, name=f"{assessment.project.name}（{number}）"
    )
    assessment.pk = None
    assessment.project = project
    assessment.save()
    for row in indicators:
        row.pk = None
        row.assessment = assessment
        row.save()
    if assessment.status == Assessment.Status.SIGNED_OFF:
        signing.record_signature(assessment)
    return assessment


class Command(BaseCommand):
    help = (
        "PDF 基准（同一次运行中并列测量）：一年的草稿 export_pdf 与已签发表的合订本，"
        "各以 LibreOffice 单进程转换全部 xlsx 的每表时间为参照；进程内单表 PDF 以已启动的 "
        "Chromium 打印同一 HTML 为参照；以及下载已存签发版的时间。需要已载入演示数据。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--copies", type=int, default=10, help="演示表的份数（默认 10）")
        parser.add_argument("--rounds", type=int, default=3, help="单表测量轮数（默认 3）")

    def handle(self, *args, **options):
        office = shutil.which("soffice") or shutil.which("libreoffice")
        if office is None:
            raise CommandError("需要 LibreOffice：apt-get install libreoffice-calc-nogui")
        chromium = shutil.which("chromium")
        if chromium is None:
            raise CommandError("需要 Chromium：apt-get install chromium")
        # The projects' tables are copied; a department has one table of its own a year.
        demo = list(
            Assessment.objects.with_tree()
            .filter(year__year=2022, project__isnull=False)
            .order_by("pk")
        )
        if not demo:
            raise CommandError("没有 2022 年度的自评表：请先运行 manage.py load_demo。")
        for number in range(2, options["copies"] + 1):
            for assessment in Assessment.objects.filter(pk__in=[a.pk for a in demo]):
                copy_table(assessment, number)
        tables = list(
            Assessment.objects.with_tree().filter(year__year=2022).order_by("project__pk")
        )
        self.stdout.write(
            f"PDF 基准：{len(tables)} 张表（演示表 × {options['copies']}），"
            f"本机 {pool.workers()} 个核，同一次运行中并列测量。"
        )
        self.store_signed_copies(tables)

        with tempfile.TemporaryDirectory() as directory:
            folder = Path(directory)
            office_each = self.libreoffice(office, tables, folder)
            count = len(tables)
            self.stdout.write(
                f"  LibreOffice 单进程转换全部 {count} 个 xlsx：每表 {office_each * 1000:.0f} ms"
            )
            office_total = office_each * count
            office_size = sum(p.stat().st_size for p in (folder / "office").glob("*.pdf"))
            self.stdout.write(
                f"  LibreOffice 整条命令：{office_total:.1f} s，PDF 共 {office_size / 1e6:.1f} MB"
            )
            book_each = self.book(tables)
            self.report("已签发表的合订本，每表", book_each, office_each, "book", "LibreOffice")
            book_command, books = self.command(["--book"], folder / "books", count=1)
            book_size = sum(p.stat().st_size for p in books)
            self.report(
                f"整条命令 export_pdf --book（合订本 {book_size / 1e6:.1f} MB，"
                f"LibreOffice 的 PDF 共 {office_size / 1e6:.1f} MB）",
                book_command,
                office_total,
                "book_command",
                "LibreOffice 整条命令",
            )
            served = self.served_signed_copy(tables[0].pk)
            within = "达标" if served <= SERVED_GOAL else "未达标"
            self.stdout.write(
                f"  下载已存的签发版 PDF（完整请求）：{served * 1000:.1f} ms"
                f"（目标 ≤ {SERVED_GOAL * 1000:.0f} ms，{within}）"
            )
            chromium_each, single = self.single_against_chromium(
                chromium, tables[: len(demo)], folder, options["rounds"]
            )
            self.stdout.write(
                f"  Chromium（已启动）打印同一 HTML：每表 {chromium_each * 1000:.0f} ms"
            )
            self.report("进程内单表 PDF", single, chromium_each, "single", "Chromium")
            export_each = self.export_drafts(tables, folder)
            self.report(
                "export_pdf 一年的草稿，每表", export_each, office_each, "export", "LibreOffice"
            )
            forget_kept_drafts()  # the whole command lays every draft out, as the first time
            export_command, _ = self.command([], folder / "drafts", count=count)
            self.report(
                f"整条命令 export_pdf {count} 张草稿",
                export_command,
                office_total,
                "export_command",
                "LibreOffice 整条命令",
            )
            again, _ = self.command([], folder / "again", count=count)
            self.stdout.write(
                f"  再次导出未改动的 {count} 张草稿（整条命令，用上次排好的 PDF）：{again:.1f} s，"
                f"为 LibreOffice 整条命令的 {again / office_total:.2f} 倍"
            )

    def report(self, label, seconds, yardstick, goal, against):
        ratio = seconds / yardstick
        within = "达标" if ratio <= GOALS[goal] else "未达标"
        shown = f"{seconds:.1f} s" if seconds >= 1 else f"{seconds * 1000:.0f} ms"
        self.stdout.write(
            f"  {label}：{shown}，为 {against} 的 {ratio:.2f} 倍"
            f"（目标 ≤ {GOALS[goal]:.2f} 倍，{within}）"
        )

    def store_signed_copies(self, tables):
        """As after each sign-off: every signed table has its stored signed PDF."""
        signatures = [
            s
            for s in (a.valid_signature() for a in tables)
            if s is not None and not (s.pdf and s.pdf.storage.exists(s.pdf.name))
        ]
        items = [printable.signed_printable(s) for s in signatures]
        contents = pool.lay_out_many(items, len(items), render=pdf.render_pdf)
        for signature, content in zip(signatures, contents, strict=True):
            signature.pdf.save(f"bench-{signature.pk}.pdf", ContentFile(content), save=True)

    def libreoffice(self, office, tables, folder):
        """Every table's workbook converted by one LibreOffice process, per table."""
        source = folder / "xlsx"
        source.mkdir()
        for assessment in tables:
            item = printable.printable(assessment)
            workbook.official_workbook(item).save(source / f"table-{assessment.pk}.xlsx")
        profile = (folder / "profile").as_uri()
        files = sorted(source.glob("*.xlsx"))

        def convert(paths, out):
            subprocess.run(
                [
                    office,
                    f"-env:UserInstallation={profile}",
                    "--headless",
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    str(out),
                    *map(str, paths),
                ],
                check=True,
                capture_output=True,
                timeout=1800,
            )

        convert(files[:1], folder / "office-warm")  # the first start creates the profile
        start = time.perf_counter()
        convert(files, folder / "office")
        elapsed = time.perf_counter() - start
        converted = len(list((folder / "office").glob("*.pdf")))
        if converted != len(files):
            raise CommandError(f"LibreOffice 只转换了 {converted} / {len(files)} 个文件。")
        return elapsed / len(files)

    def book(self, tables):
        start = time.perf_counter()
        content = book_pdf.render_book(tables, organisation="基准测试", year=2022)
        elapsed = time.perf_counter() - start
        self.stdout.write(
            f"  合订本：{len(tables)} 张已签发的表，{len(content) / 1e6:.1f} MB，共 {elapsed:.1f} s"
        )
        return elapsed / len(tables)

    def served_signed_copy(self, pk):
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
            b"".join(response.streaming_content)  # type: ignore[attr-defined]

        download()
        return median_time(download, 50)

    def single_against_chromium(self, chromium, tables, folder, rounds):
        """The same HTML, per table: our layout in this process, and warm Chromium."""
        from playwright.sync_api import sync_playwright

        stylesheet_file = pdf.static_file_for(f"file:///static/{pdf.STYLESHEET}")
        if stylesheet_file is None:
            raise CommandError(f"找不到样式表 {pdf.STYLESHEET}。")
        stylesheet = fonts.font_face_rules() + Path(stylesheet_file).read_text("utf-8")
        pages = []
        for assessment in tables:
            html = pdf.sheet_html(printable.printable(assessment))
            path = folder / f"chromium-{assessment.pk}.html"
            path.write_text(
                html.replace("</head>", f"<style>{stylesheet}</style></head>"), encoding="utf-8"
            )
            pages.append(path.as_uri())

        def ours(assessment):
            pdf.render_pdf(printable.printable(Assessment.objects.with_tree().get(pk=assessment)))

        ours(tables[0].pk)  # fonts, stylesheet and templates load once per process
        own = []
        for _ in range(rounds):
            for assessment in tables:
                start = time.perf_counter()
                ours(assessment.pk)
                own.append(time.perf_counter() - start)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium)
            page = browser.new_page()
            page.goto(pages[0])
            page.pdf(format="A4")
            times = []
            for _ in range(rounds):
                for url in pages:
                    start = time.perf_counter()
                    page.goto(url)
                    page.pdf(format="A4", print_background=True)
                    times.append(time.perf_counter() - start)
            browser.close()
        return statistics.median(times), statistics.median(own)

    def command(self, arguments, out, *, count):
        """manage.py export_pdf of the 2022 tables as a user runs it: a new process, start-up
        included. Returns its wall time and the files it wrote."""
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                str(settings.BASE_DIR / "manage.py"),
                "export_pdf",
                "--year",
                "2022",
                *arguments,
                "-o",
                str(out),
            ],
            check=True,
            capture_output=True,
            timeout=1800,
        )
        elapsed = time.perf_counter() - start
        written = sorted(out.glob("*.pdf"))
        if len(written) != count:
            raise CommandError(f"export_pdf 写出了 {len(written)} 个文件，应为 {count} 个。")
        return elapsed, written

    def export_drafts(self, tables, folder):
        """A year of drafts: every table back to draft, then export_pdf of them all, each
        laid out (none kept from before)."""
        Assessment.objects.filter(pk__in=[a.pk for a in tables]).update(
            status=Assessment.Status.DRAFT
        )
        forget_kept_drafts()
        start = time.perf_counter()
        call_command(
            "export_pdf", "--year", "2022", "-o", str(folder / "export"), stdout=StringIO()
        )
        elapsed = time.perf_counter() - start
        written = len(list((folder / "export").glob("*.pdf")))
        if written != len(tables):
            raise CommandError(f"export_pdf 只写出了 {written} / {len(tables)} 个文件。")
        return elapsed / len(tables)
