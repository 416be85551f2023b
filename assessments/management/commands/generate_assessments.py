import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from assessments import synthetic
from assessments.models import Organisation

from ._progress import terminal_progress


def year_range(text):
    try:
        first, _, last = text.partition("-")
        years = list(range(int(first), int(last or first) + 1))
    except ValueError:
        raise CommandError(f"年度范围“{text}”应写作 2020-2024 或 2022。") from None
    if not years or years[0] < 2000 or years[-1] > 2100:
        raise CommandError(f"年度范围“{text}”无效：应在 2000 至 2100 之间，且起始不晚于结束。")
    return years


class Command(BaseCommand):
    help = (
        "生成 N 张模拟自评表（部门、单位、跨年度的项目、指标树与数字），用于试用与性能测试。"
        "仅限演示模式（DJANGO_DEMO=1）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("count", type=int, help="要生成的自评表张数")
        parser.add_argument("--years", default="2020-2024", help="年度范围，默认 2020-2024")
        parser.add_argument("--prefix", default="模拟", help="部门与单位名称的前缀，默认“模拟”")
        parser.add_argument("--seed", type=int, default=2022, help="随机种子，相同种子结果相同")
        parser.add_argument("--batch-size", type=int, default=1000, help="每批写入的张数")

    def handle(self, *args, count, years, prefix, seed, batch_size, **options):
        if not settings.DEMO_MODE:
            raise CommandError("生产模式下不生成模拟数据（DJANGO_DEMO=0）。")
        if count < 1:
            raise CommandError("张数至少为 1。")
        if batch_size < 1:
            raise CommandError("每批张数至少为 1。")
        if not prefix.strip():
            raise CommandError("名称前缀不能为空。")
        if Organisation.objects.filter(name__startswith=prefix).exists():
            raise CommandError(f"已有名称以“{prefix}”开头的单位；请用 --prefix 换一个前缀。")
        started = time.perf_counter()
        created = synthetic.generate(
            count,
            years=year_range(years),
            prefix=prefix,
            seed=seed,
            batch_size=batch_size,
            progress=terminal_progress("生成"),
        )
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"已生成 {created} 张模拟自评表，用时 {elapsed:.1f} 秒"
                f"（每秒 {created / elapsed:.0f} 张）。"
            )
        )
