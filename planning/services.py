"""Writes for plans, tasks and draws. Every function authorises, validates, writes and appends
to the audit log in one transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

import draw as engine
from accounts.models import Department, DepartmentKind, User
from accounts.scope import Scope, authorize
from audit.models import AuditHead
from audit.services import entry_append, snapshot

from . import draw_bridge as bridge
from .models import (
    AnnualPlan,
    Assignment,
    AssignmentStatus,
    Draw,
    DrawStatus,
    DrawWitness,
    EntityExclusion,
    GroupMember,
    InspectionGroup,
    InspectionTask,
    InspectorExclusion,
    PlanBatch,
    PlanKind,
    PlanStatus,
    PlanVersion,
    StratumRule,
    TaskDepartment,
    TaskKind,
    TaskStatus,
)

TASK_FIELDS = [
    "number",
    "name",
    "kind",
    "batch",
    "lead_department",
    "region",
    "status",
    "window_start",
    "window_end",
    "result_deadline_workdays",
    "grading_scheme",
    "filter_region_codes",
    "filter_entity_types",
    "filter_industries",
    "filter_registered_before",
    "filter_statuses",
    "stratify_flagged",
    "yearly_cap",
    "max_load",
    "group_count",
    "notes",
]
VERSION_FIELDS = ["number", "status", "title", "body", "reason"]
BATCH_FIELDS = [
    "position",
    "name",
    "target_scope",
    "ratio_bp",
    "count",
    "window_start",
    "window_end",
    "is_joint",
    "result_deadline_workdays",
]


def _utc_stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- plans -------------------------------------------------------------------------------------


@transaction.atomic
def plan_create(
    *,
    actor: User,
    department: Department,
    year: int,
    title: str,
    body: str = "",
    kind: str = PlanKind.DEPARTMENT,
) -> PlanVersion:
    role = authorize(actor, "plan.manage", department)
    if kind == PlanKind.JOINT and department.kind != DepartmentKind.LEADING_OFFICE:
        raise ValidationError({"kind": "部门联合抽查计划由本级双随机领导小组办公室编制"})
    if AnnualPlan.objects.filter(department=department, year=year, kind=kind).exists():
        raise ValidationError({"year": f"{year} 年的该类计划已存在，请在原计划上调整"})
    plan = AnnualPlan.objects.create(department=department, year=year, kind=kind)
    version = PlanVersion(plan=plan, number=1, title=title, body=body, created_by=actor)
    version.full_clean()
    version.save()
    entry_append(
        actor=actor,
        role=role,
        action="plan.create",
        instance=version,
        after=snapshot(version, VERSION_FIELDS),
        department=department,
    )
    return version


def _draft(actor: User, version: PlanVersion, permission: str = "plan.manage") -> str:
    role = authorize(actor, permission, version.plan.department)
    if version.status != PlanStatus.DRAFT:
        raise ValidationError(
            "只有草稿状态的计划可以修改；已公示的计划须通过“调整计划”产生新版本。"
        )
    return role


@transaction.atomic
def plan_version_update(
    *, actor: User, version: PlanVersion, title: str, body: str, reason: str = ""
) -> PlanVersion:
    role = _draft(actor, version)
    before = snapshot(version, VERSION_FIELDS)
    version.title, version.body, version.reason = title, body, reason
    version.full_clean()
    version.save()
    entry_append(
        actor=actor,
        role=role,
        action="plan.update",
        instance=version,
        before=before,
        after=snapshot(version, VERSION_FIELDS),
        department=version.plan.department,
    )
    return version


@transaction.atomic
def plan_batch_save(
    *,
    actor: User,
    version: PlanVersion,
    batch: PlanBatch | None = None,
    name: str,
    target_scope: str,
    window_start: dt.date,
    window_end: dt.date,
    ratio_bp: int | None = None,
    count: int | None = None,
    is_joint: bool = False,
    participants: Sequence[Department] = (),
    items: Sequence[Any] = (),
    result_deadline_workdays: int = 20,
) -> PlanBatch:
    role = _draft(actor, version)
    if (ratio_bp is None) == (count is None):
        raise ValidationError({"ratio_bp": "抽查比例与抽查数量须填写且只填写一项"})
    if window_end < window_start:
        raise ValidationError({"window_end": "结束日期不能早于开始日期"})
    if window_start.year != version.plan.year:
        raise ValidationError({"window_start": f"批次须在计划年度（{version.plan.year}年）内开始"})
    before = snapshot(batch, BATCH_FIELDS) if batch else None
    if batch is None:
        position = (version.batches.aggregate(m=Max("position"))["m"] or 0) + 1
        batch = PlanBatch(version=version, position=position)
    batch.name, batch.target_scope = name, target_scope
    batch.window_start, batch.window_end = window_start, window_end
    batch.ratio_bp, batch.count, batch.is_joint = ratio_bp, count, is_joint
    batch.result_deadline_workdays = result_deadline_workdays
    batch.full_clean()
    batch.save()
    batch.participants.set(participants)
    batch.items.set(items)
    after = snapshot(batch, BATCH_FIELDS)
    after["participants"] = sorted(d.pk for d in participants)
    after["items"] = sorted(i.pk for i in items)
    entry_append(
        actor=actor,
        role=role,
        action="plan.batch_save",
        instance=batch,
        before=before,
        after=after,
        department=version.plan.department,
    )
    return batch


@transaction.atomic
def plan_submit(*, actor: User, version: PlanVersion) -> PlanVersion:
    role = _draft(actor, version)
    if not version.batches.exists():
        raise ValidationError("计划至少需要一个抽查批次。")
    if version.number > 1 and not version.reason.strip():
        raise ValidationError({"reason": "调整计划须写明调整原因。"})
    version.status = PlanStatus.REVIEW
    version.submitted_at = timezone.now()
    version.save(update_fields=["status", "submitted_at"])
    entry_append(
        actor=actor,
        role=role,
        action="plan.submit",
        instance=version,
        after={"status": version.status},
        department=version.plan.department,
    )
    return version


@transaction.atomic
def plan_review(*, actor: User, version: PlanVersion, approve: bool, note: str = "") -> PlanVersion:
    """Approve (publish) or return a submitted version. The author cannot approve their own."""
    role = authorize(actor, "plan.review", version.plan.department)
    version = PlanVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != PlanStatus.REVIEW:
        raise ValidationError("该计划版本不在待审核状态。")
    if version.created_by_id == actor.pk:
        raise PermissionDenied("编制人不能审核自己编制的计划")
    if not approve:
        if not note.strip():
            raise ValidationError({"note": "退回须写明原因。"})
        version.status, version.review_note = PlanStatus.DRAFT, note
        version.save(update_fields=["status", "review_note"])
        entry_append(
            actor=actor,
            role=role,
            action="plan.return",
            instance=version,
            reason=note,
            after={"status": version.status},
            department=version.plan.department,
        )
        return version
    previous = version.plan.versions.filter(status=PlanStatus.PUBLISHED).first()
    if previous is not None:
        previous.status = PlanStatus.SUPERSEDED
        previous.save(update_fields=["status"])
    version.status, version.review_note = PlanStatus.PUBLISHED, note
    version.published_by, version.published_at = actor, timezone.now()
    version.save(update_fields=["status", "review_note", "published_by", "published_at"])
    entry_append(
        actor=actor,
        role=role,
        action="plan.publish",
        instance=version,
        reason=note,
        after={"status": version.status, "supersedes": previous.pk if previous else None},
        department=version.plan.department,
    )
    return version


@transaction.atomic
def plan_adjust(*, actor: User, plan: AnnualPlan, reason: str) -> PlanVersion:
    """Start an adjustment (调整) of a published plan: a new draft copying the current version."""
    role = authorize(actor, "plan.manage", plan.department)
    if not reason.strip():
        raise ValidationError({"reason": "调整计划须写明调整原因。"})
    current = plan.versions.filter(status=PlanStatus.PUBLISHED).first()
    if current is None:
        raise ValidationError("计划尚未公示，直接修改草稿即可。")
    if plan.versions.filter(status__in=[PlanStatus.DRAFT, PlanStatus.REVIEW]).exists():
        raise ValidationError("已有一个正在调整的版本。")
    number = (plan.versions.aggregate(m=Max("number"))["m"] or 0) + 1
    version = PlanVersion.objects.create(
        plan=plan,
        number=number,
        title=current.title,
        body=current.body,
        reason=reason,
        created_by=actor,
    )
    for old in current.batches.all():
        participants, items = list(old.participants.all()), list(old.items.all())
        joint_items = list(old.joint_items.all())
        old.pk = None
        old.version = version
        old.save()
        old.participants.set(participants)
        old.items.set(items)
        old.joint_items.set(joint_items)
    entry_append(
        actor=actor,
        role=role,
        action="plan.adjust",
        instance=version,
        reason=reason,
        after=snapshot(version, VERSION_FIELDS),
        department=plan.department,
    )
    return version


# --- tasks -------------------------------------------------------------------------------------


def _task_role(actor: User, task: InspectionTask) -> str:
    role = authorize(actor, "task.manage", task.lead_department)
    if task.kind == TaskKind.SINGLE and role == "joint_office":
        raise PermissionDenied("task.manage")
    return role


def _editable(actor: User, task: InspectionTask) -> str:
    role = _task_role(actor, task)
    if not task.is_editable:
        raise ValidationError(
            "任务已冻结承诺，不能再修改抽取条件；如确需变更，须由有权人员作废本次抽取。"
        )
    return role


def next_task_number(region_code: str, year: int) -> str:
    prefix = f"{region_code}-{year}-"
    numbers = InspectionTask.objects.filter(number__startswith=prefix).values_list(
        "number", flat=True
    )
    highest = max((int(n[len(prefix) :]) for n in numbers if n[len(prefix) :].isdigit()), default=0)
    return f"{prefix}{highest + 1:04d}"


@transaction.atomic
def task_create(
    *,
    actor: User,
    lead_department: Department,
    name: str,
    kind: str,
    window_start: dt.date,
    window_end: dt.date,
    grading_scheme: Any,
    batch: PlanBatch | None = None,
    result_deadline_workdays: int = 20,
    participants: Sequence[Department] = (),
    inspectors_per_group: int = 2,
    notes: str = "",
) -> InspectionTask:
    role = authorize(actor, "task.manage", lead_department)
    if kind == TaskKind.SINGLE and role == "joint_office":
        raise PermissionDenied("联合抽查办公室只组织部门联合抽查任务")
    if window_end < window_start:
        raise ValidationError({"window_end": "结束日期不能早于开始日期"})
    if kind == TaskKind.JOINT and not participants:
        raise ValidationError({"participants": "部门联合抽查须选择至少一个参与部门"})
    if kind == TaskKind.SINGLE and participants:
        raise ValidationError({"participants": "单部门抽查没有参与部门"})
    region = lead_department.region
    for department in participants:
        if not department.region_id.startswith(region.code[:6]):
            raise ValidationError({"participants": f"{department} 不在本区域内"})
    task = InspectionTask(
        number=next_task_number(region.code, window_start.year),
        name=name,
        kind=kind,
        batch=batch,
        lead_department=lead_department,
        region=region,
        window_start=window_start,
        window_end=window_end,
        result_deadline_workdays=result_deadline_workdays,
        grading_scheme=grading_scheme,
        notes=notes,
        created_by=actor,
    )
    task.full_clean()
    task.save()
    TaskDepartment.objects.create(
        task=task,
        department=lead_department,
        is_lead=True,
        inspectors_per_group=inspectors_per_group,
    )
    for department in participants:
        if department.pk != lead_department.pk:
            TaskDepartment.objects.create(
                task=task, department=department, inspectors_per_group=inspectors_per_group
            )
    after = snapshot(task, TASK_FIELDS)
    after["participants"] = sorted(d.pk for d in participants)
    entry_append(
        actor=actor,
        role=role,
        action="task.create",
        instance=task,
        after=after,
        department=lead_department,
    )
    return task


@transaction.atomic
def task_update(*, actor: User, task: InspectionTask, **fields: Any) -> InspectionTask:
    """Change the draft task's settings and target filters (`filter_tags` as a list of Tags)."""
    role = _editable(actor, task)
    before = snapshot(task, TASK_FIELDS)
    before["filter_tags"] = sorted(task.filter_tags.values_list("pk", flat=True))
    tags = fields.pop("filter_tags", None)
    allowed = set(TASK_FIELDS) - {"number", "kind", "lead_department", "region", "status", "batch"}
    for name, value in fields.items():
        if name not in allowed:
            raise ValidationError(f"字段 {name} 不能修改")
        setattr(task, name, value)
    if task.window_end < task.window_start:
        raise ValidationError({"window_end": "结束日期不能早于开始日期"})
    if task.yearly_cap < 1:
        raise ValidationError({"yearly_cap": "年度抽查上限至少为 1"})
    task.full_clean()
    task.save()
    if tags is not None:
        task.filter_tags.set(tags)
    after = snapshot(task, TASK_FIELDS)
    after["filter_tags"] = sorted(task.filter_tags.values_list("pk", flat=True))
    entry_append(
        actor=actor,
        role=role,
        action="task.update",
        instance=task,
        before=before,
        after=after,
        department=task.lead_department,
    )
    return task


