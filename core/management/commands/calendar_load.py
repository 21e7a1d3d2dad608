import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import User
from core.calendar_services import calendar_day_set, calendar_year_mark
from core.tabular import parse_date

KINDS = {
    "放假": "holiday",
    "holiday": "holiday",
    "上班": "workday",
    "补班": "workday",
    "workday": "workday",
}


class Command(BaseCommand):
    help = (
        "录入某年的放假安排（CSV：日期,类型(放假/补班),名称）并标记该年已完整录入 / "
        "Load a year's official holiday schedule"
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--source", required=True, help="依据文件名称与文号")
        parser.add_argument("--user", required=True, help="平台管理员账号")

    def handle(self, *args, **options):
        actor = User.objects.filter(username=options["user"], is_superuser=True).first()
        if actor is None:
            raise CommandError(f"{options['user']} 不是平台管理员")
        rows, errors = [], []
        with open(Path(options["file"]), encoding="utf-8-sig", newline="") as handle:
            for number, record in enumerate(csv.reader(handle), start=1):
                if not record or record[0].strip() in {"", "日期", "date"}:
                    continue
                try:
                    day = parse_date(record[0])
                except ValueError as exc:
                    errors.append(f"第 {number} 行【日期】：{exc}")
                    continue
                kind = KINDS.get(record[1].strip() if len(record) > 1 else "")
                if kind is None:
                    errors.append(f"第 {number} 行【类型】：应为“放假”或“补班”")
                elif day is None or day.year != options["year"]:
                    errors.append(f"第 {number} 行【日期】：不属于 {options['year']} 年")
                else:
                    rows.append((day, kind, record[2].strip() if len(record) > 2 else ""))
        if errors:
            raise CommandError("未写入任何数据：\n" + "\n".join(errors))
        with transaction.atomic():
            for day, kind, name in rows:
                calendar_day_set(actor=actor, date=day, kind=kind, name=name)
            calendar_year_mark(
                actor=actor, year=options["year"], complete=True, source=options["source"]
            )
        self.stdout.write(f"{options['year']} 年放假安排：录入 {len(rows)} 天，已标记为完整。")
