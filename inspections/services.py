"""Every write of inspection results. Each service runs in one transaction, checks who may act,
refuses anything on a published result, and appends one audit entry.

Who does what ("谁检查、谁录入、谁公开"):
- sheet-level records (检查情况, 告知, 签字/拒签, sheet evidence): any active member of the
  sheet's inspection group, acting as an inspector of their own department;
- an item result: an inspector of the item's department who is an active member of the group,
  or that department's organiser;
- submission: the group leader;
- review and publication: a reviewer or department administrator (`result.review`) of the task's
  lead department — for a joint sheet the lead department reviews and publishes the whole sheet,
  while each department stays responsible for its own items (corrections of an item are
  reviewed by that item's department);
- follow-ups: `result.review` holders of the department that found the problem.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Department, User
from accounts.scope import Scope, authorize
from audit.services import entry_append, snapshot
from catalog.models import Article, InspectionItem, Regulation
from planning.models import (
    Assignment,
    AssignmentStatus,
    DrawStatus,
    GroupMember,
    TaskDepartment,
)
from regions.models import Region

from . import uploads
from .category_sets import seed_category_sets
from .models import (
    CategoryKind,
    CorrectionState,
    CreditProposal,
    CreditProposalKind,
    CreditProposalState,
    Evidence,
    FollowUp,
    FollowUpKind,
    FollowUpNote,
    FollowUpStatus,
    ItemResult,
    Measure,
    Method,
    NoticeMethod,
    Outcome,
    RegionResultSetting,
    ResultCategory,
    ResultCategorySet,
    ResultCorrection,
    SheetEvent,
    SheetEventKind,
    SheetResult,
    SheetState,
    SignatureStatus,
)

PUBLISHED_ERROR = "检查结果已公示，不能修改；确有错误的，请提出更正。"
SHEET_FIELDS = [
    "state",
    "outcome",
    "outcome_note",
    "outcome_on",
    "notified_at",
    "notice_method",
    "notice_not_reason",
    "signature_status",
    "signer_name",
    "signed_at",
    "refusal_recorded_by",
    "refusal_witness",
    "refusal_reason",
    "completed_on",
    "review_note",
]
ITEM_FIELDS = [
    "part",
    "item",
    "problems",
    "basis_article",
    "basis_regulation",
    "basis_text",
    "measures",
    "measures_note",
    "methods",
    "inspected_on",
]


# --- category sets -----------------------------------------------------------------------------


def category_set_for(region: Region) -> ResultCategorySet:
    """The set chosen for `region` or the nearest region above it, else the default set."""
    codes = [region.code[:n] for n in range(len(region.code), 1, -1)]
    settings = {s.region_id: s for s in RegionResultSetting.objects.filter(region_id__in=codes)}
    for code in codes:
        if code in settings:
            return settings[code].category_set
    default = ResultCategorySet.objects.filter(is_default=True).first()
    if default is None:
        seed_category_sets()
        default = ResultCategorySet.objects.get(is_default=True)
    return default


@transaction.atomic
def region_category_set_choose(
    *, actor: User, region: Region, category_set: ResultCategorySet
) -> RegionResultSetting:
    """A region's administrator chooses the result code set of the region (and below)."""
    role = Scope.of(actor).role_for_region("department.manage", region.code)
    if role is None:
        raise PermissionDenied("department.manage")
    setting = RegionResultSetting.objects.filter(region=region).first()
    before = {"category_set": setting.category_set_id} if setting else None
    if setting is None:
        setting = RegionResultSetting(region=region)
    setting.category_set = category_set
    setting.set_by = actor
    setting.save()
    entry_append(
        actor=actor,
        role=role,
        action="result.category_set_choose",
        instance=setting,
        before=before,
        after={"region": region.code, "category_set": category_set.pk},
        region_code=region.code,
    )
    return setting


# --- helpers -----------------------------------------------------------------------------------


def _now() -> dt.datetime:
    return timezone.now()


def _member(actor: User, assignment: Assignment) -> GroupMember | None:
    return (
        GroupMember.objects.filter(group_id=assignment.group_id, active=True, inspector__user=actor)
        .select_related("inspector", "inspector__department")
        .first()
    )


def _member_role(actor: User, assignment: Assignment) -> tuple[GroupMember, str]:
    """The actor's membership of the sheet's group, acting as an inspector of their own
    department; otherwise refused."""
    member = _member(actor, assignment)
    if member is None:
        raise PermissionDenied("不是本检查组的成员")
    return member, authorize(actor, "assignment.own", member.inspector.department)


def _live(assignment: Assignment) -> None:
    if assignment.status != AssignmentStatus.ASSIGNED or assignment.draw.status != DrawStatus.DRAWN:
        raise ValidationError("该一企一表已被替换或随抽取作废，不能录入结果。")


def selected_at(assignment: Assignment) -> dt.datetime:
    """When the entity was drawn for this sheet: the draw, or the later replacement from the
    reserve list. Nothing about the inspection can be dated before it."""
    moments = [assignment.created_at]
    if assignment.draw.drawn_at is not None:
        moments.append(assignment.draw.drawn_at)
    return max(moments)