@transaction.atomic
def task_department_save(
    *,
    actor: User,
    task: InspectionTask,
    department: Department,
    inspectors_per_group: int,
    items: Sequence[Any] = (),
    specialties: Sequence[Any] = (),
) -> TaskDepartment:
    role = _editable(actor, task)
    part = TaskDepartment.objects.filter(task=task, department=department).first()
    if part is None:
        if task.kind == TaskKind.SINGLE:
            raise ValidationError("单部门抽查不能增加参与部门。")
        part = TaskDepartment(task=task, department=department)
    if inspectors_per_group < 1:
        raise ValidationError({"inspectors_per_group": "每组人数至少为 1"})
    before = {
        "inspectors_per_group": part.inspectors_per_group,
        "items": sorted(part.items.values_list("pk", flat=True)) if part.pk else [],
    }
    part.inspectors_per_group = inspectors_per_group
    part.save()
    part.items.set(items)
    part.specialties.set(specialties)
    total = sum(
        TaskDepartment.objects.filter(task=task).values_list("inspectors_per_group", flat=True)
    )
    if total < 2:
        raise ValidationError({"inspectors_per_group": "每个检查组至少需要 2 名检查人员"})
    entry_append(
        actor=actor,
        role=role,
        action="task.department_save",
        instance=task,
        before=before,
        after={
            "department": department.pk,
            "inspectors_per_group": inspectors_per_group,
            "items": sorted(i.pk for i in items),
            "specialties": sorted(s.pk for s in specialties),
        },
        department=task.lead_department,
    )
    return part


