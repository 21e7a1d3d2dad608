from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from core.exports import xlsx_response
from registry.exports import export_table
from registry.models import FlagKind, GradeLevel, Tag
from registry.selectors import EntityFilter, default_scheme, entity_search


class Command(BaseCommand):
    help = "按条件导出检查对象名录（.xlsx），权限与页面相同；--public 导出不含个人信息的公开版。"

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", type=Path, required=True)
        parser.add_argument("--user", required=True, help="以该账号的权限范围导出")
        parser.add_argument("-q", "--query", default="", help="名称片段或信用代码")
        parser.add_argument("--region", default="", help="区划代码（含下级）")
        parser.add_argument("--industry", default="", help="行业门类字母")
        parser.add_argument("--status", default="")
        parser.add_argument("--type", dest="entity_type", default="")
        parser.add_argument("--grade", default="", help="默认分类方案的等级，如 E")
        parser.add_argument("--flag", default="", choices=["", *FlagKind.values])
        parser.add_argument("--tag", action="append", default=[], help="标签编码，可重复")
        parser.add_argument("--public", action="store_true", help="公开版：不含证件号码、电话")

    def handle(self, *args, **o):
        actor = User.objects.filter(username=o["user"], is_active=True).first()
        if actor is None:
            raise CommandError(f"找不到账号：{o['user']}")
        level = None
        if o["grade"]:
            level = GradeLevel.objects.filter(scheme=default_scheme(), code=o["grade"]).first()
            if level is None:
                raise CommandError(f"默认分类方案中没有等级 {o['grade']}")
        tags = []
        for code in o["tag"]:
            tag = Tag.objects.filter(code=code).first()
            if tag is None:
                raise CommandError(f"没有编码为 {code} 的标签")
            tags.append(tag.pk)
        filters = EntityFilter(
            q=o["query"],
            region=o["region"],
            industry=o["industry"],
            status=o["status"],
            entity_type=o["entity_type"],
            level=level,
            flag=o["flag"],
            tags=tuple(tags),
        )
        entities = entity_search(user=actor, filters=filters)
        headers, rows = export_table(user=actor, entities=entities, public=o["public"])
        counted = []

        def counting():
            for row in rows:
                counted.append(1)
                yield row

        response = xlsx_response(
            filename=o["output"].name, title="检查对象", headers=headers, rows=counting()
        )
        o["output"].write_bytes(response.content)
        self.stdout.write(f"已导出 {len(counted)} 条到 {o['output']}\n")