def _before_selection(assignment: Assignment, day: dt.date, what: str) -> str | None:
    """The error for `what` dated `day` when that is before the entity was drawn."""
    selected_on = timezone.localtime(selected_at(assignment)).date()
    if day < selected_on:
        return f"{what}不能早于抽中该检查对象的日期 {selected_on.isoformat()}"
    return None


def _sheet_for_update(assignment: Assignment) -> SheetResult:
    """The sheet's result row, locked; created (draft) on the first write."""
    sheet = SheetResult.objects.select_for_update().filter(assignment=assignment).first()
    if sheet is None:
        _live(assignment)
        # Two members saving their first entries at once: the second finds the first's row.
        created, _ = SheetResult.objects.get_or_create(
            assignment=assignment,
            defaults={"category_set": category_set_for(assignment.task.region)},
        )
        sheet = SheetResult.objects.select_for_update().get(pk=created.pk)
    return sheet


def _editable(sheet: SheetResult) -> None:
    if sheet.state == SheetState.PUBLISHED:
        raise ValidationError(PUBLISHED_ERROR)
    if sheet.state == SheetState.APPROVED:
        raise ValidationError("检查结果已审核通过，等待公示，不能修改。")
    if sheet.state == SheetState.SUBMITTED:
        raise ValidationError("检查结果已提交审核，不能修改；如需修改请由审核人退回。")
    _live(sheet.assignment)


def _event(sheet: SheetResult, kind: str, actor: User, note: str = "") -> None:
    SheetEvent.objects.create(sheet=sheet, kind=kind, actor=actor, at=_now(), note=note)


def _audit_sheet(
    *,
    actor: User,
    role: str,
    action: str,
    sheet: SheetResult,
    before: dict[str, Any] | None,
    department: Department | None = None,
    reason: str = "",
    extra: dict[str, Any] | None = None,
) -> None:
    after = snapshot(sheet, SHEET_FIELDS)
    after["assignment"] = sheet.assignment_id
    if extra:
        after.update(extra)
    entry_append(
        actor=actor,
        role=role,
        action=action,
        instance=sheet,
        before=before,
        after=after,
        reason=reason,
        department=department or sheet.assignment.task.lead_department,
    )


def _sheet_before(sheet: SheetResult) -> dict[str, Any]:
    return snapshot(sheet, SHEET_FIELDS)


def expected_items(assignment: Assignment) -> list[tuple[TaskDepartment, InspectionItem | None]]:
    """Every (department, item) that needs a result on this sheet; a department with no items
    set for the task enters one result for its part."""
    rows: list[tuple[TaskDepartment, InspectionItem | None]] = []
    parts = TaskDepartment.objects.filter(task_id=assignment.task_id).select_related("department")
    for part in parts.order_by("-is_lead", "department_id"):
        items = list(part.items.order_by("position"))
        if items:
            rows.extend((part, item) for item in items)
        else:
            rows.append((part, None))
    return rows


# --- sheet-level records -----------------------------------------------------------------------


@transaction.atomic
def sheet_outcome_set(
    *,
    actor: User,
    assignment: Assignment,
    outcome: str,
    note: str = "",
    on: dt.date | None = None,
) -> SheetResult:
    """Record whether the inspection could take place (seed 004 第十六条: 住所无法联系 or 不予配合
    情节严重 form the result directly, once evidence is taken)."""
    _, role = _member_role(actor, assignment)
    sheet = _sheet_for_update(assignment)
    _editable(sheet)
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": "请选择检查情况"})
    before = _sheet_before(sheet)
    if outcome == Outcome.INSPECTED:
        sheet.outcome, sheet.outcome_note, sheet.outcome_on = outcome, "", None
    else:
        errors = {}
        if not note.strip():
            errors["note"] = "请写明无法检查的经过（时间、地点、联系方式、取得的证据）"
        if on is None:
            errors["on"] = "请填写认定日期"
        elif on > timezone.localdate():
            errors["on"] = "认定日期不能晚于今天"
        elif early := _before_selection(assignment, on, "认定日期"):
            errors["on"] = early
        if errors:
            raise ValidationError(errors)
        sheet.outcome, sheet.outcome_note, sheet.outcome_on = outcome, note.strip(), on
    sheet.full_clean()
    sheet.save()
    _event(sheet, SheetEventKind.OUTCOME, actor, Outcome(outcome).label)
    _audit_sheet(actor=actor, role=role, action="result.outcome_set", sheet=sheet, before=before)
    return sheet