@transaction.atomic
def task_strata_set(
    *, actor: User, task: InspectionTask, rules: Sequence[tuple[str, bool, int | None, int | None]]
) -> None:
    """Replace the stratum rules: (grade code, flagged, ratio in basis points, count)."""
    role = _editable(actor, task)
    codes = set(task.grading_scheme.levels.values_list("code", flat=True)) | {bridge.UNGRADED}
    seen = set()
    for grade, flagged, ratio_bp, count in rules:
        if grade not in codes:
            raise ValidationError({"strata": f"信用风险等级“{grade}”不属于{task.grading_scheme}"})
        if (ratio_bp is None) == (count is None):
            raise ValidationError(
                {"strata": f"{bridge.stratum_label(grade)}：比例与数量须且只须填一项"}
            )
        if ratio_bp is not None and not 0 <= ratio_bp <= 10000:
            raise ValidationError(
                {"strata": f"{bridge.stratum_label(grade)}：比例须在 0%–100% 之间"}
            )
        if (grade, flagged) in seen:
            raise ValidationError({"strata": f"{bridge.stratum_label(grade)} 重复"})
        seen.add((grade, flagged))
    before = [[r.grade, r.flagged, r.ratio_bp, r.count] for r in task.strata.all()]
    task.strata.all().delete()
    StratumRule.objects.bulk_create(
        [StratumRule(task=task, grade=g, flagged=f, ratio_bp=r, count=c) for g, f, r, c in rules]
    )
    entry_append(
        actor=actor,
        role=role,
        action="task.strata_set",
        instance=task,
        before={"strata": before},
        after={"strata": [list(r) for r in rules]},
        department=task.lead_department,
    )


