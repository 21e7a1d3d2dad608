"""Registry benchmarks (not a test): import throughput and search latency at scale.

    DATABASE_URL=sqlite:////tmp/regbench.sqlite3 .venv/bin/python bench/registry_bench.py 1000000
    scripts/with-postgres.sh .venv/bin/python bench/registry_bench.py 1000000

Works on a fresh database (migrates it). Writes JSON lines to stdout:
  import   a generated CSV of N entities through the real pipeline (validate, then commit in
           one transaction), then the same file again (idempotent: 0 created, 0 updated);
  csv_floor the csv module alone reading the same file (compare runs on a loaded machine);
  xlsx     a generated .xlsx of --xlsx-rows new entities through the same pipeline, and the
           floors: openpyxl read_only and python-calamine iterating the same sheet;
  search   p50/p95 over --repeat runs of typical list queries as a county user (one page of
           50 rows + the bounded count + the page's grades/flags/tags, i.e. the list page's
           queries without template rendering).
"""

from __future__ import annotations

import csv
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/regbench.sqlite3")

import django  # noqa: E402

django.setup()

from django.core.files import File  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

TOWNSHIPS = [(f"130827{100 + i}", f"测试{i}镇") for i in range(20)]
TRADES = [
    "鑫源",
    "宏达",
    "兴旺",
    "龙腾",
    "金鼎",
    "顺发",
    "福满",
    "华盛",
    "瑞丰",
    "恒通",
    "永盛",
    "万家",
    "德润",
    "嘉和",
    "盛世",
]
SUFFIXES = ["网吧", "歌厅", "宾馆", "饭店", "超市", "汽车修理部", "商贸有限公司", "建材有限公司"]
GRADES = ["A"] * 30 + ["B"] * 40 + ["C"] * 20 + ["D"] * 7 + ["E"] * 3
HEADERS = [
    "统一社会信用代码",
    "注册号",
    "企业名称",
    "主体类型",
    "行业",
    "法定代表人",
    "成立日期",
    "登记状态",
    "住所",
    "联系电话",
    "所属区域",
    "信用等级",
    "标签",
]


def emit(**kw: Any) -> None:
    kw["db"] = connection.vendor
    kw["load"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(kw, ensure_ascii=False), flush=True)


def setup(migrate: bool = True) -> Any:
    from accounts.models import DepartmentKind, Role
    from accounts.services import department_create, user_create
    from regions.models import Region, RegionLevel
    from registry.models import Tag, TagCategory

    if migrate:
        call_command("migrate", verbosity=0)
    if not Region.objects.filter(code="130827").exists():
        Region.objects.create(code="13", name="河北省", level=RegionLevel.PROVINCE)
        Region.objects.create(code="1308", name="承德市", level=RegionLevel.CITY, parent_id="13")
        Region.objects.create(
            code="130827", name="宽城满族自治县", level=RegionLevel.COUNTY, parent_id="1308"
        )
        for code, name in TOWNSHIPS:
            Region.objects.create(
                code=code, name=name, level=RegionLevel.TOWNSHIP, parent_id="130827"
            )
        department = department_create(
            actor=None,
            name="宽城县市场监督管理局",
            kind=DepartmentKind.MARKET,
            region=Region.objects.get(code="130827"),
        )
        user_create(
            actor=None,
            username="bench",
            full_name="压测",
            department=department,
            roles=[Role.DEPT_ADMIN],
            password="Bench-Passw0rd!x",
            must_change_password=False,
        )
        category = TagCategory.objects.create(code="business", name="经营业态")
        for code, name in [("netbar", "互联网上网服务营业场所"), ("food", "食品经营")]:
            Tag.objects.create(category=category, code=code, name=name)
    from accounts.models import User

    return User.objects.get(username="bench")


