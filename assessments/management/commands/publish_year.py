from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessments.models import Organisation, Publication, ReportingYear
from assessments.paper import publication as paper
from assessments.services import publication as services
from assessments.trust import approvals, copies


class Command(BaseCommand):
    help = (
        "写出一个主管部门一个年度的公开材料：PDF（封面和各表）、每张表的 HTML 页面、数据文件。"
        "有已公开的版本时写出最新公开的版本，否则按默认顺序写出全部已签发的自评表。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--department", required=True, help="主管部门名称")
        parser.add_argument("-o", "--output", required=True, help="输出目录")
        parser.add_argument(
            "--without-names", action="store_true", help="不印填报人、审核人（仅在没有公开版本时）"
        )

    def handle(self, *args, **options):
        try:
            department = Organisation.objects.get(
                name=options["department"], kind=Organisation.Kind.DEPARTMENT
            )
        except Organisation.DoesNotExist:
            raise CommandError(f"没有名为“{options['department']}”的主管部门。") from None
        try:
            year = ReportingYear.objects.get(year=options["year"])
        except ReportingYear.DoesNotExist:
            raise CommandError(f"没有 {options['year']} 年度。") from None
        published = (
            Publication.objects.published()
            .filter(department=department, year=year)
            .order_by("-version")
            .first()
        )
        if published is not None:
            signatures = approvals.item_signatures(published)
            print_names, note, version = (
                published.print_names,
                paper.correction_note(published),
                published.version,
            )
            self.stdout.write(f"写出已公开的第 {version} 版。")
        else:
            signatures = services.default_signatures(department, year)
            print_names, note, version = not options["without_names"], "", None
            self.stdout.write("尚无公开版本：按默认顺序写出全部已签发的自评表。")
        if not signatures:
            raise CommandError(f"{department.name} 在 {year.year} 年度没有已签发的自评表。")
        try:
            outputs = paper.write_outputs(
                Path(options["output"]),
                signatures,
                department=department.name,
                year=year.year,
                print_names=print_names,
                note=note,
                version=version,
            )
        except copies.SignedCopyError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"PDF：{outputs.pdf}")
        self.stdout.write(f"数据文件：{outputs.data}")
        self.stdout.write(f"HTML：{len(outputs.tables)} 个页面，位于 {outputs.pdf.parent}")