@transaction.atomic
def task_exclude_inspector(
    *, actor: User, task: InspectionTask, inspector: Any, reason: str, detail: str = ""
) -> InspectorExclusion:
    role = _editable(actor, task)
    if not task.departments.filter(department_id=inspector.department_id).exists():
        raise ValidationError("该检查人员不属于本任务的参与部门。")
    exclusion = InspectorExclusion(
        task=task, inspector=inspector, reason=reason, detail=detail, created_by=actor
    )
    exclusion.full_clean()
    exclusion.save()
    entry_append(
        actor=actor,
        role=role,
        action="task.exclude_inspector",
        instance=task,
        reason=detail,
        after={"inspector": inspector.certificate_no, "reason": reason},
        department=task.lead_department,
    )
    return exclusion


@transaction.atomic
def task_exclude_entity(
    *, actor: User, task: InspectionTask, entity: Any, reason: str, detail: str = ""
) -> EntityExclusion:
    role = _editable(actor, task)
    if not detail.strip():
        raise ValidationError({"detail": "排除检查对象须写明具体说明。"})
    exclusion = EntityExclusion(
        task=task, entity=entity, reason=reason, detail=detail, created_by=actor
    )
    exclusion.full_clean()
    exclusion.save()
    entry_append(
        actor=actor,
        role=role,
        action="task.exclude_entity",
        instance=task,
        reason=detail,
        after={"entity": entity.key, "reason": reason},
        department=task.lead_department,
    )
    return exclusion


# --- the draw ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WitnessInput:
    name: str
    role: str
    organization: str = ""