def make_rows(start: int, n: int, seed: int) -> Any:
    from registry.identifiers import USCC_ALPHABET, org_code_complete, uscc_complete

    rng = random.Random(seed)
    for i in range(start, start + n):
        digits, m = [], i + 31**4
        for _ in range(6):
            m, r = divmod(m, 31)
            digits.append(USCC_ALPHABET[r])
        kind = "2" if i % 3 else "1"
        uscc = uscc_complete("9" + kind + "130827" + org_code_complete("MA" + "".join(digits)))
        suffix = rng.choice(SUFFIXES)
        code, town = TOWNSHIPS[i % len(TOWNSHIPS)]
        yield [
            uscc,
            "",
            f"宽城县{town}{rng.choice(TRADES)}{suffix}{i}",
            "个体工商户" if kind == "2" else "企业",
            "R 互联网上网服务" if suffix == "网吧" else "F",
            "张三",
            f"{rng.randrange(1998, 2025)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
            "存续",
            f"宽城县{town}大街{i % 300}号",
            f"138{i:08d}",
            town if i % 2 else code,
            rng.choice(GRADES),
            "互联网上网服务营业场所" if suffix == "网吧" else ("食品经营" if i % 4 == 0 else ""),
        ]


def run_import(user: Any, path: Path, label: str, rows: int) -> dict[str, Any]:
    from core.importing import (
        import_job_commit,
        import_job_confirm,
        import_job_create,
        import_job_validate,
    )

    with open(path, "rb") as handle:
        job = import_job_create(
            actor=user,
            kind="entities",
            upload=File(handle, name=path.name),
            filename=path.name,
            enqueue=False,
        )
    c0, t0 = time.process_time(), time.perf_counter()
    job = import_job_validate(job=job)
    c1, t1 = time.process_time(), time.perf_counter()
    assert job.status == "ready", (job.status, job.errors[:5])
    job = import_job_confirm(actor=user, job=job, enqueue=False)
    c2, t2 = time.process_time(), time.perf_counter()
    job = import_job_commit(job=job)
    c3, t3 = time.process_time(), time.perf_counter()
    assert job.status == "done", job.report
    result = {
        "bench": "import",
        "file": label,
        "rows": rows,
        "validate_s": round(t1 - t0, 2),
        "commit_s": round(t3 - t2, 2),
        "total_s": round(t3 - t0, 2),
        "rows_per_s": round(rows / (t3 - t0)),
        "validate_rows_per_s": round(rows / (t1 - t0)),
        "commit_rows_per_s": round(rows / (t3 - t2)),
        # CPU seconds of this process (SQLite does all its work here; PostgreSQL's server
        # work is not included): the load-independent view on a shared machine
        "validate_cpu_s": round(c1 - c0, 2),
        "commit_cpu_s": round(c3 - c2, 2),
        "rows_per_cpu_s": round(rows / (c3 - c0 - (c2 - c1))),
        "report": job.report,
    }
    emit(**result)
    return result


def bench_search(user: Any, repeat: int) -> None:
    from registry.models import Entity, FlagKind, GradeLevel, Tag
    from registry.selectors import (
        EntityFilter,
        cheap_to_count,
        default_scheme,
        entity_search,
        list_annotations,
        window,
    )

    sample = Entity.objects.order_by("id")[1234]
    e_level = GradeLevel.objects.get(scheme__is_default=True, code="E")
    netbar = Tag.objects.get(code="netbar")
    cases = {
        "list page 1 (no filter)": (EntityFilter(), 1),
        "list page 20 (no filter)": (EntityFilter(), 20),
        "name 2 chars common (网吧)": (EntityFilter(q="网吧"), 1),
        "name 3+ chars (瑞丰网吧)": (EntityFilter(q="瑞丰网吧"), 1),
        "name rare (瑞丰网吧1234)": (EntityFilter(q=f"{sample.name[-8:]}"), 1),
        "name 2 chars rare (丰汽)": (EntityFilter(q="丰汽"), 1),
        "USCC exact": (EntityFilter(q=sample.uscc), 1),
        "USCC prefix 10": (EntityFilter(q=sample.uscc[:10]), 1),
        "township": (EntityFilter(region=TOWNSHIPS[3][0]), 1),
        "industry R": (EntityFilter(industry="R"), 1),
        "grade E": (EntityFilter(level=e_level), 1),
        "flag 经营异常": (EntityFilter(flag=FlagKind.ABNORMAL), 1),
        "tag 网吧": (EntityFilter(tags=(netbar.pk,)), 1),
        "township + grade E + tag": (
            EntityFilter(region=TOWNSHIPS[5][0], level=e_level, tags=(netbar.pk,)),
            1,
        ),
        "name 3+ + grade E": (EntityFilter(q="鑫源网吧", level=e_level), 1),
    }
    scheme = default_scheme()
    for label, (filters, page) in cases.items():
        times = []
        found = 0
        for _ in range(repeat):
            t0 = time.perf_counter()
            w = window(
                entity_search(user=user, filters=filters), page, count=cheap_to_count(filters)
            )
            list_annotations(w.rows, scheme)
            times.append((time.perf_counter() - t0) * 1000)
            found = w.count
        times.sort()
        emit(
            bench="search",
            query=label,
            p50_ms=round(statistics.median(times), 1),
            p95_ms=round(times[max(0, int(len(times) * 0.95) - 1)], 1),
            count=(f">{found}" if found >= 10000 else found) if w.counted else "not counted",
        )


