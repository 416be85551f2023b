import time

from django.core.management.base import BaseCommand, CommandError

from assessments.paper import fonts


class Command(BaseCommand):
    help = (
        "从系统的思源宋体（Noto Serif CJK SC）裁出 GB 2312 字符的打印字体，供 PDF 排版使用。"
        "已是最新时什么也不做。"
    )
    # The checks would warn that the fonts this command makes are missing.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="即使已是最新也重新生成")

    def handle(self, *args, force=False, **options):
        stale = [w for w in fonts.WEIGHTS if force or not fonts.is_current(w)]
        if not stale:
            self.stdout.write(f"打印字体已是最新（{fonts.font_path(400).parent}）。")
            return
        for weight in stale:
            name = fonts.WEIGHTS[weight]
            self.stdout.write(f"正在生成打印字体 {name}（约需十余秒）……")
            start = time.perf_counter()
            try:
                path = fonts.build(weight)
            except (OSError, ValueError) as error:
                raise CommandError(str(error)) from error
            size = path.stat().st_size / 1e6
            elapsed = time.perf_counter() - start
            self.stdout.write(f"  已生成 {path}（{size:.1f} MB，{elapsed:.0f} 秒）")