@transaction.atomic
def sheet_notice_set(
    *,
    actor: User,
    assignment: Assignment,
    method: str,
    notified_at: dt.datetime | None = None,
    not_reason: str = "",
) -> SheetResult:
    """告知 (seed 004 第十四条): when and how the entity was told, or why it was not."""
    _, role = _member_role(actor, assignment)
    sheet = _sheet_for_update(assignment)
    _editable(sheet)
    before = _sheet_before(sheet)
    if method not in NoticeMethod.values:
        raise ValidationError({"method": "请选择告知方式"})
    if method == NoticeMethod.NONE:
        if not not_reason.strip():
            raise ValidationError({"not_reason": "未告知的，须写明原因（如检查事项不宜事先告知）"})
        sheet.notified_at, sheet.notice_not_reason = None, not_reason.strip()
    else:
        if notified_at is None:
            raise ValidationError({"notified_at": "请填写告知时间"})
        if notified_at > _now():
            raise ValidationError({"notified_at": "告知时间不能晚于现在"})
        early = _before_selection(assignment, timezone.localtime(notified_at).date(), "告知时间")
        if early:
            raise ValidationError({"notified_at": early})
        sheet.notified_at, sheet.notice_not_reason = notified_at, ""
    sheet.notice_method = method
    sheet.full_clean()
    sheet.save()
    _event(sheet, SheetEventKind.NOTICE, actor, NoticeMethod(method).label)
    _audit_sheet(actor=actor, role=role, action="result.notice_set", sheet=sheet, before=before)
    return sheet


@transaction.atomic
def sheet_signature_set(
    *,
    actor: User,
    assignment: Assignment,
    status: str,
    signer_name: str = "",
    signed_at: dt.datetime | None = None,
    witness: str = "",
    reason: str = "",
) -> SheetResult:
    """The entity's signature, or its refusal recorded by the inspector with a witness
    (seed 002 §六(二)2, seed 004 第十五条)."""
    member, role = _member_role(actor, assignment)
    sheet = _sheet_for_update(assignment)
    _editable(sheet)
    before = _sheet_before(sheet)
    if status == SignatureStatus.SIGNED:
        errors = {}
        if not signer_name.strip():
            errors["signer_name"] = "请填写签字人姓名"
        if signed_at is None:
            errors["signed_at"] = "请填写签字时间"
        elif signed_at > _now():
            errors["signed_at"] = "签字时间不能晚于现在"
        elif signed_at < selected_at(assignment):
            errors["signed_at"] = "签字时间不能早于抽中该检查对象的时间"
        if errors:
            raise ValidationError(errors)
        sheet.signer_name, sheet.signed_at = signer_name.strip(), signed_at
        sheet.refusal_recorded_by, sheet.refusal_witness, sheet.refusal_reason = None, "", ""
    elif status == SignatureStatus.REFUSED:
        errors = {}
        if not witness.strip():
            errors["witness"] = "拒签须有见证人（姓名、身份）"
        if not reason.strip():
            errors["reason"] = "请如实记录拒签理由或情形"
        if errors:
            raise ValidationError(errors)
        sheet.signer_name, sheet.signed_at = "", None
        sheet.refusal_recorded_by = member.inspector
        sheet.refusal_witness, sheet.refusal_reason = witness.strip(), reason.strip()
    else:
        raise ValidationError({"status": "请选择签字情况"})
    sheet.signature_status = status
    sheet.full_clean()
    sheet.save()
    _event(sheet, SheetEventKind.SIGNATURE, actor, SignatureStatus(status).label)
    _audit_sheet(actor=actor, role=role, action="result.signature_set", sheet=sheet, before=before)
    return sheet


# --- item results ------------------------------------------------------------------------------


def _item_role(actor: User, assignment: Assignment, part: TaskDepartment) -> str:
    """An inspector of the item's department in the sheet's group, or that department's
    organiser."""
    scope = Scope.of(actor)
    member = _member(actor, assignment)
    if member is not None and member.inspector.department_id == part.department_id:
        role = scope.role_for("assignment.own", part.department)
        if role is not None:
            return role
    if scope.role_for("task.manage", part.department) == "organizer":
        return "organizer"
    raise PermissionDenied("只能录入本部门的检查事项")


def item_snapshot(result: ItemResult) -> dict[str, Any]:
    data = snapshot(result, ITEM_FIELDS)
    data["categories"] = sorted(result.categories.values_list("code", flat=True))
    return data