def add_flags(n: int) -> None:
    import datetime as dt

    from registry.models import Entity, EntityFlag, FlagKind

    ids = list(Entity.objects.order_by("id").values_list("id", flat=True)[:: max(1, n // 30000)])
    EntityFlag.objects.bulk_create(
        [
            EntityFlag(
                entity_id=pk,
                kind=FlagKind.ABNORMAL,
                valid_from=dt.date(2024, 1, 1),
                reason="未按规定期限公示年度报告",
                recording_unit="县市场监管局",
            )
            for pk in ids
        ],
        batch_size=5000,
    )


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=100_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--skip-import", action="store_true")
    args = parser.parse_args()
    user = setup(migrate=not args.skip_import)
    tmp = Path(tempfile.mkdtemp(prefix="regbench-"))
    if not args.skip_import:
        path = tmp / "entities.csv"
        t0 = time.perf_counter()
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADERS)
            writer.writerows(make_rows(0, args.n, 1))
        emit(bench="generate", file="csv", rows=args.n, s=round(time.perf_counter() - t0, 1))
        t0 = time.perf_counter()
        with open(path, newline="", encoding="utf-8") as handle:
            count = sum(1 for _ in csv.reader(handle)) - 1
        floor = time.perf_counter() - t0
        emit(
            bench="csv_floor",
            rows=count,
            s=round(floor, 2),
            rows_per_s=round(count / floor),
            note="csv module iteration only, same run: the load-independent yardstick",
        )
        run_import(user, path, "csv", args.n)
        run_import(user, path, "csv (same file again)", args.n)
        add_flags(args.n)

        if args.xlsx_rows:
            from openpyxl import Workbook, load_workbook

            xpath = tmp / "entities.xlsx"
            workbook = Workbook(write_only=True)
            sheet = workbook.create_sheet("检查对象")
            sheet.append(HEADERS)
            for row in make_rows(args.n, args.xlsx_rows, 2):
                sheet.append(row)
            workbook.save(xpath)
            t0 = time.perf_counter()
            book = load_workbook(xpath, read_only=True, data_only=True)
            count = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))
            floor = time.perf_counter() - t0
            emit(
                bench="xlsx_floor",
                reader="openpyxl read_only",
                rows=count - 1,
                s=round(floor, 2),
                rows_per_s=round((count - 1) / floor),
            )
            from python_calamine import CalamineWorkbook

            t0 = time.perf_counter()
            sheet = CalamineWorkbook.from_path(str(xpath)).get_sheet_by_index(0)
            count = sum(1 for _ in sheet.iter_rows())
            floor = time.perf_counter() - t0
            emit(
                bench="xlsx_floor",
                reader="python-calamine (used by core.tabular)",
                rows=count - 1,
                s=round(floor, 2),
                rows_per_s=round((count - 1) / floor),
            )
            run_import(user, xpath, "xlsx", args.xlsx_rows)
    if not args.skip_import:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    bench_search(user, args.repeat)


if __name__ == "__main__":
    main()
