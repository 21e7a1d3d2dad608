"""manage.py generate_documents TASK_NUMBER --user USERNAME [--format pdf,docx,xlsx] -o FILE.zip

Every 一企一表 and 随机抽查通知书 of the task's current draw into one .zip, with a progress bar.
The user decides the scope (the task must be visible to them) and whether entities' personal
data appear in full, exactly as on the web page."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from core.importing import ConsoleProgress
from planning import documents
from planning.models import DrawStatus
from planning.selectors import task_list_visible


class Command(BaseCommand):
    help = "生成抽查任务当前抽取结果的全部一企一表和随机抽查通知书（压缩包）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("task_number", help="任务编号，如 130827-2026-0001")
        parser.add_argument("--user", required=True, help="以该用户的权限生成（用户名）")
        parser.add_argument(
            "--format", default="pdf", help="格式，逗号分隔：pdf、docx、xlsx（默认 pdf）"
        )
        parser.add_argument("-o", "--output", required=True, help="输出的 .zip 文件")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"用户 {options['user']} 不存在或已停用")
        task = task_list_visible(user=user).filter(number=options["task_number"]).first()
        if task is None:
            raise CommandError(
                f"任务 {options['task_number']} 不存在，或用户 {user.username} 无权查看"
            )
        draw = task.draws.filter(status=DrawStatus.DRAWN).order_by("-sequence").first()
        if draw is None:
            raise CommandError(f"任务 {task.number} 没有已抽取且未作废的抽取结果")
        try:
            formats = documents.parse_formats(options["format"])
            report = documents.batch_generate(
                draw=draw,
                user=user,
                formats=formats,
                out=Path(options["output"]),
                progress=ConsoleProgress(),
            )
        except documents.DocumentError as exc:
            raise CommandError(str(exc)) from exc
        masked = documents.personal_variant(user, task) == "masked"
        self.stdout.write(
            f"已生成 {report.total} 户、{report.files} 个文件 → {options['output']}"
            f"（{report.size} 字节，用时 {report.seconds} 秒"
            + (f"，PDF 每户一企一表 {report.per_sheet} 秒" if report.per_sheet else "")
            + "）"
            + ("；个人信息已脱敏" if masked else "")
        )
        self.stdout.write(f"SHA-256 {report.sha256}")
