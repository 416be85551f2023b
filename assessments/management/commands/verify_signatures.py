from django.core.management.base import BaseCommand, CommandError

from assessments.paper.integrity import verify_signatures


class Command(BaseCommand):
    help = "重新核验全部签发记录及已保存的签发版 PDF；发现任何不符时以非零状态退出。"

    def handle(self, *args, **options):
        report = verify_signatures()
        for mismatch in report.mismatches:
            self.stderr.write(str(mismatch))
        self.stdout.write(
            f"已核验 {report.signatures} 条签发记录、{report.pdfs} 份签发版 PDF"
            f"（其中 {report.pdfs_without_hash} 份没有记录文件摘要）。"
        )
        if not report.ok:
            raise CommandError(f"发现 {len(report.mismatches)} 处不符。")
        self.stdout.write(self.style.SUCCESS("全部相符。"))
