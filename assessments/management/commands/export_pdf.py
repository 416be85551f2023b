from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import F, Q

from assessments.models import Assessment, Organisation, Signature
from assessments.paper import printable

from ._progress import terminal_progress


class Command(BaseCommand):
    help = (
        "把自评表导出为 PDF：每表一个文件（已签发的表导出存档的签发版），"
        "或用 --book 按单位（主管部门）装订成合订本。"
    )

    # An export reads the tables and writes files. The project's system checks import every
    # page's view (the URL configuration): they are `manage.py check`'s and the server's job,
    # and would add about a second to each export.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="年度，如 2022")
        parser.add_argument("--unit", help="实施单位或主管部门的名称")
        parser.add_argument("--project", help="项目名称")
        parser.add_argument("--book", action="store_true", help="装订成合订本")
        parser.add_argument("-o", "--output", required=True, help="输出目录（不存在则创建）")

    def handle(self, *args, **options):
        output = Path(options["output"])
        if output.exists() and not output.is_dir():
            raise CommandError(f"{output} 不是目录。")
        assessments = self.select(options)
        output.mkdir(parents=True, exist_ok=True)
        if options["book"]:
            written = self.write_books(assessments, options, output)
        else:
            written = self.write_tables(assessments, output)
        for path in written:
            self.stdout.write(str(path))
        self.stdout.write(f"共导出 {len(written)} 个 PDF 文件到 {output}。")

    def select(self, options):
        queryset = (
            Assessment.objects.with_tree()
            .filter(year__year=options["year"])
            # A department's own tables first, then its units' projects, as books bind them.
            .order_by(F("organisation").asc(nulls_last=True), "project__unit__name", "project__pk")
        )
        unit = options.get("unit")
        if unit:
            if not Organisation.objects.filter(name=unit).exists():
                raise CommandError(f"没有名为“{unit}”的单位。")
            queryset = queryset.filter(
                Q(project__unit__name=unit)
                | Q(project__unit__parent__name=unit)
                | Q(organisation__name=unit)
            )
        if options.get("project"):
            queryset = queryset.filter(project__name=options["project"])
        assessments = list(queryset)
        if not assessments:
            raise CommandError("没有符合条件的自评表（请检查年度、单位和项目名称）。")
        return assessments

    def write_tables(self, assessments, output):
        """Signed tables as stored; the others laid out several at a time (paper.pool)."""
        # The workers lay the drafts out: this process starts them without loading WeasyPrint.
        from assessments.paper import stored

        signatures = Signature.objects.in_force(assessments)
        contents = stored.table_pdfs(
            assessments, progress=terminal_progress("导出"), signatures=signatures
        )
        written = []
        for assessment, content, signature in zip(assessments, contents, signatures, strict=True):
            suffix = "" if signature else f"（{printable.watermark_for(assessment)}）"
            name = printable.table_filename(assessment, suffix=suffix)
            path = self.unique(output / self.prefixed(assessment, assessments, name))
            path.write_bytes(content)
            written.append(path)
        return written

    def prefixed(self, assessment, assessments, name):
        """Two units may have projects of the same name: then the unit goes first."""
        clashes = sum(1 for a in assessments if a.owner_name == assessment.owner_name)
        return f"{assessment.unit.name}-{name}" if clashes > 1 else name

    def unique(self, path):
        candidate, number = path, 2
        while candidate.exists():
            candidate = path.with_name(f"{path.stem}（{number}）{path.suffix}")
            number += 1
        return candidate

    def write_books(self, assessments, options, output):
        """One book for the unit given, else one per 主管部门 of the tables selected."""
        from assessments.paper import book_pdf

        if options.get("unit"):
            groups = {options["unit"]: assessments}
        else:
            groups = {}
            for assessment in assessments:
                department = assessment.department
                groups.setdefault(department.name, []).append(assessment)
        written = []
        for organisation, members in groups.items():
            progress = terminal_progress(f"{organisation} 排版")
            content = book_pdf.render_book(
                members, organisation=organisation, year=options["year"], progress=progress
            )
            path = self.unique(output / printable.book_filename(options["year"], organisation))
            path.write_bytes(content)
            written.append(path)
        return written
