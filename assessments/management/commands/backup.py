from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessments import backup


class Command(BaseCommand):
    help = "备份数据库与已保存的文件（签发版 PDF、合订本）到一个 tar 文件。"

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", required=True, help="备份文件路径（.tar）")

    def handle(self, *args, output, **options):
        try:
            manifest = backup.backup(Path(output))
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"已备份 {manifest['assessments']} 张自评表、{manifest['files']} 个文件"
                f"到 {output}。"
            )
        )
