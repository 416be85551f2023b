from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from assessments import rules, services
from assessments.models import Assessment
from assessments.services import uploads


class Command(BaseCommand):
    help = (
        "读取填好的填报表（.xlsx / .xls），列出每一处修改；加 --apply 才保存"
        "（与网页上传相同的检查，全部保存或全部不保存）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="填报表文件路径")
        parser.add_argument("--user", required=True, help="以此用户的身份和权限上传（用户名）")
        parser.add_argument("--apply", action="store_true", help="确认保存；不加时只列出修改")

    def handle(self, *args, file, user, apply, **options):
        person = get_user_model().objects.filter(username=user, is_active=True).first()
        if person is None:
            raise CommandError(f"没有用户“{user}”。")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{file}")
        if path.stat().st_size > uploads.MAX_BYTES:
            raise CommandError("文件超过 5 MB，无法上传。")
        try:
            plan = uploads.plan_upload(path.read_bytes(), path.name, user=person)
        except uploads.UploadRefused as refusal:
            for problem in refusal.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"文件没有被接受，没有任何改动：{len(refusal.problems)} 个问题。"
            ) from None
        ids = [sheet["assessment"] for sheet in plan["sheets"]]
        tables = {a.pk: a for a in Assessment.objects.with_tree().filter(pk__in=ids)}
        previews = uploads.preview(plan, tables, by=person)
        for item in previews:
            self.write_preview(item)
        if not apply:
            self.stdout.write("以上修改尚未保存；加 --apply 保存。")
            return
        try:
            saved = uploads.apply_upload(plan, by=person)
        except services.AssessmentError as error:
            raise CommandError(f"没有保存：{error}") from None
        self.stdout.write(self.style.SUCCESS(f"已保存 {len(saved)} 张自评表。"))

    def write_preview(self, item):
        a = item.assessment
        self.stdout.write(f"{item.title}：{a.year.year} 年度 {a.subject}（{a.unit.name}）")
        if item.conflicts:
            self.stdout.write("  下载之后这张表被他人修改过：标“已修改，不覆盖”的单元格不会覆盖。")
        for change in item.changes:
            mark = f"  （{change.changed_by or '他人'}已修改，不覆盖）" if change.by_others else ""
            self.stdout.write(
                f"  {change.address} {change.label}：{change.old or '（空）'} → "
                f"{change.new or '（空）'}{mark}"
            )
        if not item.changes:
            self.stdout.write("  没有修改。")
        for finding, is_new in item.findings:
            if is_new:
                severity = "错误" if finding.severity == rules.ERROR else "提示"
                self.stdout.write(f"  新的{severity}：{finding.message}")
        self.stdout.write(
            f"  总分 {item.before.total_score} → {item.after.total_score}，"
            f"等级 {item.before.grade} → {item.after.grade}"
        )