@transaction.atomic
def item_result_save(
    *,
    actor: User,
    assignment: Assignment,
    part: TaskDepartment,
    item: InspectionItem | None,
    categories: Sequence[ResultCategory],
    inspected_on: dt.date,
    methods: Sequence[str],
    problems: str = "",
    basis_article: Article | None = None,
    basis_regulation: Regulation | None = None,
    basis_text: str = "",
    measures: Sequence[str] = (),
    measures_note: str = "",
) -> ItemResult:
    if part.task_id != assignment.task_id:
        raise PermissionDenied("该部门不参与本任务")
    role = _item_role(actor, assignment, part)
    part_items = set(part.items.values_list("pk", flat=True))
    if item is None and part_items:
        raise ValidationError("请选择检查事项")
    if item is not None and item.pk not in part_items:
        raise PermissionDenied("该事项不是本部门在本任务中的抽查事项")
    sheet = _sheet_for_update(assignment)
    _editable(sheet)
    errors: dict[str, str] = {}
    categories = list(categories)
    if not categories:
        errors["categories"] = "请选择检查结果"
    elif any(c.category_set_id != sheet.category_set_id for c in categories):
        errors["categories"] = "检查结果不属于本表使用的代码集"
    else:
        kinds = {c.kind for c in categories}
        if CategoryKind.PASS in kinds and len(kinds) > 1:
            errors["categories"] = "“未发现问题”不能与其他检查结果同时选择"
        elif any(c.is_problem for c in categories) and not problems.strip():
            errors["problems"] = "发现问题的，请写明发现问题情况"
    if not methods:
        errors["methods"] = "请选择核查方式"
    elif not set(methods) <= set(Method.values):
        errors["methods"] = "核查方式无效"
    if not set(measures) <= set(Measure.values):
        errors["measures"] = "现场处置措施无效"
    elif Measure.OTHER in measures and not measures_note.strip():
        errors["measures_note"] = "选择“其他”措施的，请写明具体措施"
    today = timezone.localdate()
    if inspected_on > today:
        errors["inspected_on"] = "检查日期不能晚于今天"
    elif inspected_on < assignment.task.window_start:
        errors["inspected_on"] = (
            f"检查日期不能早于任务开始日期 {assignment.task.window_start.isoformat()}"
        )
    elif early := _before_selection(assignment, inspected_on, "检查日期"):
        errors["inspected_on"] = early
    if basis_article is not None:
        basis_regulation = basis_article.regulation
    if errors:
        raise ValidationError(errors)
    result = ItemResult.objects.filter(sheet=sheet, part=part, item=item).first()
    before = item_snapshot(result) if result else None
    if result is None:
        result = ItemResult(sheet=sheet, part=part, item=item)
    result.problems = problems.strip()
    result.basis_article = basis_article
    result.basis_regulation = basis_regulation
    result.basis_text = basis_text.strip()
    result.measures = [m for m in Measure.values if m in set(measures)]
    result.measures_note = measures_note.strip() if Measure.OTHER in measures else ""
    result.methods = [m for m in Method.values if m in set(methods)]
    result.inspected_on = inspected_on
    result.entered_by = actor
    result.entered_at = _now()
    result.full_clean(exclude=["sheet", "part", "item"])
    result.save()
    result.categories.set(categories)
    _event(sheet, SheetEventKind.ITEM, actor, f"{part.department.name}：{result.item_label}")
    entry_append(
        actor=actor,
        role=role,
        action="result.item_save",
        instance=result,
        before=before,
        after=item_snapshot(result),
        department=part.department,
    )
    return result


# --- evidence ----------------------------------------------------------------------------------


@transaction.atomic
def evidence_add(
    *,
    actor: User,
    assignment: Assignment,
    name: str,
    size: int,
    stream: IO[bytes],
    item_result: ItemResult | None = None,
    followup: FollowUp | None = None,
    note: str = "",
) -> Evidence:
    """Attach a file to the sheet, one of its item results, or a follow-up. The upload is
    checked (type from content, size) before anything is stored."""
    sheet: SheetResult
    if followup is not None:
        if followup.sheet.assignment_id != assignment.pk:
            raise PermissionDenied("证据与检查结果不对应")
        role = authorize(actor, "result.review", followup.department)
        if followup.status != FollowUpStatus.OPEN:
            raise ValidationError("后续处置已办结，不能再上传材料。")
        sheet = followup.sheet
        department = followup.department
    else:
        if item_result is not None:
            if item_result.sheet.assignment_id != assignment.pk:
                raise PermissionDenied("证据与检查结果不对应")
            role = _item_role(actor, assignment, item_result.part)
            department = item_result.part.department
        else:
            member, role = _member_role(actor, assignment)
            department = member.inspector.department
        sheet = _sheet_for_update(assignment)
        _editable(sheet)
    stored = uploads.store(name, size, stream)
    evidence = Evidence.objects.create(
        sheet=sheet,
        item_result=item_result,
        followup=followup,
        department=department,
        original_name=name[:255],
        kind=stored.kind,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        path=stored.path,
        note=note.strip()[:200],
        uploaded_by=actor,
        uploaded_at=_now(),
    )
    if followup is None:
        _event(sheet, SheetEventKind.EVIDENCE, actor, name[:100])
    entry_append(
        actor=actor,
        role=role,
        action="result.evidence_add",
        instance=evidence,
        after={
            "sheet": sheet.pk,
            "item_result": item_result.pk if item_result else None,
            "followup": followup.pk if followup else None,
            "name": evidence.original_name,
            "kind": evidence.kind,
            "size": evidence.size,
            "sha256": evidence.sha256,
        },
        department=department,
    )
    return evidence


# --- submission, review, publication -----------------------------------------------------------


def missing_for_submit(sheet: SheetResult) -> list[str]:
    """What still keeps the sheet from being submitted, in Chinese."""
    missing = []
    if not sheet.notice_method:
        missing.append("告知情况")
    if sheet.is_special:
        if not sheet.evidence.filter(followup__isnull=True).exists():
            missing.append("无法检查情形的证据材料")
        return missing
    entered = set(sheet.items.values_list("part_id", "item_id"))
    for part, item in expected_items(sheet.assignment):
        if (part.pk, item.pk if item else None) not in entered:
            label = item.name if item else "本部门抽查事项"
            missing.append(f"{part.department.name}：{label}")
    if not sheet.signature_status:
        missing.append("检查对象签字或拒签记录")
    return missing


