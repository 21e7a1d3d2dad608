"""Scoped reads of inspection results.

Who sees a sheet: the active members of its inspection group, and — for users holding a role
other than inspector — everyone who sees the task (planning.selectors.task_list_visible: the lead
department and participants in scope, upper levels read-only, supervisors). An inspector of
another group sees nothing of it (404), even in the same department.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from accounts.scope import Scope
from core.workdays import Deadline, add_workdays
from inspectors.models import Inspector
from planning.models import Assignment, AssignmentStatus, DrawStatus, TaskDepartment
from planning.selectors import task_list_visible

from .models import (
    CorrectionState,
    CreditProposal,
    CreditProposalState,
    Evidence,
    FollowUp,
    FollowUpStatus,
    ItemResult,
    ResultCategorySet,
    ResultCorrection,
    SheetResult,
    SheetState,
)
from .services import category_set_for, effective_item, expected_items


def sheets_visible(*, user: User) -> QuerySet[Assignment]:
    scope = Scope.of(user)
    member = Q(group__members__inspector__user=user, group__members__active=True)
    q = member
    if scope.is_platform_admin or (scope.roles - {"inspector"}):
        q |= Q(task__in=task_list_visible(user=user).values("pk"))
    ids = Assignment.objects.filter(
        q, status=AssignmentStatus.ASSIGNED, draw__status=DrawStatus.DRAWN
    ).values("pk")
    return Assignment.objects.filter(pk__in=ids).select_related(
        "entity", "entity__region", "task", "task__lead_department", "group", "group__leader"
    )


def sheet_get_visible(*, user: User, pk: int) -> Assignment:
    assignment = sheets_visible(user=user).filter(pk=pk).first()
    if assignment is None:
        raise Http404
    return assignment


def result_of(assignment: Assignment) -> SheetResult | None:
    return SheetResult.objects.filter(assignment=assignment).first()


def evidence_get_visible(*, user: User, pk: int) -> Evidence:
    evidence = (
        Evidence.objects.filter(pk=pk, sheet__assignment__in=sheets_visible(user=user))
        .select_related("sheet")
        .first()
    )
    if evidence is None:
        raise Http404
    return evidence


# --- deadlines and overdue warnings ------------------------------------------------------------


@dataclass
class Warning:
    """One deadline of a sheet: result entry (by the end of the inspection window) or
    publication (N working days after the inspection was completed)."""

    kind: str  # "entry" | "publication"
    label: str
    due: dt.date
    provisional: bool
    done_on: dt.date | None
    today: dt.date

    @property
    def level(self) -> str:
        """ "" (fine), "warn" (yellow: due today) or "danger" (red: overdue), while pending."""
        if self.done_on is not None:
            return ""
        if self.today == self.due:
            return "warn"
        return "danger" if self.today > self.due else ""

    @property
    def late_days(self) -> int:
        end = self.done_on or self.today
        return max((end - self.due).days, 0)

    @property
    def episode(self) -> str:
        """The overdue episode as history, kept after it cleared."""
        if self.done_on is not None and self.done_on > self.due:
            return (
                f"{self.label}逾期：期限 {self.due.isoformat()}，"
                f"{self.done_on.isoformat()} 完成，逾期 {self.late_days} 天"
            )
        if self.done_on is not None and self.done_on == self.due:
            return f"{self.label}：期限当日（{self.due.isoformat()}）完成，曾黄色预警"
        if self.level == "danger":
            return f"{self.label}逾期：期限 {self.due.isoformat()}，已逾期 {self.late_days} 天"
        return ""


def _published_on(sheet: SheetResult | None) -> dt.date | None:
    if sheet is None or sheet.published_at is None:
        return None
    return timezone.localtime(sheet.published_at).date()


def latest_inspection_date(sheet: SheetResult | None) -> dt.date | None:
    if sheet is None:
        return None
    if sheet.completed_on:
        return sheet.completed_on
    if sheet.is_special and sheet.outcome_on:
        return sheet.outcome_on
    dates = list(sheet.items.values_list("inspected_on", flat=True))
    return max(dates) if dates else None


def warnings_for(
    assignment: Assignment, sheet: SheetResult | None, today: dt.date | None = None
) -> list[Warning]:
    today = today or timezone.localdate()
    task = assignment.task
    rows = [
        Warning(
            "entry",
            "结果录入",
            task.window_end,
            False,
            sheet.first_submitted_on if sheet else None,
            today,
        )
    ]
    inspected = latest_inspection_date(sheet)
    if inspected is not None:
        deadline: Deadline = add_workdays(inspected, task.result_deadline_workdays)
        rows.append(
            Warning(
                "publication",
                "结果公示",
                deadline.due,
                deadline.provisional,
                _published_on(sheet),
                today,
            )
        )
    return rows


@dataclass
class SheetRow:
    assignment: Assignment
    sheet: SheetResult | None
    warnings: list[Warning] = field(default_factory=list)

    @property
    def state_label(self) -> str:
        return self.sheet.get_state_display() if self.sheet else SheetState.DRAFT.label

    @property
    def level(self) -> str:
        levels = {w.level for w in self.warnings}
        return "danger" if "danger" in levels else ("warn" if "warn" in levels else "")


def my_sheets(*, user: User) -> list[SheetRow]:
    """The inspector's sheets (their active group memberships) with deadlines and warnings."""
    assignments = (
        Assignment.objects.filter(
            group__members__inspector__user=user,
            group__members__active=True,
            status=AssignmentStatus.ASSIGNED,
            draw__status=DrawStatus.DRAWN,
        )
        .select_related("entity", "task", "group", "group__leader")
        .distinct()
        .order_by("task__window_end", "sheet_number")
    )
    results = {
        s.assignment_id: s
        for s in SheetResult.objects.filter(assignment__in=[a.pk for a in assignments])
    }
    today = timezone.localdate()
    rows = []
    for a in assignments:
        sheet = results.get(a.pk)
        rows.append(SheetRow(a, sheet, warnings_for(a, sheet, today)))
    return rows


