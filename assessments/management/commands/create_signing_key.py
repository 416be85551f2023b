from django.core.management.base import BaseCommand, CommandError

from assessments.trust import keys, signing


class Command(BaseCommand):
    help = (
        "创建签名密钥文件（SM2 签发密钥、PDF 签名的 ECDSA 密钥和自签名证书），"
        "路径取自 DJANGO_SIGNING_KEY_FILE。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-missing", action="store_true", help="密钥文件已存在时什么也不做（make run 用）"
        )
        parser.add_argument(
            "--rotate",
            action="store_true",
            help="换用新密钥；旧公钥留在文件和数据库中，旧的签发仍可核验",
        )
        parser.add_argument("--name", default="绩效自评 签发版", help="PDF 签名证书的名称（CN）")

    def handle(
        self, *args: object, if_missing: bool, rotate: bool, name: str, **options: object
    ) -> None:
        path = keys.key_path()
        retired: list[bytes] = []
        if path.exists():
            if if_missing:
                return
            if not rotate:
                raise CommandError(f"密钥文件已存在：{path}。换用新密钥请加 --rotate。")
            try:
                current = keys.load_key_file()
            except keys.SigningKeyMissing as error:
                raise CommandError(str(error)) from None
            signing.current_key()  # the old public key stays in the database
            retired = sorted(current.trusted)
        elif rotate:
            raise CommandError(f"没有可以轮换的密钥文件：{path}。")
        keys.write_key_file(path, retired=retired, common_name=name)
        _, row = signing.current_key()
        self.stdout.write(
            self.style.SUCCESS(
                f"签名密钥已写入 {path}（{row.algorithm}，指纹 {row.fingerprint}）。"
            )
        )
        self.stdout.write("请把这个文件保存在数据库和数据库备份之外，并单独备份。")