@transaction.atomic
def sheet_submit(*, actor: User, assignment: Assignment) -> SheetResult:
    """The group leader submits the whole sheet for review."""
    member, role = _member_role(actor, assignment)
    if not member.is_leader:
        raise PermissionDenied("只有检查组组长可以提交")
    sheet = _sheet_for_update(assignment)
    _editable(sheet)
    missing = missing_for_submit(sheet)
    if missing:
        raise ValidationError("还不能提交，以下内容尚未录入：" + "、".join(missing))
    before = _sheet_before(sheet)
    if sheet.is_special:
        sheet.completed_on = sheet.outcome_on
    else:
        sheet.completed_on = max(sheet.items.values_list("inspected_on", flat=True))
    today = timezone.localdate()
    note = ""
    due = assignment.task.window_end
    if sheet.first_submitted_on is None:
        sheet.first_submitted_on = today
        if today > due:
            note = f"超过检查结束日期 {due.isoformat()} {(today - due).days} 天后提交"
    sheet.state = SheetState.SUBMITTED
    sheet.submitted_by, sheet.submitted_at = actor, _now()
    sheet.full_clean()
    sheet.save()
    _event(sheet, SheetEventKind.SUBMITTED, actor, note)
    _audit_sheet(actor=actor, role=role, action="result.submit", sheet=sheet, before=before)
    return sheet


def _locked(sheet: SheetResult) -> SheetResult:
    return (
        SheetResult.objects.select_for_update().select_related("assignment__task").get(pk=sheet.pk)
    )


@transaction.atomic
def sheet_review(*, actor: User, sheet: SheetResult, approve: bool, note: str = "") -> SheetResult:
    """The lead department's reviewer approves the sheet or returns it with a reason."""
    role = authorize(actor, "result.review", sheet.assignment.task.lead_department)
    sheet = _locked(sheet)
    if sheet.state == SheetState.PUBLISHED:
        raise ValidationError(PUBLISHED_ERROR)
    if sheet.state != SheetState.SUBMITTED:
        raise ValidationError("只有待审核的检查结果可以审核。")
    if not approve and not note.strip():
        raise ValidationError({"note": "退回须写明原因"})
    before = _sheet_before(sheet)
    sheet.state = SheetState.APPROVED if approve else SheetState.RETURNED
    sheet.reviewed_by, sheet.reviewed_at, sheet.review_note = actor, _now(), note.strip()
    sheet.full_clean()
    sheet.save()
    _event(
        sheet, SheetEventKind.APPROVED if approve else SheetEventKind.RETURNED, actor, note.strip()
    )
    _audit_sheet(
        actor=actor,
        role=role,
        action="result.approve" if approve else "result.return",
        sheet=sheet,
        before=before,
        reason=note.strip(),
    )
    return sheet


def publication_due(sheet: SheetResult) -> Any:
    """core.workdays.Deadline: N working days after the inspection was completed."""
    from core.workdays import add_workdays

    if sheet.completed_on is None:
        return None
    return add_workdays(sheet.completed_on, sheet.assignment.task.result_deadline_workdays)


@transaction.atomic
def sheet_publish(*, actor: User, sheet: SheetResult) -> SheetResult:
    """Publish an approved sheet. From now on no service changes it (corrections only)."""
    role = authorize(actor, "result.review", sheet.assignment.task.lead_department)
    sheet = _locked(sheet)
    if sheet.state == SheetState.PUBLISHED:
        raise ValidationError(PUBLISHED_ERROR)
    if sheet.state != SheetState.APPROVED:
        raise ValidationError("审核通过后才能公示。")
    before = _sheet_before(sheet)
    sheet.state = SheetState.PUBLISHED
    sheet.published_by, sheet.published_at = actor, _now()
    sheet.full_clean()
    sheet.save()
    due = publication_due(sheet)
    today = timezone.localdate()
    note = ""
    if due is not None and today > due.due:
        note = f"超过公示期限 {due.due.isoformat()} 公示"
    _event(sheet, SheetEventKind.PUBLISHED, actor, note)
    proposals = credit_proposals_create(sheet=sheet)
    _audit_sheet(
        actor=actor,
        role=role,
        action="result.publish",
        sheet=sheet,
        before=before,
        extra={"credit_proposals": [p.label for p in proposals]},
    )
    return sheet


# --- corrections -------------------------------------------------------------------------------