@transaction.atomic
def draw_commit(
    *,
    actor: User,
    task: InspectionTask,
    witnesses: Sequence[WitnessInput],
    as_of: dt.date | None = None,
) -> Draw:
    """Freeze the candidates, inspectors and parameters and publish the commitment.

    After this nothing about the draw's inputs can change: the server nonce is generated and
    only its hash is published; the witnesses named here will each enter digits at the
    ceremony; the draw uses the revealed nonce and those digits.
    """
    role = _task_role(actor, task)
    task = InspectionTask.objects.select_for_update().get(pk=task.pk)
    if task.status != TaskStatus.DRAFT:
        raise ValidationError("任务已有有效的抽取，不能再次冻结。")
    names = [w.name.strip() for w in witnesses]
    if len([n for n in names if n]) < 2:
        raise ValidationError(
            {"witnesses": "抽取须至少有 2 名见证人（如公证人、监督人）在场并录入随机数字。"}
        )
    if len(set(names)) != len(names):
        raise ValidationError({"witnesses": "见证人姓名重复。"})
    # A re-draw links to the voided or failed draw it replaces (spec: TaskInfo.supersedes).
    previous = (
        task.draws.filter(status__in=[DrawStatus.VOIDED, DrawStatus.FAILED])
        .filter(superseded_by__isnull=True)
        .order_by("-sequence")
        .first()
    )
    sequence = (task.draws.aggregate(m=Max("sequence"))["m"] or 0) + 1
    draw_id = f"{task.number}-D{sequence}"
    now = timezone.now().replace(microsecond=0)
    as_of = as_of or timezone.localdate()
    supersedes, supersede_reason = "", ""
    if previous is not None:
        supersedes = (
            engine.draw_sha256(_certificate_doc(previous))
            if previous.certificate_json
            else previous.manifest_sha256
        )
        supersede_reason = previous.void_reason or "failed_constraints"
    inputs = bridge.build_inputs(
        task,
        as_of=as_of,
        draw_id=draw_id,
        frozen_at=_utc_stamp(now),
        supersedes=supersedes,
        supersede_reason=supersede_reason,
    )
    snap = bridge.freeze(inputs)
    head = AuditHead.objects.select_for_update().get_or_create(id=1)[0]
    nonce = engine.new_server_nonce()
    parties = tuple(bridge.free_text(n) for n in names)
    commitment = engine.commit(
        snap,
        committed_at=_utc_stamp(now),
        audit_chain_head=f"{head.last_seq}:{head.last_hash}",
        server_nonce_sha256=hashlib.sha256(nonce.encode("ascii")).hexdigest(),
        entropy=engine.EntropyPlan(witness_parties=parties),
    )
    files_dir = bridge.store_files(draw_id, snap.files)
    draw = Draw.objects.create(
        task=task,
        sequence=sequence,
        draw_id=draw_id,
        status=DrawStatus.COMMITTED,
        as_of_date=as_of,
        frozen_at=now,
        committed_at=now,
        manifest_json=commitment.manifest_json.decode("utf-8"),
        manifest_sha256=commitment.manifest_sha256,
        audit_head_seq=head.last_seq,
        audit_head_hash=head.last_hash,
        server_nonce=nonce,
        server_nonce_sha256=commitment.manifest["entropy"]["server_nonce_sha256"],
        witness_parties=list(parties),
        files_dir=files_dir,
        created_by=actor,
        supersedes=previous,
    )
    for witness, party in zip(witnesses, parties, strict=True):
        DrawWitness.objects.create(
            draw=draw, name=party, role=witness.role, organization=witness.organization
        )
    task.status = TaskStatus.COMMITTED
    task.save(update_fields=["status"])
    entry_append(
        actor=actor,
        role=role,
        action="draw.commit",
        instance=draw,
        after={
            "manifest_sha256": draw.manifest_sha256,
            "strata": {s.stratum: [s.population, s.k] for s in snap.strata},
            "witnesses": list(parties),
        },
        department=task.lead_department,
    )
    return draw


def _certificate_doc(draw: Draw) -> dict[str, Any]:
    import json

    doc: dict[str, Any] = json.loads(draw.certificate_json)
    return doc


def _sanitise_digits(digits: str) -> str:
    cleaned = "".join(ch for ch in digits if not ch.isspace())
    if not cleaned.isdigit():
        raise ValidationError({"digits": "只能录入数字（如掷骰子得到的 1–6）。"})
    return cleaned


@transaction.atomic
def draw_witness_digits(*, actor: User, draw: Draw, witness: DrawWitness, digits: str) -> None:
    """A witness's digits, entered once at the ceremony (a correction needs a void and re-draw)."""
    role = _task_role(actor, draw.task)
    if draw.status != DrawStatus.COMMITTED:
        raise ValidationError("该抽取已完成或已作废。")
    if witness.draw_id != draw.pk:
        raise PermissionDenied("witness")
    if witness.digits:
        raise ValidationError({"digits": f"{witness.name} 的随机数字已录入，不能修改。"})
    cleaned = _sanitise_digits(digits)
    minimum = json_manifest(draw)["entropy"]["witness"]["min_digits_per_party"]
    if len(cleaned) < minimum:
        raise ValidationError({"digits": f"每位见证人至少录入 {minimum} 位数字。"})
    witness.digits, witness.digits_entered_at = cleaned, timezone.now()
    witness.save(update_fields=["digits", "digits_entered_at"])
    entry_append(
        actor=actor,
        role=role,
        action="draw.witness_digits",
        instance=draw,
        after={"witness": witness.name, "digits": cleaned},
        department=draw.task.lead_department,
    )


def json_manifest(draw: Draw) -> dict[str, Any]:
    import json

    manifest: dict[str, Any] = json.loads(draw.manifest_json)
    return manifest


