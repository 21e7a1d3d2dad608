from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.exports import (
    ITEM_EXPORT_HEADERS,
    JOINT_EXPORT_HEADERS,
    item_rows,
    joint_rows,
    xlsx_bytes,
)
from catalog.models import ItemList, ListKind, VersionStatus
from catalog.selectors import version_items, version_joint_items


class Command(BaseCommand):
    help = "将清单的一个版本（默认现行版本）导出为 Excel（列与导入模板一致，可再导入）。"

    def add_arguments(self, parser):
        parser.add_argument("--list", required=True, help="清单编码")
        parser.add_argument("--list-version", type=int, default=0, help="版本号（默认现行版本）")
        parser.add_argument("--output", type=Path, required=True, help="输出 .xlsx 文件")
        parser.add_argument("--q", default="", help="关键词筛选")
        parser.add_argument("--kind", default="", choices=["", "key", "general"])
        parser.add_argument("--method", default="", help="检查方式筛选，如“现场检查”")

    def handle(self, *args, **options):
        item_list = ItemList.objects.filter(code=options["list"]).first()
        if item_list is None:
            raise CommandError(f"找不到清单：{options['list']}")
        versions = item_list.versions.all()
        if options["list_version"]:
            version = versions.filter(number=options["list_version"]).first()
        else:
            version = versions.filter(status=VersionStatus.PUBLISHED).first()
        if version is None:
            raise CommandError(
                "找不到该版本（清单尚无现行版本时请用 --list-version 指定草稿版本号）。"
            )
        if item_list.kind == ListKind.JOINT:
            joints = list(version_joint_items(version=version, query=options["q"]))
            content = xlsx_bytes(
                title="联合抽查事项", headers=JOINT_EXPORT_HEADERS, rows=joint_rows(joints)
            )
            count = len(joints)
        else:
            items = list(
                version_items(
                    version=version,
                    query=options["q"],
                    kind=options["kind"],
                    method=options["method"],
                )
            )
            content = xlsx_bytes(
                title="抽查事项", headers=ITEM_EXPORT_HEADERS, rows=item_rows(items)
            )
            count = len(items)
        Path(options["output"]).write_bytes(content)
        self.stdout.write(
            f"已导出 {count} 条事项（第 {version.number} 版）到 {options['output']}\n"
        )
