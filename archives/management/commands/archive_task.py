"""manage.py archive_task TASK_NUMBER --user USERNAME

Generate the task's archive (立卷归档) with a progress bar, as the web page does: the user's
`archive.download` scope decides, the Archive row and its audit entry are written, and the
stored zip's path and SHA-256 are printed."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from archives import selectors, services
from core.importing import ConsoleProgress


class Command(BaseCommand):
    help = "生成抽查任务的归档卷宗（立卷归档）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("task_number", help="任务编号，如 130827-2026-0001")
        parser.add_argument("--user", required=True, help="以该用户的权限生成（用户名）")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"用户 {options['user']} 不存在或已停用")
        task = selectors.tasks_archivable(user=user).filter(number=options["task_number"]).first()
        if task is None:
            raise CommandError(
                f"任务 {options['task_number']} 不存在，或用户 {user.username} 无权归档"
            )
        try:
            archive = services.archive_generate(actor=user, task=task, progress=ConsoleProgress())
        except services.ArchiveError as exc:
            raise CommandError(str(exc)) from exc
        except PermissionDenied as exc:
            raise CommandError(f"用户 {user.username} 无权归档任务 {task.number}") from exc
        counts = archive.counts
        self.stdout.write(
            f"已生成卷宗 {services.archive_file(archive)}（{archive.size} 字节，"
            f"{counts['files']} 个文件，{'已结案' if archive.is_closed else '未结案'}）"
        )
        if counts.get("evidence_problems"):
            self.stdout.write(
                self.style.ERROR(
                    f"证据校验异常 {counts['evidence_problems']} 份，未收入卷宗（见卷内目录）"
                )
            )
        self.stdout.write(f"SHA-256 {archive.sha256}")
        self.stdout.write(f"MANIFEST.sha256 的 SHA-256 {archive.manifest_sha256}")