# --- the sheet page ----------------------------------------------------------------------------


@dataclass
class ItemRow:
    part: TaskDepartment
    item: object  # catalog.InspectionItem | None
    result: ItemResult | None
    can_edit: bool = False
    corrections: list[ResultCorrection] = field(default_factory=list)

    @property
    def label(self) -> str:
        return getattr(self.item, "name", "") or "本部门抽查事项"

    @property
    def key(self) -> str:
        return f"{self.part.pk}-{getattr(self.item, 'pk', 0)}"


def item_rows(assignment: Assignment, sheet: SheetResult | None, user: User) -> list[ItemRow]:
    from .services import _item_role

    results = {}
    if sheet is not None:
        for r in sheet.items.select_related(
            "basis_article", "basis_regulation", "entered_by"
        ).prefetch_related("categories", "evidence"):
            results[(r.part_id, r.item_id)] = r
    rows = []
    editable_parts: dict[int, bool] = {}
    for part, item in expected_items(assignment):
        if part.pk not in editable_parts:
            try:
                _item_role(user, assignment, part)
                editable_parts[part.pk] = True
            except PermissionDenied:
                editable_parts[part.pk] = False
        result = results.get((part.pk, item.pk if item else None))
        corrections = list(result.corrections.prefetch_related("categories")) if result else []
        rows.append(ItemRow(part, item, result, editable_parts[part.pk], corrections))
    return rows


def entity_history(assignment: Assignment) -> list[SheetResult]:
    """The entity's other published results (public information: department, date, result)."""
    rows = list(
        SheetResult.objects.filter(
            assignment__entity_id=assignment.entity_id, state=SheetState.PUBLISHED
        )
        .exclude(assignment=assignment)
        .select_related("assignment__task", "assignment__task__lead_department")
        .order_by("-completed_on")[:20]
    )
    for row in rows:
        row.result_labels = sheet_categories(row)  # type: ignore[attr-defined]
    return rows


def sheet_categories(sheet: SheetResult) -> list[str]:
    """The result as published: a special outcome's category, or the union of the items'
    current categories (after published corrections)."""
    if sheet.is_special:
        return [
            c.label
            for c in sheet.category_set.categories.filter(kind=sheet.outcome).order_by("position")[
                :1
            ]
        ]
    labels: dict[str, int] = {}
    for result in sheet.items.all():
        for c in effective_item(result)[0]:
            labels[c.label] = c.position
    return sorted(labels, key=lambda label: labels[label])


def category_set_of(assignment: Assignment, sheet: SheetResult | None) -> ResultCategorySet:
    return sheet.category_set if sheet else category_set_for(assignment.task.region)


# --- review queue, corrections, follow-ups ------------------------------------------------------