@transaction.atomic
def correction_create(
    *,
    actor: User,
    item_result: ItemResult,
    reason: str,
    categories: Sequence[ResultCategory],
    problems: str = "",
) -> ResultCorrection:
    """Propose a correction of a published item result (seed 004 第十七条). The original stays;
    the correction is reviewed by the item's department and then shown beside it."""
    department = item_result.part.department
    scope = Scope.of(actor)
    role = scope.role_for("result.review", department)
    if role is None:
        try:
            role = _item_role(actor, item_result.sheet.assignment, item_result.part)
        except PermissionDenied:
            raise PermissionDenied("只能更正本部门的检查结果") from None
    sheet = _locked(item_result.sheet)
    if sheet.state != SheetState.PUBLISHED:
        raise ValidationError("未公示的检查结果直接修改，无需更正。")
    errors: dict[str, str] = {}
    if not reason.strip():
        errors["reason"] = "请写明更正原因"
    categories = list(categories)
    if not categories:
        errors["categories"] = "请选择更正后的检查结果"
    elif any(c.category_set_id != sheet.category_set_id for c in categories):
        errors["categories"] = "检查结果不属于本表使用的代码集"
    elif any(c.is_problem for c in categories) and not problems.strip():
        errors["problems"] = "发现问题的，请写明发现问题情况"
    if errors:
        raise ValidationError(errors)
    if item_result.corrections.filter(state=CorrectionState.SUBMITTED).exists():
        raise ValidationError("该事项已有待审核的更正，请等待审核。")
    correction = ResultCorrection.objects.create(
        sheet=sheet,
        item_result=item_result,
        reason=reason.strip(),
        problems=problems.strip(),
        created_by=actor,
        created_at=_now(),
    )
    correction.categories.set(categories)
    _event(sheet, SheetEventKind.CORRECTION, actor, f"提出更正：{reason.strip()}")
    entry_append(
        actor=actor,
        role=role,
        action="result.correction_create",
        instance=correction,
        before=item_snapshot(item_result),
        after={
            "categories": sorted(c.code for c in categories),
            "problems": correction.problems,
            "state": correction.state,
        },
        reason=correction.reason,
        department=department,
    )
    return correction


@transaction.atomic
def correction_review(
    *, actor: User, correction: ResultCorrection, approve: bool, note: str = ""
) -> ResultCorrection:
    department = correction.item_result.part.department
    role = authorize(actor, "result.review", department)
    correction = ResultCorrection.objects.select_for_update().get(pk=correction.pk)
    if correction.state != CorrectionState.SUBMITTED:
        raise ValidationError("该更正已审核。")
    if correction.created_by_id == actor.pk:
        raise PermissionDenied("不能审核自己提出的更正")
    if not approve and not note.strip():
        raise ValidationError({"note": "不予更正须写明理由"})
    correction.state = CorrectionState.PUBLISHED if approve else CorrectionState.REJECTED
    correction.reviewed_by, correction.reviewed_at = actor, _now()
    correction.review_note = note.strip()
    correction.save()
    _event(
        correction.sheet,
        SheetEventKind.CORRECTION,
        actor,
        "更正已审核公示" if approve else f"不予更正：{note.strip()}",
    )
    entry_append(
        actor=actor,
        role=role,
        action="result.correction_publish" if approve else "result.correction_reject",
        instance=correction,
        after={"state": correction.state, "note": correction.review_note},
        reason=note.strip(),
        department=department,
    )
    if approve:
        credit_recheck(actor=actor, role=role, sheet=correction.sheet)
    return correction


def effective_item(result: ItemResult) -> tuple[list[ResultCategory], str]:
    """The item's categories and problems after its latest published correction."""
    latest = (
        result.corrections.filter(state=CorrectionState.PUBLISHED).order_by("-reviewed_at").first()
    )
    if latest is None:
        return list(result.categories.all()), result.problems
    return list(latest.categories.all()), latest.problems


# --- follow-ups --------------------------------------------------------------------------------


def _followup_snapshot(f: FollowUp) -> dict[str, Any]:
    return snapshot(
        f, ["kind", "description", "due_on", "status", "closing_note", "item_result", "department"]
    )


@transaction.atomic
def followup_open(
    *,
    actor: User,
    item_result: ItemResult,
    kind: str,
    description: str,
    due_on: dt.date,
) -> FollowUp:
    """Open a follow-up (后续处置) for a problem found (seed 004 第十九条)."""
    department = item_result.part.department
    role = authorize(actor, "result.review", department)
    sheet = _locked(item_result.sheet)
    if sheet.state not in (SheetState.APPROVED, SheetState.PUBLISHED):
        raise ValidationError("检查结果审核通过后才能登记后续处置。")
    categories, problems = effective_item(item_result)
    if not (any(c.is_problem for c in categories) or problems):
        raise ValidationError("该事项未发现问题，无需后续处置。")
    errors: dict[str, str] = {}
    if kind not in FollowUpKind.values:
        errors["kind"] = "请选择处置方式"
    if not description.strip():
        errors["description"] = "请写明处置要求"
    if due_on < timezone.localdate():
        errors["due_on"] = "办结期限不能早于今天"
    if errors:
        raise ValidationError(errors)
    followup = FollowUp.objects.create(
        sheet=sheet,
        item_result=item_result,
        department=department,
        kind=kind,
        description=description.strip(),
        due_on=due_on,
        opened_by=actor,
        opened_at=_now(),
    )
    _event(sheet, SheetEventKind.FOLLOWUP, actor, f"登记后续处置：{followup.get_kind_display()}")
    entry_append(
        actor=actor,
        role=role,
        action="result.followup_open",
        instance=followup,
        after=_followup_snapshot(followup),
        department=department,
    )
    return followup


def _open_followup(actor: User, followup: FollowUp) -> tuple[FollowUp, str]:
    role = authorize(actor, "result.review", followup.department)
    followup = FollowUp.objects.select_for_update().get(pk=followup.pk)
    if followup.status != FollowUpStatus.OPEN:
        raise ValidationError("后续处置已办结。")
    return followup, role


