import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessments import interchange, services
from assessments.services import importing

from ._progress import terminal_progress

MAX_FILE_BYTES = 200 * 1024 * 1024


class Command(BaseCommand):
    help = "导入交换格式（JSON）的绩效自评表：全部成功或全部不导入。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="JSON 文件路径，- 表示标准输入")
        parser.add_argument(
            "--replace", action="store_true", help="覆盖已存在的同年度、同单位、同项目的自评表"
        )

    def handle(self, *args, file, replace, **options):
        text = self.read(file)
        records, problems = interchange.parse_document(text)
        if not problems:
            problems = interchange.check_against_database(records, replace=replace)
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"未导入任何数据：发现 {len(problems)} 个问题。")
        try:
            stored = importing.import_records(
                records,
                replace=replace,
                source=Path(file).name,
                progress=terminal_progress("导入"),
            )
        except services.AssessmentError as error:
            raise CommandError(f"未导入任何数据：{error}") from None
        self.stdout.write(self.style.SUCCESS(f"已导入 {len(stored)} 张自评表。"))

    def read(self, file):
        """The file's text; standard input (`-`) is held to the same size limit."""
        if file == "-":
            content = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
        else:
            path = Path(file)
            if not path.is_file():
                raise CommandError(f"找不到文件：{file}")
            with path.open("rb") as handle:
                content = handle.read(MAX_FILE_BYTES + 1)
        if len(content) > MAX_FILE_BYTES:
            raise CommandError(f"文件过大（超过 {MAX_FILE_BYTES // 1024 // 1024} MB）。")
        try:
            return content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise CommandError("文件不是 UTF-8 编码的文本。") from None
