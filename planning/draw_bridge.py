"""Turning the platform's records into the draw engine's inputs, and back.

The engine (draw/) knows nothing of Django: it takes frozen dataclasses keyed by real-world
identifiers (USCC/注册号, 执法证号, public department codes). This module builds those inputs
for a task as of a date, and rebuilds a stored commitment so the draw can run in a later request
than the freeze.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet

import draw as engine
from accounts.models import Department
from inspectors.models import Inspector
from inspectors.selectors import conflicts_in_force_on, inspectors_eligible_on
from registry.models import Entity, EntityFlag, EntityStatus
from registry.selectors import with_grade_on

from .models import (
    Assignment,
    AssignmentStatus,
    DrawStatus,
    GroupMember,
    InspectionTask,
    TaskDepartment,
)

UNGRADED = "N"  # stratum key of entities without a grade on the draw date (未评级)
FLAGGED = "flagged"
COMPLAINTS_FLAG_THRESHOLD = 3  # complaints in the 12 months before the draw date
ACTIVE_STATUSES = [EntityStatus.ACTIVE]
RE_BADGE = re.compile(r"[0-9A-Za-z_-]{1,64}")
_FREE_TEXT_BANNED = str.maketrans(
    {",": "，", "|": "｜", ";": "；", "=": "＝", "\\": "＼", '"': "”"}
)


class DrawInputError(Exception):
    """The task cannot be frozen as configured; the message says why, in Chinese."""


def department_code(department: Department) -> str:
    """The public code of a department in certificates: region code + kind (+ id if needed)."""
    code = f"{department.region_id}-{department.kind}"
    clash = Department.objects.filter(region_id=department.region_id, kind=department.kind)
    if clash.exclude(pk=department.pk).exists():
        code = f"{code}-{department.pk}"
    return code


def free_text(value: str) -> str:
    """Free text allowed in the canonical files (the spec bans , | ; = \\ " and controls)."""
    return "".join(ch for ch in value.translate(_FREE_TEXT_BANNED) if ch.isprintable())[:200]


def candidate_queryset(task: InspectionTask) -> QuerySet[Entity]:
    """The task's target filters (decided before the freeze), applied to the registry."""
    entities = Entity.objects.filter(region__code__startswith=task.region_id)
    if task.filter_region_codes:
        q = Q()
        for code in task.filter_region_codes:
            q |= Q(region__code__startswith=code)
        entities = entities.filter(q)
    entities = entities.filter(status__in=task.filter_statuses or ACTIVE_STATUSES)
    if task.filter_entity_types:
        entities = entities.filter(entity_type__in=task.filter_entity_types)
    if task.filter_industries:
        entities = entities.filter(industry_code__in=task.filter_industries)
    tag_ids = list(task.filter_tags.values_list("pk", flat=True))
    if tag_ids:
        entities = entities.filter(entity_tags__tag_id__in=tag_ids).distinct()
    if task.filter_registered_before:
        entities = entities.filter(registered_on__lt=task.filter_registered_before)
    return entities


def filter_description(task: InspectionTask) -> str:
    from regions.models import Region
    from registry.models import EntityType

    parts = [f"区域 {task.region.full_name()}（{task.region_id}）"]
    if task.filter_region_codes:
        names = Region.objects.filter(code__in=task.filter_region_codes).order_by("code")
        parts.append("乡镇 " + "、".join(f"{r.name}（{r.code}）" for r in names))
    statuses = task.filter_statuses or ACTIVE_STATUSES
    parts.append("登记状态 " + "、".join(EntityStatus(s).label for s in statuses))
    if task.filter_entity_types:
        parts.append("主体类型 " + "、".join(EntityType(t).label for t in task.filter_entity_types))
    if task.filter_industries:
        parts.append("行业门类 " + "、".join(task.filter_industries))
    tags = list(task.filter_tags.order_by("code").values_list("name", flat=True))
    if tags:
        parts.append("标签 " + "、".join(tags))
    if task.filter_registered_before:
        parts.append(f"登记日期早于 {task.filter_registered_before.isoformat()}")
    return free_text("；".join(parts))


def _inspections_this_year(
    entity_ids: list[int], year: int, task: InspectionTask
) -> dict[int, int]:
    rows = (
        Assignment.objects.filter(
            entity_id__in=entity_ids,
            status=AssignmentStatus.ASSIGNED,
            draw__status=DrawStatus.DRAWN,
            draw__as_of_date__year=year,
        )
        .exclude(task=task)
        .values("entity_id")
        .annotate(n=Count("id"))
        .values_list("entity_id", "n")
    )
    return dict(rows)


def _flagged_ids(entity_ids: list[int], on: dt.date) -> set[int]:
    from registry.models import Complaint

    # Same validity convention as the registry (valid_to exclusive), via its selector.
    in_force = Q(valid_from__lte=on) & (Q(valid_to__isnull=True) | Q(valid_to__gt=on))
    flagged = set(
        EntityFlag.objects.filter(in_force, entity_id__in=entity_ids).values_list(
            "entity_id", flat=True
        )
    )
    since = on - dt.timedelta(days=365)
    complaints = (
        Complaint.objects.filter(
            entity_id__in=entity_ids, received_on__gt=since, received_on__lte=on
        )
        .values("entity_id")
        .annotate(n=Count("id"))
        .filter(n__gte=COMPLAINTS_FLAG_THRESHOLD)
        .values_list("entity_id", flat=True)
    )
    return flagged | set(complaints)


def _open_loads(inspector_ids: list[int], task: InspectionTask) -> dict[int, int]:
    """Targets an inspector's groups hold in other tasks that are drawn but not closed."""
    rows = (
        GroupMember.objects.filter(
            inspector_id__in=inspector_ids,
            active=True,
            group__draw__status=DrawStatus.DRAWN,
            group__draw__task__status__in=["drawn", "dispatched"],
        )
        .exclude(group__draw__task=task)
        .values("inspector_id")
        .annotate(
            n=Count(
                "group__assignments", filter=Q(group__assignments__status=AssignmentStatus.ASSIGNED)
            )
        )
        .values_list("inspector_id", "n")
    )
    return dict(rows)


@dataclass
class FrozenInputs:
    task_info: engine.TaskInfo
    params: engine.DrawParams
    candidates: list[engine.Candidate]
    exclusions: list[engine.EntityExclusion]
    inspectors: list[engine.Inspector]
    inspector_exclusions: list[engine.InspectorExclusion]
    conflicts: list[engine.ConflictPair]
    entity_ids: dict[str, int]  # entity key → Entity.pk
    badge_ids: dict[str, int]  # 执法证号 → Inspector.pk
    department_codes: dict[str, int]  # public department code → Department.pk
    population: Counter[str]


def build_inputs(
    task: InspectionTask,
    *,
    as_of: dt.date,
    draw_id: str,
    frozen_at: str,
    supersedes: str = "",
    supersede_reason: str = "",
) -> FrozenInputs:
    """Everything the engine freezes, read from the registries as of `as_of`."""
    parts = list(
        TaskDepartment.objects.filter(task=task)
        .select_related("department")
        .order_by("-is_lead", "department_id")
    )
    if not parts or not parts[0].is_lead:
        raise DrawInputError("任务尚未设置牵头部门。")
    rules = list(task.strata.all())
    if not rules:
        raise DrawInputError("任务尚未设置分层抽取比例（按信用风险等级）。")
    quotas = {r.key: engine.Quota(ratio_bp=r.ratio_bp, count=r.count) for r in rules}
    department_codes = {department_code(p.department): p.department_id for p in parts}
    code_of = {pk: code for code, pk in department_codes.items()}
    params = engine.DrawParams(
        quotas=quotas,
        departments=tuple(
            engine.DepartmentRequirement(code_of[p.department_id], p.inspectors_per_group)
            for p in parts
        ),
        stratify_flags=(FLAGGED,) if task.stratify_flagged else (),
        max_inspections_per_year=task.yearly_cap,
        group_count=task.group_count,
        max_load=task.max_load,
    )

    excluded = {e.entity_id: e for e in task.entity_exclusions.all()}
    rows = list(
        with_grade_on(candidate_queryset(task), task.grading_scheme, as_of).values_list(
            "pk", "uscc", "reg_no", "grade_code"
        )
    )
    ids = [row[0] for row in rows]
    counts = _inspections_this_year(ids, as_of.year, task)
    flagged = _flagged_ids(ids, as_of) if task.stratify_flagged else set()
    candidates, exclusions, entity_ids = [], [], {}
    population: Counter[str] = Counter()
    for pk, uscc, reg_no, grade in rows:
        key = uscc or reg_no
        entity_ids[key] = pk
        grade = grade or UNGRADED
        flags = (FLAGGED,) if pk in flagged else ()
        count = counts.get(pk, 0)
        if pk in excluded:
            manual = excluded[pk]
            exclusions.append(
                engine.EntityExclusion(
                    key, grade, manual.reason, free_text(manual.detail), flags, count
                )
            )
            continue
        candidates.append(engine.Candidate(key, grade, flags, count))
        if count < task.yearly_cap:
            population[f"{grade}:{FLAGGED}" if flags else grade] += 1

    inspectors, inspector_exclusions, badge_ids = [], [], {}
    manual_out = {x.inspector_id: x for x in task.inspector_exclusions.all()}
    pool: list[Inspector] = []
    for part in parts:
        eligible = inspectors_eligible_on(department=part.department, date=as_of)
        specialty_ids = list(part.specialties.values_list("pk", flat=True))
        if specialty_ids:
            eligible = eligible.filter(specialties__in=specialty_ids).distinct()
        pool.extend(eligible)
    loads = _open_loads([i.pk for i in pool], task)
    for inspector in pool:
        badge = inspector.certificate_no
        if not RE_BADGE.fullmatch(badge):
            raise DrawInputError(
                f"检查人员 {inspector.name} 的执法证号“{badge}”含有不能写入抽取证书的字符"
                "（只允许字母、数字、- 和 _）。"
            )
        code = code_of[inspector.department_id]
        badge_ids[badge] = inspector.pk
        if inspector.pk in manual_out:
            out = manual_out[inspector.pk]
            inspector_exclusions.append(
                engine.InspectorExclusion(badge, code, out.reason, free_text(out.detail))
            )
        inspectors.append(engine.Inspector(badge, code, loads.get(inspector.pk, 0)))
    conflicts: list[engine.ConflictPair] = []
    for inspector_id, keys in conflicts_in_force_on(
        inspector_ids=list(badge_ids.values()), date=as_of
    ).items():
        badge = next(b for b, pk in badge_ids.items() if pk == inspector_id)
        conflicts.extend(
            engine.ConflictPair(badge, key) for key in sorted(keys) if key in entity_ids
        )

    task_info = engine.TaskInfo(
        task_id=task.number,
        draw_id=draw_id,
        as_of_date=as_of.isoformat(),
        frozen_at=frozen_at,
        filter_description=filter_description(task),
        title=free_text(task.name),
        supersedes=supersedes,
        supersede_reason=supersede_reason,
    )
    return FrozenInputs(
        task_info,
        params,
        candidates,
        exclusions,
        inspectors,
        inspector_exclusions,
        conflicts,
        entity_ids,
        badge_ids,
        department_codes,
        population,
    )


def freeze(inputs: FrozenInputs) -> engine.Snapshot:
    try:
        return engine.freeze(
            task=inputs.task_info,
            params=inputs.params,
            candidates=inputs.candidates,
            exclusions=inputs.exclusions,
            inspectors=inputs.inspectors,
            inspector_exclusions=inputs.inspector_exclusions,
            conflicts=inputs.conflicts,
        )
    except engine.DrawError as exc:
        raise DrawInputError(explain(exc)) from exc


def explain(exc: engine.DrawError) -> str:
    """A Chinese explanation of an engine error, for the organiser."""
    details = exc.details
    if exc.code == "missing_quota":
        strata = "、".join(stratum_label(s) for s in details.get("strata", []))
        return f"以下分层有候选对象但没有设置抽查比例或数量：{strata}。"
    if exc.code == "insufficient_inspectors":
        needed = details.get("needed", {})
        eligible = details.get("eligible", {})
        lines = [
            f"{code}：需要 {needed[code]} 人，可抽 {eligible.get(code, 0)} 人" for code in needed
        ]
        return "检查人员不足，无法组成检查组（" + "；".join(lines) + "）。"
    return f"无法冻结：{exc.message}（{exc.code}）"


def stratum_label(key: str) -> str:
    grade, _, flag = key.partition(":")
    name = "未评级" if grade == UNGRADED else f"{grade} 级"
    return f"{name}（重点对象）" if flag else name


# --- storage -----------------------------------------------------------------------------------


def draw_dir(draw_id: str) -> Path:
    return Path(settings.MEDIA_ROOT) / "draws" / draw_id


def store_files(draw_id: str, files: Mapping[str, bytes]) -> str:
    directory = draw_dir(draw_id)
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (directory / name).write_bytes(data)
    return str(directory.relative_to(settings.MEDIA_ROOT))


def load_files(files_dir: str) -> dict[str, bytes]:
    directory = Path(settings.MEDIA_ROOT) / files_dir
    return {
        p.name: p.read_bytes()
        for p in sorted(directory.iterdir())
        if p.is_file() and p.suffix == ".csv"
    }


def commitment_from_storage(manifest_json: str, files: Mapping[str, bytes]) -> engine.Commitment:
    """Rebuild the Commitment published at freeze time from its manifest and files.

    Everything is checked against the manifest's digests, so a file altered on disk between
    the commit and the draw makes the draw refuse to run instead of running on other inputs.
    """
    from draw.engine import file_digest

    data = manifest_json.encode("utf-8")
    manifest: dict[str, Any] = json.loads(manifest_json)
    digests = []
    for name, meta in sorted(manifest["files"].items()):
        if name not in files:
            raise DrawInputError(f"承诺文件 {name} 缺失，不能抽取。")
        digest = file_digest(name, files[name], manifest["algorithm"])
        if digest.sha256 != meta["sha256"]:
            raise DrawInputError(f"承诺文件 {name} 与承诺摘要不符（文件被改动），不能抽取。")
        digests.append(digest)
    p = manifest["parameters"]
    params = engine.DrawParams(
        quotas={
            k: engine.Quota(ratio_bp=v.get("ratio_bp"), count=v.get("count"))
            for k, v in p["quotas"].items()
        },
        departments=tuple(
            engine.DepartmentRequirement(d["department"], d["per_group"]) for d in p["departments"]
        ),
        stratify_flags=tuple(p["stratify_flags"]),
        max_inspections_per_year=p["max_inspections_per_year"],
        group_count=p["group_count"],
        max_load=p["max_load"],
        reserve_min=p["reserve_min"],
        reserve_ratio_bp=p["reserve_ratio_bp"],
        id_check=p["id_check"],
    )
    supersedes = manifest.get("supersedes") or {}
    task = engine.TaskInfo(
        task_id=manifest["task_id"],
        draw_id=manifest["draw_id"],
        as_of_date=manifest["as_of_date"],
        frozen_at=manifest["frozen_at"],
        filter_description=manifest["filter"],
        title=manifest["title"],
        supersedes=supersedes.get("draw_sha256", ""),
        supersede_reason=supersedes.get("reason", ""),
    )
    from draw.records import StratumPlan

    snapshot = engine.Snapshot(
        task=task,
        params=params,
        files=dict(files),
        digests=tuple(digests),
        strata=tuple(
            StratumPlan(k, v["population"], v["k"], v["reserve"])
            for k, v in sorted(manifest["strata"].items())
        ),
        group_count=manifest["groups"]["count"],
        pool=dict(manifest["groups"]["eligible"]),
        algorithm=manifest["algorithm"],
    )
    import hashlib

    return engine.Commitment(snapshot, manifest, data, hashlib.sha256(data).hexdigest())