@transaction.atomic
def followup_update(
    *, actor: User, followup: FollowUp, text: str, due_on: dt.date | None = None
) -> FollowUp:
    """Record progress; the due date may be moved, with the progress note as the reason."""
    followup, role = _open_followup(actor, followup)
    if not text.strip():
        raise ValidationError({"text": "请填写进展情况"})
    before = _followup_snapshot(followup)
    if due_on is not None and due_on != followup.due_on:
        if due_on < timezone.localdate():
            raise ValidationError({"due_on": "办结期限不能早于今天"})
        followup.due_on = due_on
        followup.save()
    FollowUpNote.objects.create(followup=followup, text=text.strip(), author=actor, at=_now())
    entry_append(
        actor=actor,
        role=role,
        action="result.followup_update",
        instance=followup,
        before=before,
        after=_followup_snapshot(followup) | {"note": text.strip()},
        department=followup.department,
    )
    return followup


@transaction.atomic
def followup_close(*, actor: User, followup: FollowUp, note: str) -> FollowUp:
    """Close a follow-up: a closing note and at least one piece of evidence are required."""
    followup, role = _open_followup(actor, followup)
    errors = []
    if not note.strip():
        errors.append("请填写办结情况")
    if not followup.evidence.exists():
        errors.append("办结须上传处置结果材料（如整改报告、立案决定书、移送函）")
    if errors:
        raise ValidationError("；".join(errors))
    before = _followup_snapshot(followup)
    followup.status = FollowUpStatus.CLOSED
    followup.closed_by, followup.closed_at = actor, _now()
    followup.closing_note = note.strip()
    followup.save()
    _event(followup.sheet, SheetEventKind.FOLLOWUP, actor, f"后续处置办结：{note.strip()}")
    entry_append(
        actor=actor,
        role=role,
        action="result.followup_close",
        instance=followup,
        before=before,
        after=_followup_snapshot(followup),
        department=followup.department,
    )
    return followup


# --- credit feedback (信用反馈) -----------------------------------------------------------------


def credit_proposals_create(*, sheet: SheetResult) -> list[CreditProposal]:
    """Proposals a published sheet gives rise to (called inside sheet_publish):

    - 通过登记的住所无法联系 → 经营异常名录 (企业信息公示暂行条例 第十七条);
    - 不予配合情节严重 → 重点关注 (seed 004 第二十条: shared as a 失信 record);
    - a problem found on any item → one grade worse under the task's grading scheme.
    Listings the entity already has are not proposed again."""
    from registry.models import FlagKind
    from registry.selectors import flags_on

    entity = sheet.assignment.entity
    today = timezone.localdate()
    current_flags = {f.kind for f in flags_on(entity, today)}
    proposals: list[CreditProposal] = []

    def add(**fields: Any) -> None:
        proposals.append(
            CreditProposal.objects.create(sheet=sheet, entity=entity, proposed_at=_now(), **fields)
        )

    number = sheet.assignment.sheet_number
    if sheet.outcome == Outcome.UNREACHABLE and FlagKind.ABNORMAL not in current_flags:
        add(
            kind=CreditProposalKind.FLAG,
            flag_kind=FlagKind.ABNORMAL,
            reason=f"抽查（{number}）认定通过登记的住所（经营场所）无法联系",
        )
    elif sheet.outcome == Outcome.UNCOOPERATIVE and FlagKind.WATCH not in current_flags:
        add(
            kind=CreditProposalKind.FLAG,
            flag_kind=FlagKind.WATCH,
            reason=f"抽查（{number}）认定不予配合检查情节严重",
        )
    elif sheet.outcome == Outcome.INSPECTED:
        grade = _grade_proposal(sheet, [r for r in sheet.items.all() if r.has_problem])
        if grade is not None:
            proposals.append(grade)
    return proposals


def _grade_proposal(
    sheet: SheetResult, failed: Sequence[ItemResult], *, after_correction: bool = False
) -> CreditProposal | None:
    """A one-grade-worse proposal for a sheet whose items (as corrected) found problems."""
    from registry.models import GradeLevel
    from registry.selectors import entity_grade_on

    entity = sheet.assignment.entity
    scheme = sheet.assignment.task.grading_scheme
    level = entity_grade_on(entity, scheme, timezone.localdate())
    worse = (
        GradeLevel.objects.filter(scheme=scheme, rank=level.rank + 1).first()
        if level is not None
        else None
    )
    if not failed or worse is None:
        return None
    problems = "；".join(f"{r.item_label}：{effective_item(r)[1]}" for r in failed)
    prefix = "结果更正后" if after_correction else ""
    return CreditProposal.objects.create(
        sheet=sheet,
        entity=entity,
        proposed_at=_now(),
        kind=CreditProposalKind.GRADE,
        from_level=level,
        level=worse,
        reason=f"抽查（{sheet.assignment.sheet_number}）{prefix}发现问题：{problems}",
    )