@transaction.atomic
def draw_run(*, actor: User, draw: Draw) -> Draw:
    """Reveal the server nonce, combine it with the witnesses' digits and run the draw."""
    role = _task_role(actor, draw.task)
    draw = Draw.objects.select_for_update().get(pk=draw.pk)
    if draw.status != DrawStatus.COMMITTED:
        raise ValidationError("该抽取已完成或已作废。")
    witnesses = {w.name: w for w in draw.witnesses.all()}
    missing = [name for name in draw.witness_parties if not witnesses[name].digits]
    if missing:
        raise ValidationError(f"以下见证人尚未录入随机数字：{'、'.join(missing)}。")
    commitment = bridge.commitment_from_storage(
        draw.manifest_json, bridge.load_files(draw.files_dir)
    )
    reveal = engine.EntropyReveal(
        server_nonce=draw.server_nonce,
        witness=tuple(
            engine.WitnessContribution(name, witnesses[name].digits)
            for name in draw.witness_parties
        ),
    )
    result = engine.draw(commitment, reveal)
    cert = result.certificate
    draw.seed = result.seed
    draw.certificate_json = cert.json_bytes.decode("utf-8")
    draw.certificate_sha256 = hashlib.sha256(cert.json_bytes).hexdigest()
    draw.drawn_at, draw.drawn_by = timezone.now(), actor
    task = draw.task
    if result.status == "failed":
        draw.status = DrawStatus.FAILED
        draw.failure = (
            {
                "code": result.failure.code,
                "message": result.failure.message,
                "details": dict(result.failure.details),
            }
            if result.failure
            else None
        )
        task.status = TaskStatus.DRAFT
    else:
        draw.status = DrawStatus.DRAWN
        _store_result(draw, result)
        task.status = TaskStatus.DRAWN
    draw.save()
    task.save(update_fields=["status"])
    (bridge.draw_dir(draw.draw_id) / "certificate.json").write_bytes(cert.json_bytes)
    entry_append(
        actor=actor,
        role=role,
        action="draw.run",
        instance=draw,
        after={
            "status": draw.status,
            "seed": draw.seed,
            "certificate_sha256": draw.certificate_sha256,
            "selected": len(result.assignments),
        },
        department=task.lead_department,
    )
    return draw


def _store_result(draw: Draw, result: engine.DrawResult) -> None:
    from inspectors.models import Inspector
    from registry.models import Entity

    badges = {m for g in result.groups for m in g.members}
    inspectors = {i.certificate_no: i for i in Inspector.objects.filter(certificate_no__in=badges)}
    groups = {}
    for group in result.groups:
        record = InspectionGroup.objects.create(
            draw=draw, code=group.group_id, leader=inspectors[group.members[0]]
        )
        GroupMember.objects.bulk_create(
            [
                GroupMember(
                    group=record, inspector=inspectors[badge], position=i, is_leader=(i == 0)
                )
                for i, badge in enumerate(group.members)
            ]
        )
        groups[group.group_id] = record
    keys = [a.uscc for a in result.assignments]
    by_uscc = {e.uscc: e for e in Entity.objects.filter(uscc__in=keys)}
    by_reg = {e.reg_no: e for e in Entity.objects.filter(reg_no__in=keys)}
    Assignment.objects.bulk_create(
        [
            Assignment(
                draw=draw,
                task=draw.task,
                entity=by_uscc.get(a.uscc) or by_reg[a.uscc],
                entity_key=a.uscc,
                stratum=a.stratum,
                group=groups[a.group_id],
                sheet_number=f"{draw.draw_id}-{n:04d}",
            )
            for n, a in enumerate(
                sorted(result.assignments, key=lambda a: (a.group_id, a.uscc)), start=1
            )
        ]
    )


VOID_REASONS = {
    "data_error": "抽取所依据的数据有误",
    "inspector_unavailable": "抽中的检查人员大面积无法到岗",
    "procedure_violation": "抽取程序不合规",
    "task_cancelled": "任务取消或调整",
    "other": "其他",
}


