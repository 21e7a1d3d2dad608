"""Shared body of the import_inspectors / import_experts commands."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from core.importing import run_import_cli
from core.models import ImportStatus


class ImportCommand(BaseCommand):
    kind = ""

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--user", required=True, help="以哪个账号的身份导入（须有人员名录管理权限）"
        )
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入")

    def handle(self, *args, **options):
        try:
            actor = User.objects.get(username=options["user"], is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"账号 {options['user']} 不存在或已停用") from None
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        job = run_import_cli(
            kind=self.kind, path=path, actor=actor, stdout=self.stdout, dry_run=options["dry_run"]
        )
        if job.status in {ImportStatus.INVALID, ImportStatus.FAILED}:
            raise CommandError("导入未完成，未写入任何数据。")
