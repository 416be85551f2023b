"""SM2 per call, side by side: Tongsuo (what signs and verifies) and gmalg (what did before).

Prints figures; asserts nothing. gmalg is a development dependency (the compatibility tests use
it), so this command runs where the development tools are installed.
"""

import statistics
import time
from collections import Counter
from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandError

from assessments.models import Signature
from assessments.trust import keys, signers
from assessments.trust.signing import check_signature


def median_ms(function: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median wall time and median CPU time of one call, in milliseconds: on a shared machine
    the CPU time is the steadier figure."""
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        function()
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start)
    return statistics.median(wall) * 1000, statistics.median(cpu) * 1000


class Command(BaseCommand):
    help = "比较 SM2 签名与验签的耗时（铜锁 Tongsuo 与纯 Python 的 gmalg），取中位数。"

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=31, help="每项测量的次数")
        parser.add_argument(
            "--message-bytes",
            type=int,
            default=20_000,
            help="被签名内容的长度（一张表约 10–30 KB）",
        )

    def handle(self, *args: object, repeat: int, message_bytes: int, **options: object) -> None:
        try:
            import gmalg
        except ImportError:
            raise CommandError("gmalg 未安装（开发依赖）：请在开发环境中运行。") from None
        private = signers.new_private_key()
        software = signers.SoftwareKey(private)
        public = software.public_key
        message = b"jixiao-signature/1\n" + b"x" * message_bytes
        by_tongsuo = software.sign(message)

        def gmalg_sign() -> tuple[bytes, bytes]:
            return gmalg.SM2(private, signers.SM2_UID, public).sign(message)

        r, s = gmalg_sign()
        by_gmalg = r.rjust(32, b"\0") + s.rjust(32, b"\0")

        def gmalg_verify(raw: bytes) -> bool:
            return bool(
                gmalg.SM2(pk=public, uid=signers.SM2_UID).verify(message, raw[:32], raw[32:])
            )

        if not (signers.verify(public, message, by_gmalg) and gmalg_verify(by_tongsuo)):
            raise CommandError("两种实现不能互相验签。")
        rows = [
            (
                "Tongsuo",
                median_ms(lambda: software.sign(message), repeat),
                median_ms(lambda: signers.verify(public, message, by_gmalg), repeat),
            ),
            (
                "gmalg",
                median_ms(gmalg_sign, repeat),
                median_ms(lambda: gmalg_verify(by_tongsuo), repeat),
            ),
        ]
        self.stdout.write(
            f"SM2-SM3，{message_bytes} 字节的内容，{repeat} 次的中位数，毫秒（墙钟 / CPU）："
        )
        self.stdout.write(f"{'':10}{'签名':>18}{'验签':>18}")
        for name, (sign_wall, sign_cpu), (verify_wall, verify_cpu) in rows:
            self.stdout.write(
                f"{name:10}{sign_wall:10.2f} /{sign_cpu:6.2f}{verify_wall:10.2f} /{verify_cpu:6.2f}"
            )
        (_, tongsuo_sign, tongsuo_verify), (_, gmalg_sign_ms, gmalg_verify_ms) = rows
        self.stdout.write(
            f"按 CPU 时间，验签快 {gmalg_verify_ms[1] / tongsuo_verify[1]:.0f} 倍，"
            f"签名快 {gmalg_sign_ms[1] / tongsuo_sign[1]:.0f} 倍。"
        )
        stored = list(Signature.objects.select_related("key").order_by("pk"))
        if stored:
            keys.load_key_file()  # the key file is read once, outside the timing
            start, start_cpu = time.perf_counter(), time.process_time()
            states = Counter(check_signature(signature) for signature in stored)
            cpu = time.process_time() - start_cpu
            wall = time.perf_counter() - start
            self.stdout.write(
                f"check_signature（详情页、/verify/ 与下载所做的核验）：数据库中 {len(stored)} 条"
                f"签发记录共 {wall * 1000:.0f} 毫秒（CPU {cpu * 1000:.0f} 毫秒），"
                + "、".join(f"{state.value} {number}" for state, number in states.items())
                + "。"
            )