@transaction.atomic
def draw_void(*, actor: User, draw: Draw, reason: str, detail: str) -> Draw:
    """Void a draw with a reason. It stays visible; the next draw of the task links back to it.

    The organiser who ran the draw cannot void it (draw.void belongs to the department head's
    administrator or the joint office), so nobody can quietly fish for another result.
    """
    role = authorize(actor, "draw.void", draw.task.lead_department)
    draw = Draw.objects.select_for_update().get(pk=draw.pk)
    if draw.status not in {DrawStatus.COMMITTED, DrawStatus.DRAWN}:
        raise ValidationError("该抽取已作废或失败，不需要作废。")
    if actor.pk in {draw.created_by_id, draw.drawn_by_id}:
        raise PermissionDenied("执行抽取的人员不能作废本次抽取")
    if not detail.strip():
        raise ValidationError({"detail": "作废须写明具体原因。"})
    if reason not in VOID_REASONS:
        raise ValidationError({"reason": "请选择作废原因。"})
    code = reason
    if draw.certificate_json:
        cert = engine.Certificate(
            _certificate_doc(draw),
            draw.certificate_json.encode("utf-8"),
            bridge.load_files(draw.files_dir),
        )
        voided = engine.void_draw(
            cert,
            reason=code.lower(),
            detail=bridge.free_text(detail),
            recorded_at=_utc_stamp(timezone.now()),
        )
        draw.certificate_json = voided.json_bytes.decode("utf-8")
        draw.certificate_sha256 = hashlib.sha256(voided.json_bytes).hexdigest()
        (bridge.draw_dir(draw.draw_id) / "certificate.json").write_bytes(voided.json_bytes)
    draw.status = DrawStatus.VOIDED
    draw.void_reason, draw.void_detail = code.lower(), detail
    draw.voided_at, draw.voided_by = timezone.now(), actor
    draw.save()
    draw.assignments.update(status=AssignmentStatus.VOIDED)
    task = draw.task
    task.status = TaskStatus.DRAFT
    task.save(update_fields=["status"])
    # Confirmations were for the voided result; the next draw needs its own.
    confirmed = list(
        task.departments.filter(confirmed_at__isnull=False).values_list("department_id", flat=True)
    )
    task.departments.update(confirmed_at=None, confirmed_by=None)
    entry_append(
        actor=actor,
        role=role,
        action="draw.void",
        instance=draw,
        reason=detail,
        after={
            "status": draw.status,
            "reason": draw.void_reason,
            "confirmations_reset": sorted(confirmed),
        },
        department=task.lead_department,
    )
    return draw


def can_void(user: User, draw: Draw) -> bool:
    return (
        Scope.of(user).can("draw.void", draw.task.lead_department)
        and user.pk not in {draw.created_by_id, draw.drawn_by_id}
        and draw.status in {DrawStatus.COMMITTED, DrawStatus.DRAWN}
    )


# --- dispatch ----------------------------------------------------------------------------------

CONFIRM_WORKDAYS = 2  # seed 002 §五(一): departments confirm within 2 working days


def confirmation_deadline(draw: Draw):  # -> core.workdays.Deadline
    from core.workdays import add_workdays

    assert draw.drawn_at is not None
    return add_workdays(timezone.localtime(draw.drawn_at).date(), CONFIRM_WORKDAYS)


@transaction.atomic
def dispatch_confirm(
    *, actor: User, task: InspectionTask, department: Department
) -> TaskDepartment:
    """A participating department's administrator confirms its part of a drawn task (比对确认).

    When every department has confirmed, the task counts as dispatched (已派发).
    """
    role = authorize(actor, "dispatch.confirm", department)
    task = InspectionTask.objects.select_for_update().get(pk=task.pk)
    part = TaskDepartment.objects.filter(task=task, department=department).first()
    if part is None:
        raise PermissionDenied("该部门不参与此任务")
    draw = task.draws.filter(status=DrawStatus.DRAWN).first()
    if draw is None or task.status not in {TaskStatus.DRAWN, TaskStatus.DISPATCHED}:
        raise ValidationError("任务尚未完成抽取，不能确认派发。")
    if part.confirmed_at is not None:
        raise ValidationError("本部门已确认。")
    part.confirmed_at, part.confirmed_by = timezone.now(), actor
    part.save(update_fields=["confirmed_at", "confirmed_by"])
    deadline = confirmation_deadline(draw)
    late = timezone.localdate() > deadline.due
    if not task.departments.filter(confirmed_at__isnull=True).exists():
        task.status = TaskStatus.DISPATCHED
        task.save(update_fields=["status"])
    entry_append(
        actor=actor,
        role=role,
        action="task.dispatch_confirm",
        instance=task,
        after={
            "department": department.pk,
            "draw": draw.draw_id,
            "deadline": deadline.due,
            "late": late,
            "task_status": task.status,
        },
        department=department,
    )
    return part


# --- replacements (from the published reserve order, never a fresh random pick) --------------

REPLACE_INSPECTOR_REASONS = {
    "illness": "因病无法参加",
    "leave": "休假或外出",
    "coi_found": "发现利害关系须回避",
    "other_duty": "其他公务冲突",
    "other": "其他",
}
REPLACE_TARGET_REASONS = {
    "deregistered": "检查对象已注销",
    "revoked": "检查对象已被吊销",
    "moved_out": "检查对象已迁出",
    "data_error": "名录库数据有误",
    "other": "其他",
}


def _live_certificate(draw: Draw) -> engine.Certificate:
    if draw.status != DrawStatus.DRAWN:
        raise ValidationError("只有有效的抽取结果可以替换人员或对象。")
    return engine.Certificate(
        _certificate_doc(draw),
        draw.certificate_json.encode("utf-8"),
        bridge.load_files(draw.files_dir),
    )


