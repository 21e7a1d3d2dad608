"""Benchmark data for the public site's load test (not a test; bench/public_load.py drives it).

    scripts/with-postgres.sh .venv/bin/python bench/public_data.py --entities 20000 --results 2000

On a fresh database: migrate, load the division tree and the demo county (the real services:
departments, accounts, catalog, 30,000 demo entities, inspectors, one real witnessed draw), then

- entities: COPY the rest of `--entities` into registry_entity with the registry benchmark's
  generator (bench/registry_bench.make_rows: valid USCCs, names, types), spread over the demo
  county's real townships, each with its current credit grade (Entity.current_level and one
  EntityGrade row, as the importer writes them). The table's secondary indexes are dropped and
  rebuilt from their own definitions around the COPY (same schema afterwards, built once);
- results: a few hundred single and joint tasks of the demo county's departments, each with a
  drawn Draw, groups of the departments' inspectors, one Assignment (一企一表) per drawn entity,
  and for every assignment a PUBLISHED SheetResult with one ItemResult per (department, item) of
  the task and its result categories from the county's code set; about 1 % of the problem items
  carry a published correction (更正). One task is large (a tenth of the results) so that its
  result notice has deep pages.

Everything is bulk-inserted (COPY / bulk_create) and NOT through the services: the services
write an audit entry per change and would take hours for 100,000 results. This is benchmark
data: no audit log, no SheetEvent history, no evidence files, and the cloned draws reuse the
demo draw's manifest and certificate text (their digests are made unique), so their
certificates do not verify. Rows are otherwise what the services would leave behind for a
published result (states, dates in order, leaders, reviewers, categories of the sheet's set).

Prints one JSON line per step (with seconds and the load average) and writes the key files the
wrk scripts read (see `write_key_files`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import random
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_public")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

COUNTY = "130827"
# make_rows(i) derives the USCC's organisation code from i; the demo county's own entities use
# other digits, and this offset keeps the benchmark's range clear of anything small.
ENTITY_OFFSET = 10_000_000
# USCCs built from this range never exist: the "misses" of the search scenarios.
MISS_OFFSET = 400_000_000
TODAY = dt.date(2026, 11, 26)


def emit(**kw: Any) -> None:
    kw["load"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(kw, ensure_ascii=False, default=str), flush=True)


class Step:
    """Times one step and prints it."""

    def __init__(self, name: str, **extra: Any) -> None:
        self.name = name
        self.extra = extra

    def __enter__(self) -> Step:
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: Any) -> None:
        if exc[0] is None:
            emit(step=self.name, seconds=round(time.perf_counter() - self.t0, 1), **self.extra)


# --- base: schema and the demo county ------------------------------------------------------------


def base_load() -> None:
    from io import StringIO

    with Step("migrate"):
        call_command("migrate", verbosity=0)
    from regions.models import Region

    if not Region.objects.filter(code=COUNTY).exists():
        with Step("load_regions"):
            call_command("load_regions", stdout=StringIO())
    with Step("load_demo") as step:
        out = StringIO()
        call_command("load_demo", stdout=out)
        step.extra = {"summary": [line for line in out.getvalue().splitlines() if "：" in line]}


# --- entities -----------------------------------------------------------------------------------


def _entity_indexes() -> list[tuple[str, str]]:
    """Secondary indexes of registry_entity (everything but the constraints' own indexes)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename = 'registry_entity' AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE conrelid = 'registry_entity'::regclass)"
        )
        return list(cursor.fetchall())


