from pathlib import Path
from typing import cast

from django.core.management.base import BaseCommand, CommandError
from django.test import RequestFactory

from accounts.models import User
from core.http import AuthedRequest
from inspectors.views import inspector_export


class Command(BaseCommand):
    help = (
        "导出某账号可见的执法检查人员名录为 .xlsx（个人信息按该账号权限脱敏）"
        " / Export the inspectors a user may see"
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="以哪个账号的权限范围导出")
        parser.add_argument("--output", "-o", required=True, help="输出文件（.xlsx）")
        parser.add_argument("--department", type=int, help="只导出该部门（部门 ID）")
        parser.add_argument("--status", default="", help="只导出该状态（on_duty/leave/seconded/…）")
        parser.add_argument("--expiring", action="store_true", help="只导出 30 天内证件到期的")

    def handle(self, *args, **options):
        try:
            actor = User.objects.get(username=options["user"], is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"账号 {options['user']} 不存在或已停用") from None
        query = {}
        if options["department"]:
            query["department"] = options["department"]
        if options["status"]:
            query["status"] = options["status"]
        if options["expiring"]:
            query["expiring"] = "on"
        # The same code path as the page's export button, so scope and masking are identical.
        request = RequestFactory().get("/inspectors/export.xlsx", query)
        request.user = actor
        response = inspector_export(cast(AuthedRequest, request))
        output = Path(options["output"])
        output.write_bytes(response.content)
        self.stdout.write(f"已导出到 {output}\n")
