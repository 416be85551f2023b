from django.core.management.base import BaseCommand, CommandError

from assessments.trust.integrity import verify_signatures


class Command(BaseCommand):
    help = (
        "重新核验全部签发记录（内容摘要、SM2 签名）及已保存的签发版 PDF（文件摘要、PDF 签名）；"
        "发现任何不符或无法核验时以非零状态退出。"
    )

    def handle(self, *args, **options):
        report = verify_signatures()
        for mismatch in report.mismatches:
            self.stderr.write(str(mismatch))
        self.stdout.write(
            f"已核验 {report.signatures} 条签发记录、{report.pdfs} 份签发版 PDF"
            f"（其中 {report.pdfs_without_hash} 份没有记录文件摘要）。"
        )
        if report.hash_only:
            self.stdout.write(
                f"其中 {report.hash_only} 条为启用数字签名前的旧版签发（仅摘要）："
                "只核对了内容摘要，没有 SM2 签名可核验。"
            )
        if report.unchecked_signatures or report.unchecked_pdfs:
            self.stderr.write(
                f"服务器没有签名密钥文件：{report.unchecked_signatures} 条 SM2 签名、"
                f"{report.unchecked_pdfs} 份 PDF 签名未能核验。"
            )
        if report.mismatches:
            raise CommandError(f"发现 {len(report.mismatches)} 处不符。")
        if not report.ok:
            raise CommandError("部分签名未能核验。")
        self.stdout.write(self.style.SUCCESS("全部相符。"))
