from pathlib import Path

from django.core.management.base import BaseCommand

from assessments.paper import public_site


class Command(BaseCommand):
    help = (
        "把公开页面（/gongkai/）写成静态文件：目录页、各次公开的页面、每张表的 HTML、"
        "PDF 和数据文件，供复制到政府网站；应用本身仍留在内网。"
    )

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", required=True, help="输出目录")

    def handle(self, *args, **options):
        written = public_site.export(Path(options["output"]))
        self.stdout.write(f"已写出 {len(written)} 个文件到 {options['output']}。")
