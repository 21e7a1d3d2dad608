from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from core.importing import run_import_cli
from core.models import ImportStatus


class Command(BaseCommand):
    help = "导入检查对象（.xlsx/.xls/.csv）：全部校验通过才写入，可重复导入。"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True, help="以该账号的身份与权限导入")
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入")

    def handle(self, *args, file: Path, user: str, dry_run: bool, **options):
        if not file.exists():
            raise CommandError(f"找不到文件：{file}")
        actor = User.objects.filter(username=user, is_active=True).first()
        if actor is None:
            raise CommandError(f"找不到账号：{user}")
        job = run_import_cli(
            kind="entities", path=file, actor=actor, stdout=self.stdout, dry_run=dry_run
        )
        if job.status in {ImportStatus.INVALID, ImportStatus.FAILED}:
            raise CommandError("导入未完成，未写入任何数据。")