def load_entities(total: int, seed: int) -> int:
    """Add entities until the registry holds `total`; returns how many were added."""
    from bench.registry_bench import TOWNSHIPS, make_rows
    from regions.models import Region, RegionLevel
    from registry.models import Entity, GradeLevel, GradingScheme

    have = Entity.objects.count()
    todo = max(0, total - have)
    if not todo:
        return 0
    towns = list(
        Region.objects.filter(parent_id=COUNTY, level=RegionLevel.TOWNSHIP)
        .order_by("code")
        .values_list("code", "name")
    )
    scheme = GradingScheme.objects.get(is_default=True)
    levels = dict(GradeLevel.objects.filter(scheme=scheme).values_list("code", "pk"))
    now = timezone.now()

    # the demo county's own USCCs follow another digit order and may coincide with a few
    existing = set(Entity.objects.exclude(uscc="").values_list("uscc", flat=True))

    def rows() -> Any:
        made = 0
        for n, row in enumerate(make_rows(ENTITY_OFFSET, todo + len(existing), seed)):
            uscc, _, name, type_label, industry, rep, founded, _, address, phone = row[:10]
            if uscc in existing:
                continue
            if made == todo:
                return
            made += 1
            fake_town = TOWNSHIPS[(ENTITY_OFFSET + n) % len(TOWNSHIPS)][1]
            code, town = towns[n % len(towns)]
            yield (
                uscc,
                "",
                name.replace(fake_town, town),
                "individual" if type_label == "个体工商户" else "company",
                industry[0],
                industry[2:],
                rep,
                "",
                phone,
                address.replace(fake_town, town),
                code,
                founded,
                "active",
                levels[row[11]],
                now,
                now,
            )

    columns = (
        "uscc, reg_no, name, entity_type, industry_code, industry_detail, representative, "
        "id_number, phone, address, region_id, registered_on, status, current_level_id, "
        "created_at, updated_at"
    )
    if connection.vendor != "postgresql":
        # small SQLite check runs only: the ORM path (triggers keep the FTS table in step)
        fields = [f.strip() for f in columns.split(",")]
        with Step("entities_orm") as step:
            batch = []
            for values in rows():
                batch.append(Entity(**dict(zip(fields, values, strict=True))))
                if len(batch) == 5000:
                    Entity.objects.bulk_create(batch)
                    batch = []
            Entity.objects.bulk_create(batch)
            step.extra = {"rows": todo}
    else:
        indexes = _entity_indexes()
        with transaction.atomic(), connection.cursor() as cursor:
            before = Entity.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            for name, _ in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            t0 = time.perf_counter()
            with cursor.cursor.copy(f"COPY registry_entity ({columns}) FROM STDIN") as copy:
                for n, values in enumerate(rows(), start=1):
                    copy.write_row(values)
                    if n % 200_000 == 0:
                        emit(step="entities_copy_progress", rows=n, of=todo)
            emit(step="entities_copy", rows=todo, seconds=round(time.perf_counter() - t0, 1))
            t0 = time.perf_counter()
            cursor.execute(
                "INSERT INTO registry_entitygrade (entity_id, scheme_id, level_id, "
                "valid_from, reason, created_at) SELECT id, %s, current_level_id, %s, %s, %s "
                "FROM registry_entity WHERE id > %s",
                [
                    scheme.pk,
                    dt.date(2026, 1, 1),
                    "2026年度信用风险分类（压测数据）",
                    now,
                    before,
                ],
            )
            emit(
                step="entity_grades_insert",
                rows=cursor.rowcount,
                seconds=round(time.perf_counter() - t0, 1),
            )
            t0 = time.perf_counter()
            # run the deferred foreign-key checks now: CREATE INDEX refuses pending triggers
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            emit(step="foreign_key_checks", seconds=round(time.perf_counter() - t0, 1))
            for name, definition in indexes:
                t0 = time.perf_counter()
                cursor.execute(definition)
                emit(step="index_rebuild", index=name, seconds=round(time.perf_counter() - t0, 1))
    return todo


# --- planning and published results ------------------------------------------------------------


