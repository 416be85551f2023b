from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessments import backup


class Command(BaseCommand):
    help = (
        "把 backup 生成的备份恢复到一个空的系统（已有数据时拒绝）；之后请运行 verify_signatures。"
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="backup 生成的 .tar 文件")

    def handle(self, *args, archive, **options):
        path = Path(archive)
        if not path.is_file():
            raise CommandError(f"找不到备份文件：{archive}")
        try:
            manifest = backup.restore(path)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"已恢复 {manifest['assessments']} 张自评表、{manifest['files']} 个文件"
                f"（备份于 {manifest['created_at']}）。"
                "请运行 manage.py verify_signatures 核验签发。"
            )
        )