def review_queue(*, user: User) -> QuerySet[SheetResult]:
    scope = Scope.of(user)
    return (
        SheetResult.objects.filter(
            scope.departments_q("result.review", path="assignment__task__lead_department"),
            state__in=[SheetState.SUBMITTED, SheetState.APPROVED],
        )
        .select_related("assignment", "assignment__entity", "assignment__task", "submitted_by")
        .order_by("submitted_at")
    )


def corrections_pending(*, user: User) -> QuerySet[ResultCorrection]:
    scope = Scope.of(user)
    return (
        ResultCorrection.objects.filter(
            scope.departments_q("result.review", path="item_result__part__department"),
            state=CorrectionState.SUBMITTED,
        )
        .select_related("sheet__assignment__entity", "item_result__part__department", "created_by")
        .order_by("created_at")
    )


def followups_visible(*, user: User, status: str = "") -> QuerySet[FollowUp]:
    followups = FollowUp.objects.filter(
        sheet__assignment__in=sheets_visible(user=user)
    ).select_related("sheet__assignment__entity", "department", "item_result")
    if status == "overdue":
        followups = followups.filter(status=FollowUpStatus.OPEN, due_on__lt=timezone.localdate())
    elif status in FollowUpStatus.values:
        followups = followups.filter(status=status)
    return followups.order_by("status", "due_on", "id")


def followup_get_visible(*, user: User, pk: int) -> FollowUp:
    followup = followups_visible(user=user).filter(pk=pk).first()
    if followup is None:
        raise Http404
    return followup


def history(sheet: SheetResult | None) -> list[object]:
    if sheet is None:
        return []
    return list(sheet.events.select_related("actor"))


def credit_proposals_visible(*, user: User, state: str = "proposed") -> QuerySet[CreditProposal]:
    """Proposals for entities whose registry record the user may change (entity.manage)."""
    scope = Scope.of(user)
    proposals = CreditProposal.objects.filter(
        scope.regions_q("entity.manage", path="entity__region")
    ).select_related("entity", "sheet__assignment", "level", "from_level", "decided_by")
    if state in CreditProposalState.values:
        proposals = proposals.filter(state=state)
    return proposals.order_by("proposed_at", "id")


# --- 尽职照单免责: what each inspector of a task did ------------------------------------------


@dataclass
class DutyRow:
    inspector: Inspector
    department: str
    groups: list[str]
    is_leader: bool
    sheets: int
    submitted: int
    on_time: int
    published: int
    items_entered: int
    evidence: int

    @property
    def conclusion(self) -> str:
        """Seed 004 第二十一条(一): duties done as the plan required."""
        if self.sheets == 0:
            return "未分配检查对象"
        if self.submitted < self.sheets:
            return "尚有检查表未完成"
        if self.on_time < self.sheets:
            return "已完成，部分逾期提交"
        return "已按计划履行检查职责"


def accountability(*, task: Any) -> list[DutyRow]:
    """Per inspector of the task's live draw: sheets of their groups, how many were submitted
    (on time: by the end of the inspection window), published, and what they entered
    themselves. Inspectors replaced out of a group keep their row (active=False)."""
    from planning.models import GroupMember

    members = (
        GroupMember.objects.filter(group__draw__task=task, group__draw__status=DrawStatus.DRAWN)
        .select_related("inspector", "inspector__department", "group")
        .order_by("inspector__department_id", "inspector__name")
    )
    by_inspector: dict[int, list[Any]] = {}
    for m in members:
        by_inspector.setdefault(m.inspector_id, []).append(m)
    rows = []
    for memberships in by_inspector.values():
        inspector = memberships[0].inspector
        group_ids = [m.group_id for m in memberships]
        assignments = Assignment.objects.filter(
            group_id__in=group_ids, status=AssignmentStatus.ASSIGNED
        )
        results = SheetResult.objects.filter(assignment__in=assignments)
        user_id = inspector.user_id
        rows.append(
            DutyRow(
                inspector=inspector,
                department=inspector.department.name,
                groups=sorted({m.group.code for m in memberships}),
                is_leader=any(m.is_leader for m in memberships),
                sheets=assignments.count(),
                submitted=results.filter(first_submitted_on__isnull=False).count(),
                on_time=results.filter(first_submitted_on__lte=task.window_end).count(),
                published=results.filter(state=SheetState.PUBLISHED).count(),
                items_entered=ItemResult.objects.filter(
                    sheet__in=results, entered_by_id=user_id
                ).count()
                if user_id
                else 0,
                evidence=Evidence.objects.filter(sheet__in=results, uploaded_by_id=user_id).count()
                if user_id
                else 0,
            )
        )
    return rows