def _save_certificate(draw: Draw, cert: engine.Certificate) -> None:
    draw.certificate_json = cert.json_bytes.decode("utf-8")
    draw.certificate_sha256 = hashlib.sha256(cert.json_bytes).hexdigest()
    draw.save(update_fields=["certificate_json", "certificate_sha256"])
    (bridge.draw_dir(draw.draw_id) / "certificate.json").write_bytes(cert.json_bytes)


def _replacement_error(exc: engine.DrawError) -> ValidationError:
    if exc.code in {"no_reserve", "reserve_exhausted"} or "reserve" in exc.code:
        return ValidationError(
            "备选名单已用完，无法按规则替换；如确需调整，请由有权人员作废本次抽取后重新抽取。"
        )
    return ValidationError(f"不能替换：{exc.message}（{exc.code}）")


@transaction.atomic
def draw_replace_inspector(
    *, actor: User, draw: Draw, inspector: Any, reason: str, detail: str
) -> GroupMember:
    """Replace a drawn inspector by the next usable one in the department's published reserve."""
    from inspectors.models import Inspector

    role = _task_role(actor, draw.task)
    draw = Draw.objects.select_for_update().get(pk=draw.pk)
    if reason not in REPLACE_INSPECTOR_REASONS:
        raise ValidationError({"reason": "请选择替换原因。"})
    if not detail.strip():
        raise ValidationError({"detail": "替换须写明具体情况。"})
    member = (
        GroupMember.objects.filter(group__draw=draw, inspector=inspector, active=True)
        .select_related("group")
        .first()
    )
    if member is None:
        raise ValidationError("该检查人员不在本次抽取的检查组中。")
    try:
        cert = engine.replace_inspector(
            _live_certificate(draw),
            badge=inspector.certificate_no,
            reason=reason,
            detail=bridge.free_text(detail),
            recorded_at=_utc_stamp(timezone.now()),
        )
    except engine.DrawError as exc:
        raise _replacement_error(exc) from exc
    event = cert.document["events"][-1]
    substitute = Inspector.objects.get(certificate_no=event["in"])
    member.active = False
    member.save(update_fields=["active"])
    new_member = GroupMember.objects.create(
        group=member.group,
        inspector=substitute,
        position=member.position,
        is_leader=member.is_leader,
    )
    if member.is_leader:
        member.group.leader = substitute
        member.group.save(update_fields=["leader"])
    _save_certificate(draw, cert)
    entry_append(
        actor=actor,
        role=role,
        action="draw.replace_inspector",
        instance=draw,
        reason=detail,
        after={
            "out": event["out"],
            "in": event["in"],
            "group": event["group"],
            "reason": reason,
            "skipped": event["skipped"],
        },
        department=draw.task.lead_department,
    )
    return new_member


@transaction.atomic
def draw_replace_target(
    *, actor: User, draw: Draw, assignment: Assignment, reason: str, detail: str
) -> Assignment:
    """Replace a selected entity by the next usable one in its stratum's published reserve."""
    from registry.models import Entity

    role = _task_role(actor, draw.task)
    draw = Draw.objects.select_for_update().get(pk=draw.pk)
    if reason not in REPLACE_TARGET_REASONS:
        raise ValidationError({"reason": "请选择替换原因。"})
    if not detail.strip():
        raise ValidationError({"detail": "替换须写明具体情况。"})
    if assignment.draw_id != draw.pk or assignment.status != AssignmentStatus.ASSIGNED:
        raise ValidationError("该检查对象不是本次抽取的有效对象。")
    try:
        cert = engine.replace_target(
            _live_certificate(draw),
            uscc=assignment.entity_key,
            reason=reason,
            detail=bridge.free_text(detail),
            recorded_at=_utc_stamp(timezone.now()),
        )
    except engine.DrawError as exc:
        raise _replacement_error(exc) from exc
    event = cert.document["events"][-1]
    entity = Entity.objects.filter(uscc=event["in"]).first() or Entity.objects.get(
        reg_no=event["in"]
    )
    assignment.status = AssignmentStatus.REPLACED
    assignment.save(update_fields=["status"])
    group = draw.groups.get(code=event["group"])
    count = draw.assignments.count()
    substitute = Assignment.objects.create(
        draw=draw,
        task=draw.task,
        entity=entity,
        entity_key=event["in"],
        stratum=event["stratum"],
        group=group,
        sheet_number=f"{draw.draw_id}-{count + 1:04d}",
        from_reserve=True,
    )
    _save_certificate(draw, cert)
    entry_append(
        actor=actor,
        role=role,
        action="draw.replace_target",
        instance=draw,
        reason=detail,
        after={
            "out": event["out"],
            "in": event["in"],
            "group": event["group"],
            "reason": reason,
            "skipped": event["skipped"],
        },
        department=draw.task.lead_department,
    )
    return substitute