def credit_recheck(*, actor: User, role: str, sheet: SheetResult) -> list[CreditProposal]:
    """After a published correction, bring the sheet's grade proposals in line with the corrected
    result (called inside correction_review): a pending proposal whose problems were corrected
    away is withdrawn; an adopted one gets a proposal to restore the former grade (decided by an
    entity manager like any other); a problem that only the correction shows gets a proposal.
    Returns the proposals created or withdrawn."""
    from registry.selectors import entity_grade_on

    if sheet.outcome != Outcome.INSPECTED:
        return []
    failed = [r for r in sheet.items.all() if any(c.is_problem for c in effective_item(r)[0])]
    grade_proposals = list(
        CreditProposal.objects.select_for_update()
        .filter(sheet=sheet, kind=CreditProposalKind.GRADE)
        .order_by("proposed_at", "id")
    )
    live = [
        p
        for p in grade_proposals
        if p.state in (CreditProposalState.PROPOSED, CreditProposalState.APPLIED)
    ]
    touched: list[CreditProposal] = []
    department = actor.department
    if failed:
        if not live:
            proposal = _grade_proposal(sheet, failed, after_correction=True)
            if proposal is not None:
                touched.append(proposal)
                entry_append(
                    actor=actor,
                    role=role,
                    action="result.credit_propose",
                    instance=proposal,
                    after={"proposal": proposal.label, "reason": proposal.reason},
                    department=department,
                )
        return touched
    today = timezone.localdate()
    for proposal in live:
        if proposal.state == CreditProposalState.PROPOSED and proposal.from_level is not None:
            if proposal.level is not None and proposal.level.rank < proposal.from_level.rank:
                continue  # a restoring proposal: it stays for the entity manager
            proposal.state = CreditProposalState.WITHDRAWN
            proposal.decided_by, proposal.decided_at = actor, _now()
            proposal.decision_note = "检查结果已更正，不再发现问题，建议撤回"
            proposal.save()
            touched.append(proposal)
            entry_append(
                actor=actor,
                role=role,
                action="result.credit_withdraw",
                instance=proposal,
                after={"state": proposal.state, "proposal": proposal.label},
                reason=proposal.decision_note,
                department=department,
            )
        elif proposal.state == CreditProposalState.APPLIED and proposal.from_level is not None:
            assert proposal.level is not None
            current = entity_grade_on(proposal.entity, proposal.level.scheme, today)
            if current != proposal.level:
                continue  # the grade has moved on since; nothing to restore automatically
            restore = CreditProposal.objects.create(
                sheet=sheet,
                entity=proposal.entity,
                proposed_at=_now(),
                kind=CreditProposalKind.GRADE,
                from_level=current,
                level=proposal.from_level,
                reason=f"抽查（{sheet.assignment.sheet_number}）结果已更正，不再发现问题；"
                f"据原结果调整的信用风险等级建议恢复为 {proposal.from_level.code}",
            )
            touched.append(restore)
            entry_append(
                actor=actor,
                role=role,
                action="result.credit_propose",
                instance=restore,
                after={"proposal": restore.label, "reason": restore.reason},
                department=department,
            )
    return touched


@transaction.atomic
def credit_proposal_decide(
    *, actor: User, proposal: CreditProposal, apply: bool, note: str = ""
) -> CreditProposal:
    """Adopt (through registry.services.flag_set / grade_assign) or reject a proposal. Only those
    who may change the entity's registry record (entity.manage in its region) decide."""
    from registry import services as registry
    from registry.selectors import entity_grade_on

    role = registry.authorize_entity(actor, proposal.entity.region_id)
    proposal = CreditProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.state != CreditProposalState.PROPOSED:
        raise ValidationError("该建议已审核。")
    if not apply and not note.strip():
        raise ValidationError({"note": "不予采纳须写明理由"})
    today = timezone.localdate()
    if apply:
        reason = (
            f"{proposal.reason}（信用反馈，{note.strip()}）" if note.strip() else proposal.reason
        )
        if proposal.kind == CreditProposalKind.FLAG:
            registry.flag_set(
                actor=actor,
                entity=proposal.entity,
                kind=proposal.flag_kind,
                valid_from=today,
                reason=reason[:255],
                recording_unit=actor.department.name if actor.department else "",
                document=proposal.sheet.assignment.sheet_number,
            )
        else:
            assert proposal.level is not None
            current = entity_grade_on(proposal.entity, proposal.level.scheme, today)
            if current != proposal.from_level:
                raise ValidationError("该对象的信用风险等级在建议提出后已变化，请重新评定。")
            registry.grade_assign(
                actor=actor,
                entity=proposal.entity,
                level=proposal.level,
                valid_from=today,
                reason=reason,
            )
    proposal.state = CreditProposalState.APPLIED if apply else CreditProposalState.REJECTED
    proposal.decided_by, proposal.decided_at = actor, _now()
    proposal.decision_note = note.strip()
    proposal.save()
    entry_append(
        actor=actor,
        role=role,
        action="result.credit_apply" if apply else "result.credit_reject",
        instance=proposal,
        after={"state": proposal.state, "proposal": proposal.label, "note": proposal.decision_note},
        reason=note.strip(),
        region_code=proposal.entity.region_id,
        department=actor.department,
    )
    return proposal
