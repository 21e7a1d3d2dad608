from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from core.importing import run_import_cli
from core.models import ImportStatus


class Command(BaseCommand):
    help = "从 Excel/CSV 导入本级部门 / Import departments into the user's region"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--user", required=True, help="以哪个账号的身份导入（须有部门管理权限）"
        )
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入")

    def handle(self, *args, **options):
        try:
            actor = User.objects.get(username=options["user"], is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"账号 {options['user']} 不存在或已停用") from None
        job = run_import_cli(
            kind="departments",
            path=Path(options["file"]),
            actor=actor,
            stdout=self.stdout,
            dry_run=options["dry_run"],
        )
        if job.status in {ImportStatus.INVALID, ImportStatus.FAILED}:
            raise CommandError("导入未完成，未写入任何数据。")
