"""Shared body of the catalog's import commands (run_import_cli with --user)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from core.importing import run_import_cli
from core.models import ImportStatus


class ImportCommand(BaseCommand):
    kind = ""
    list_options = True

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True, help="以该账号的身份与权限导入")
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入")
        if self.list_options:
            parser.add_argument(
                "--list",
                default="",
                help="导入到该清单编码的草稿（默认：本部门的清单；双随机办为本级区划清单）",
            )
            parser.add_argument("--publish", action="store_true", help="导入后发布草稿")
            parser.add_argument("--reason", default="", help="发布时的调整说明")

    def handle(self, *args, file: Path, user: str, dry_run: bool, **options: Any):
        if not file.exists():
            raise CommandError(f"找不到文件：{file}")
        actor = User.objects.filter(username=user, is_active=True).first()
        if actor is None:
            raise CommandError(f"找不到账号：{user}")
        import_options = {}
        if self.list_options:
            import_options = {
                key: options[key] for key in ("list", "publish", "reason") if options.get(key)
            }
        job = run_import_cli(
            kind=self.kind,
            path=file,
            actor=actor,
            stdout=self.stdout,
            dry_run=dry_run,
            options=import_options or None,
        )
        if job.status in {ImportStatus.INVALID, ImportStatus.FAILED}:
            raise CommandError("导入未完成，未写入任何数据。")
