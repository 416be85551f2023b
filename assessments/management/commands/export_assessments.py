from pathlib import Path

from django.core.management.base import BaseCommand

from assessments import interchange

from ._progress import terminal_progress


class Command(BaseCommand):
    help = "以交换格式（JSON）导出绩效自评表，含计算结果与检查发现。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="只导出该年度")
        parser.add_argument("--unit", help="只导出该实施单位（名称）")
        parser.add_argument("-o", "--output", help="输出文件；省略时写到标准输出")

    def handle(self, *args, year, unit, output, **options):
        queryset = interchange.export_queryset(year=year, unit=unit)
        total = queryset.count()
        progress = terminal_progress("导出")
        assessments = []
        for done, assessment in enumerate(queryset.iterator(chunk_size=500), start=1):
            assessments.append(interchange.export_assessment(assessment))
            if progress:
                progress(done, total)
        text = interchange.dumps(assessments)
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stderr.write(f"已导出 {len(assessments)} 张自评表到 {output}。")
        else:
            self.stdout.write(text, ending="")