def _task_sizes(results: int, rng: random.Random) -> list[int]:
    """One large task (a tenth of the results, at most 10,000) and ~250 results per other task,
    with sizes varying 1:5."""
    if results < 2:
        return [results] if results else []
    big = max(1, min(10_000, results // 10))
    rest = results - big
    count = max(1, rest // 250)
    weights = [rng.uniform(1, 5) for _ in range(count)]
    total = sum(weights)
    sizes = [max(1, int(rest * w / total)) for w in weights]
    sizes[-1] += rest - sum(sizes)
    while sizes[-1] < 1:  # rounding pushed the last one under 1: take from the largest
        i = sizes.index(max(sizes))
        sizes[i] -= 1
        sizes[-1] += 1
    return [big, *sizes]


def load_results(results: int, seed: int) -> dict[str, Any]:
    from accounts.models import Department, User
    from catalog.models import InspectionItem
    from inspections.models import (
        CategoryKind,
        CorrectionState,
        ItemResult,
        Measure,
        Method,
        NoticeMethod,
        ResultCorrection,
        SheetResult,
        SheetState,
        SignatureStatus,
    )
    from inspections.services import category_set_for
    from inspectors.models import Inspector
    from planning.models import (
        Assignment,
        Draw,
        DrawStatus,
        GroupMember,
        InspectionGroup,
        InspectionTask,
        StratumRule,
        TaskDepartment,
        TaskKind,
        TaskStatus,
    )
    from regions.models import Region
    from registry.models import Entity, GradingScheme

    rng = random.Random(seed)
    county = Region.objects.get(code=COUNTY)
    scheme = GradingScheme.objects.get(is_default=True)
    category_set = category_set_for(county)
    categories = list(category_set.categories.all())
    passed = next(c for c in categories if c.kind == CategoryKind.PASS)
    problems = [c for c in categories if c.kind == CategoryKind.PROBLEM and c.parent_code]
    corrected = next(
        (c for c in categories if c.kind == CategoryKind.PROBLEM and "已改正" in c.label), passed
    )
    template = Draw.objects.filter(status=DrawStatus.DRAWN).order_by("pk").first()
    assert template is not None, "the demo county's drawn task is missing"

    # Departments of the county that have inspectors, with their items and people.
    inspectors: dict[int, list[Inspector]] = {}
    for inspector in Inspector.objects.filter(
        department__region_id=COUNTY, is_active=True
    ).select_related("user"):
        inspectors.setdefault(inspector.department_id, []).append(inspector)
    departments = [
        d
        for d in Department.objects.filter(region_id=COUNTY).order_by("pk")
        if len(inspectors.get(d.pk, [])) >= 2
    ]
    items = {
        d.pk: list(
            InspectionItem.objects.filter(
                version__status="published", version__item_list__department=d
            ).order_by("position")[:3]
        )
        for d in departments
    }
    people: dict[int, list[User]] = {}
    for user in User.objects.filter(department__in=departments).order_by("pk"):
        people.setdefault(user.department_id, []).append(user)
    entered_by = {
        d.pk: [i.user for i in inspectors[d.pk] if i.user_id] or people[d.pk] for d in departments
    }
    reviewer = {d.pk: people[d.pk][min(2, len(people[d.pk]) - 1)] for d in departments}

    with Step("entity_ids") as step:
        entity_ids = list(Entity.objects.values_list("pk", flat=True))
        step.extra = {"entities": len(entity_ids)}
    sizes = _task_sizes(results, rng)
    numbers: dict[int, int] = {}
    for year in (2025, 2026):
        prefix = f"{COUNTY}-{year}-"
        existing = InspectionTask.objects.filter(number__startswith=prefix).values_list(
            "number", flat=True
        )
        numbers[year] = max((int(n[len(prefix) :]) for n in existing), default=0)

    summary: dict[str, Any] = {"tasks": len(sizes), "largest_task": None}
    done = 0
    t_start = time.perf_counter()
    for index, size in enumerate(sizes):
        with transaction.atomic():
            joint = index > 0 and rng.random() < 0.3
            lead = rng.choice(departments)
            others = [d for d in departments if d.pk != lead.pk]
            parts = (
                [lead, *rng.sample(others, min(len(others), rng.randint(1, 3)))]
                if joint
                else [lead]
            )
            start = dt.date(2025, 3, 1) + dt.timedelta(days=rng.randrange(0, 560))
            end = min(
                start + dt.timedelta(days=rng.randrange(20, 60)), TODAY - dt.timedelta(days=25)
            )
            start = min(start, end - dt.timedelta(days=10))
            numbers[start.year] += 1
            number = f"{COUNTY}-{start.year}-{numbers[start.year]:04d}"
            creator = people[lead.pk][min(1, len(people[lead.pk]) - 1)]
            per_group = 2 * len(parts)
            available = min(len(inspectors[d.pk]) for d in parts) // 2
            group_count = max(1, min(available, math.ceil(size / 20)))
            task = InspectionTask.objects.create(
                number=number,
                name=(
                    f"{start.year}年度{'跨部门联合' if joint else lead.short_name or lead.name}"
                    f"双随机抽查（压测第{index + 1}批）"
                ),
                kind=TaskKind.JOINT if joint else TaskKind.SINGLE,
                lead_department=lead,
                region=county,
                status=TaskStatus.CLOSED,
                window_start=start,
                window_end=end,
                grading_scheme=scheme,
                max_load=min(32767, max(20, math.ceil(size / group_count))),
                group_count=group_count,
                created_by=creator,
            )
            task_parts = []
            for d in parts:
                part = TaskDepartment.objects.create(
                    task=task,
                    department=d,
                    is_lead=d.pk == lead.pk,
                    inspectors_per_group=2,
                    confirmed_at=timezone.make_aware(
                        dt.datetime.combine(start - dt.timedelta(days=3), dt.time(10))
                    ),
                    confirmed_by=reviewer[d.pk],
                )
                part.items.set(items[d.pk])
                task_parts.append(part)
            StratumRule.objects.create(task=task, grade="B", ratio_bp=500)
            drawn_at = timezone.make_aware(
                dt.datetime.combine(start - dt.timedelta(days=5), dt.time(9, 30))
            )
            draw = Draw.objects.create(
                task=task,
                sequence=1,
                draw_id=f"{number}-D1",
                status=DrawStatus.DRAWN,
                as_of_date=start - dt.timedelta(days=6),
                frozen_at=drawn_at - dt.timedelta(days=1),
                committed_at=drawn_at - dt.timedelta(days=1),
                manifest_json=template.manifest_json,
                manifest_sha256=hashlib.sha256(f"bench-manifest-{number}".encode()).hexdigest(),
                audit_head_seq=template.audit_head_seq,
                audit_head_hash=template.audit_head_hash,
                server_nonce=template.server_nonce,
                server_nonce_sha256=template.server_nonce_sha256,
                witness_parties=template.witness_parties,
                files_dir=template.files_dir,
                seed=hashlib.sha256(f"bench-seed-{number}".encode()).hexdigest(),
                certificate_json=template.certificate_json,
                certificate_sha256=hashlib.sha256(f"bench-cert-{number}".encode()).hexdigest(),
                drawn_at=drawn_at,
                drawn_by=creator,
                created_by=creator,
            )
            # Groups: two inspectors of each department, no inspector twice in one draw.
            pools = {d.pk: rng.sample(inspectors[d.pk], len(inspectors[d.pk])) for d in parts}
            groups, members = [], []
            width = len(str(group_count))
            for g in range(group_count):
                chosen = [i for d in parts for i in pools[d.pk][2 * g : 2 * g + 2]]
                group = InspectionGroup(draw=draw, code=f"G{g + 1:0{width}d}", leader=chosen[0])
                groups.append(group)
                members.append(chosen)
            InspectionGroup.objects.bulk_create(groups)
            GroupMember.objects.bulk_create(
                [
                    GroupMember(group=group, inspector=i, position=p, is_leader=p == 0)
                    for group, chosen in zip(groups, members, strict=True)
                    for p, i in enumerate(chosen)
                ]
            )
            assert per_group == len(members[0])
            picked = rng.sample(entity_ids, size)
            keys = dict(Entity.objects.filter(pk__in=picked).values_list("pk", "uscc"))
            drawn = sorted(
                ((groups[n % group_count], keys[pk], pk) for n, pk in enumerate(picked)),
                key=lambda a: (a[0].code, a[1]),
            )
            assignments = Assignment.objects.bulk_create(
                [
                    Assignment(
                        draw=draw,
                        task=task,
                        entity_id=pk,
                        entity_key=key,
                        stratum="B",
                        group=group,
                        sheet_number=f"{draw.draw_id}-{n:04d}",
                    )
                    for n, (group, key, pk) in enumerate(drawn, start=1)
                ],
                batch_size=5000,
            )
            span = (end - start).days
            sheets = []
            for assignment in assignments:
                completed = start + dt.timedelta(days=rng.randrange(0, span + 1))
                submitted = timezone.make_aware(dt.datetime.combine(completed, dt.time(16)))
                reviewed = submitted + dt.timedelta(days=rng.randrange(1, 6))
                published = reviewed + dt.timedelta(days=rng.randrange(0, 8), hours=1)
                leader_user = entered_by[lead.pk][0]
                sheets.append(
                    SheetResult(
                        assignment=assignment,
                        category_set=category_set,
                        state=SheetState.PUBLISHED,
                        notified_at=submitted - dt.timedelta(days=1, hours=6),
                        notice_method=NoticeMethod.PHONE,
                        signature_status=SignatureStatus.SIGNED,
                        signer_name="经营者",
                        signed_at=submitted - dt.timedelta(hours=5),
                        submitted_by=leader_user,
                        submitted_at=submitted,
                        first_submitted_on=completed,
                        reviewed_by=reviewer[lead.pk],
                        reviewed_at=reviewed,
                        published_by=reviewer[lead.pk],
                        published_at=published,
                        completed_on=completed,
                    )
                )
            SheetResult.objects.bulk_create(sheets, batch_size=5000)
            item_results, chosen_categories = [], []
            for sheet in sheets:
                for part in task_parts:
                    for item in items[part.department_id] or [None]:
                        problem = rng.random() < 0.12
                        category = rng.choice(problems) if problem else passed
                        item_results.append(
                            ItemResult(
                                sheet=sheet,
                                part=part,
                                item=item,
                                problems=(
                                    "现场检查发现经营场所未按规定公示证照信息，已当场责令改正。"
                                    if problem
                                    else ""
                                ),
                                basis_text="《中华人民共和国行政许可法》" if problem else "",
                                measures=[Measure.CORRECT.value] if problem else [],
                                methods=[Method.ON_SITE.value],
                                inspected_on=sheet.completed_on,
                                entered_by=rng.choice(entered_by[part.department_id]),
                                entered_at=sheet.submitted_at - dt.timedelta(hours=2),
                            )
                        )
                        chosen_categories.append(category)
            ItemResult.objects.bulk_create(item_results, batch_size=5000)
            through = ItemResult.categories.through
            through.objects.bulk_create(
                [
                    through(itemresult_id=r.pk, resultcategory_id=c.pk)
                    for r, c in zip(item_results, chosen_categories, strict=True)
                ],
                batch_size=10000,
            )
            fixes = [
                r
                for r, c in zip(item_results, chosen_categories, strict=True)
                if c is not passed and rng.random() < 0.01
            ]
            corrections = ResultCorrection.objects.bulk_create(
                [
                    ResultCorrection(
                        sheet=r.sheet,
                        item_result=r,
                        state=CorrectionState.PUBLISHED,
                        reason="经复核，检查对象已于检查当日整改到位，依申请更正检查结果。",
                        problems=r.problems,
                        created_by=r.entered_by,
                        created_at=r.sheet.published_at + dt.timedelta(days=3),
                        reviewed_by=reviewer[r.part.department_id],
                        reviewed_at=r.sheet.published_at + dt.timedelta(days=5),
                        review_note="同意更正",
                    )
                    for r in fixes
                ]
            )
            ResultCorrection.categories.through.objects.bulk_create(
                [
                    ResultCorrection.categories.through(
                        resultcorrection_id=c.pk, resultcategory_id=corrected.pk
                    )
                    for c in corrections
                ]
            )
        done += size
        summary.setdefault("item_results", 0)
        summary["item_results"] += len(item_results)
        summary.setdefault("corrections", 0)
        summary["corrections"] += len(corrections)
        if index == 0:
            summary["largest_task"] = {
                "pk": task.pk,
                "results": size,
                "pages": math.ceil(size / 50),
            }
        if index % 50 == 0 or index == len(sizes) - 1:
            emit(
                step="results_progress",
                tasks=index + 1,
                of=len(sizes),
                results=done,
                seconds=round(time.perf_counter() - t_start, 1),
            )
    summary["results"] = done
    return summary


# --- key files for the wrk scripts ---------------------------------------------------------------


def write_key_files(out: Path, seed: int, sample: int = 20_000) -> dict[str, Any]:
    """One URL-ready value per line:

    uscc_hit.txt     USCCs of entities with at least one published result
    uscc_plain.txt   USCCs of entities drawn at random from the whole registry (most have none)
    uscc_miss.txt    well-formed USCCs (valid check characters) that are not in the registry
    names.txt        name searches (URL-encoded): an entity's full name, or a 4-character
                     business-type fragment
    tasks.txt        primary keys of the tasks with published results, largest first
    """
    from bench.registry_bench import make_rows
    from planning.models import InspectionTask
    from registry.models import Entity

    rng = random.Random(seed + 1)
    out.mkdir(parents=True, exist_ok=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT e.uscc FROM registry_entity e WHERE e.uscc <> '' AND EXISTS (SELECT 1 FROM "
            "planning_assignment a JOIN inspections_sheetresult s ON s.assignment_id = a.id "
            "WHERE a.entity_id = e.id AND s.state = 'published') ORDER BY e.id"
        )
        hits = [row[0] for row in cursor.fetchall()]
    hits = rng.sample(hits, min(sample, len(hits)))
    max_id = Entity.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    ids = rng.sample(range(1, max_id + 1), min(sample * 2, max_id))
    plain = [u for u in Entity.objects.filter(pk__in=ids).values_list("uscc", flat=True) if u]
    plain = plain[:sample]
    misses = [row[0] for row in make_rows(MISS_OFFSET, 2_000, seed)]
    assert not Entity.objects.filter(uscc__in=misses).exists()
    names = [
        urllib.parse.quote(n)
        for n in Entity.objects.filter(pk__in=ids[:1000]).values_list("name", flat=True)
    ]
    names += [urllib.parse.quote(t + s) for t in ("瑞丰", "宏达", "金鼎") for s in ("网吧", "超市")]
    tasks = [
        str(pk)
        for pk in InspectionTask.objects.filter(assignments__result__state="published")
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    ]
    files = {
        "uscc_hit.txt": hits,
        "uscc_plain.txt": plain,
        "uscc_miss.txt": misses,
        "names.txt": names,
        "tasks.txt": tasks,
    }
    for name, values in files.items():
        (out / name).write_text("\n".join(values) + "\n", encoding="utf-8")
    return {name: len(values) for name, values in files.items()}


def generate(*, entities: int, results: int, seed: int, out: Path) -> dict[str, Any]:
    t0 = time.perf_counter()
    base_load()
    t1 = time.perf_counter()
    added = load_entities(entities, seed)
    t2 = time.perf_counter()
    summary = load_results(results, seed)
    t3 = time.perf_counter()
    with connection.cursor() as cursor:
        # VACUUM as autovacuum would have done on a live database (visibility map)
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    t4 = time.perf_counter()
    keys = write_key_files(out, seed)
    from inspections.models import SheetResult
    from registry.models import Entity

    figures = {
        "entities": Entity.objects.count(),
        "entities_added": added,
        "published_results": SheetResult.objects.filter(state="published").count(),
        **summary,
        "keys": keys,
        "seconds": {
            "base": round(t1 - t0, 1),
            "entities": round(t2 - t1, 1),
            "results": round(t3 - t2, 1),
            "analyze": round(t4 - t3, 1),
            "total": round(time.perf_counter() - t0, 1),
        },
    }
    emit(step="generated", **figures)
    return figures


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entities", type=int, default=20_000)
    parser.add_argument("--results", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path("var/pubbench/keys"))
    args = parser.parse_args()
    generate(entities=args.entities, results=args.results, seed=args.seed, out=args.out)


if __name__ == "__main__":
    main()
