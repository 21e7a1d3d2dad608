"""Scoped reads of plans, tasks and draws, and the pre-freeze preview."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import Department, User
from accounts.scope import Scope
from core.workdays import Deadline

from . import draw_bridge as bridge
from .models import (
    AnnualPlan,
    Assignment,
    AssignmentStatus,
    Draw,
    DrawStatus,
    InspectionTask,
    PlanStatus,
    PlanVersion,
    TaskDepartment,
    TaskStatus,
)


def plan_list_visible(*, user: User, year: int | None = None) -> QuerySet[AnnualPlan]:
    scope = Scope.of(user)
    plans = AnnualPlan.objects.filter(scope.departments_q("plan.view")).select_related(
        "department", "department__region"
    )
    if year:
        plans = plans.filter(year=year)
    return plans.order_by("-year", "department__region_id", "department__name")


def plan_get_visible(*, user: User, pk: int) -> AnnualPlan:
    plan = plan_list_visible(user=user).filter(pk=pk).first()
    if plan is None:
        raise Http404
    return plan


def version_get_visible(*, user: User, pk: int) -> PlanVersion:
    version = PlanVersion.objects.filter(pk=pk, plan__in=plan_list_visible(user=user)).first()
    if version is None:
        raise Http404
    # Drafts are working papers of the owning department only; upper levels see what is filed.
    scope = Scope.of(user)
    if (
        version.status == PlanStatus.DRAFT
        and not scope.is_platform_admin
        and scope.department_id != version.plan.department_id
    ):
        raise Http404
    return version


def task_list_visible(*, user: User) -> QuerySet[InspectionTask]:
    """Tasks led by a department in scope, plus joint tasks a department in scope takes part in
    (other departments' data is visible only where a joint task shares it)."""
    scope = Scope.of(user)
    reachable = Department.objects.filter(scope.departments_q("task.view", path=None))
    return (
        InspectionTask.objects.filter(
            Q(scope.departments_q("task.view", path="lead_department"))
            | Q(departments__department__in=reachable)
        )
        .distinct()
        .select_related("lead_department", "region")
        .order_by("-created_at")
    )


def task_get_visible(*, user: User, pk: int) -> InspectionTask:
    task = task_list_visible(user=user).filter(pk=pk).first()
    if task is None:
        raise Http404
    return task


def draw_get_visible(*, user: User, pk: int) -> Draw:
    draw = (
        Draw.objects.filter(pk=pk, task__in=task_list_visible(user=user))
        .select_related("task")
        .first()
    )
    if draw is None:
        raise Http404
    return draw


@dataclass
class StratumPreview:
    key: str
    label: str
    rule: str
    population: int
    k: int
    reserve: int


@dataclass
class PoolPreview:
    department: str
    code: str
    eligible: int
    excluded: int
    per_group: int


@dataclass
class Preview:
    as_of: dt.date
    candidates: int = 0
    capped: int = 0
    excluded: int = 0
    strata: list[StratumPreview] = field(default_factory=list)
    pools: list[PoolPreview] = field(default_factory=list)
    group_count: int = 0
    conflicts: int = 0
    error: str = ""

    @property
    def total_k(self) -> int:
        return sum(s.k for s in self.strata)


def task_preview(*, task: InspectionTask, as_of: dt.date | None = None) -> Preview:
    """What a freeze would produce now: counts per stratum, selections, pools, feasibility."""
    as_of = as_of or timezone.localdate()
    preview = Preview(as_of=as_of)
    try:
        inputs = bridge.build_inputs(
            task,
            as_of=as_of,
            draw_id="preview",
            frozen_at=timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
    except bridge.DrawInputError as exc:
        preview.error = str(exc)
        return preview
    preview.candidates = len(inputs.candidates)
    preview.capped = sum(1 for c in inputs.candidates if c.inspections_this_year >= task.yearly_cap)
    preview.excluded = len(inputs.exclusions)
    preview.conflicts = len(inputs.conflicts)
    names = {
        code: Department.objects.get(pk=pk).name for code, pk in inputs.department_codes.items()
    }
    excluded_by_dept: dict[str, int] = {}
    for out in inputs.inspector_exclusions:
        excluded_by_dept[out.department] = excluded_by_dept.get(out.department, 0) + 1
    all_by_dept: dict[str, int] = {}
    for inspector in inputs.inspectors:
        all_by_dept[inspector.department] = all_by_dept.get(inspector.department, 0) + 1
    for req in inputs.params.departments:
        preview.pools.append(
            PoolPreview(
                names[req.department],
                req.department,
                all_by_dept.get(req.department, 0) - excluded_by_dept.get(req.department, 0),
                excluded_by_dept.get(req.department, 0),
                req.per_group,
            )
        )
    rules = {r.key: r.rule_label for r in task.strata.all()}
    try:
        snap = bridge.freeze(inputs)
    except bridge.DrawInputError as exc:
        preview.error = str(exc)
        for key, population in sorted(inputs.population.items()):
            preview.strata.append(
                StratumPreview(
                    key, bridge.stratum_label(key), rules.get(key, "未设置"), population, 0, 0
                )
            )
        return preview
    for plan in snap.strata:
        preview.strata.append(
            StratumPreview(
                plan.stratum,
                bridge.stratum_label(plan.stratum),
                rules.get(plan.stratum, "—"),
                plan.population,
                plan.k,
                plan.reserve,
            )
        )
    preview.group_count = snap.group_count
    return preview


@dataclass
class VoidStats:
    department: str
    tasks: int
    draws: int
    voided: int
    failed: int


def void_statistics(*, user: User) -> list[VoidStats]:
    """Voided and failed draws per lead department, for supervisors (visible in scope)."""
    rows = (
        Draw.objects.filter(task__in=task_list_visible(user=user))
        .values("task__lead_department__name")
        .annotate(
            tasks=Count("task", distinct=True),
            draws=Count("id"),
            voided=Count("id", filter=Q(status=DrawStatus.VOIDED)),
            failed=Count("id", filter=Q(status=DrawStatus.FAILED)),
        )
        .order_by("task__lead_department__name")
    )
    return [
        VoidStats(
            r["task__lead_department__name"], r["tasks"], r["draws"], r["voided"], r["failed"]
        )
        for r in rows
    ]


# --- dispatch and the inspector's workspace ----------------------------------------------------


@dataclass
class PendingConfirmation:
    part: TaskDepartment
    draw: Draw
    deadline: Deadline

    @property
    def overdue(self) -> bool:
        return timezone.localdate() > self.deadline.due

    @property
    def due_today(self) -> bool:
        return timezone.localdate() == self.deadline.due


def _pending(parts: QuerySet[TaskDepartment]) -> list[PendingConfirmation]:
    from .services import confirmation_deadline

    result = []
    rows = parts.filter(confirmed_at__isnull=True, task__status=TaskStatus.DRAWN).select_related(
        "task", "department", "task__lead_department"
    )
    for part in rows:
        draw = part.task.draws.filter(status=DrawStatus.DRAWN).first()
        if draw is not None:
            result.append(PendingConfirmation(part, draw, confirmation_deadline(draw)))
    return sorted(result, key=lambda p: p.deadline.due)


def dispatch_pending(*, user: User) -> list[PendingConfirmation]:
    """Unconfirmed parts of drawn tasks that this user may confirm (own department)."""
    scope = Scope.of(user)
    if not scope.has("dispatch.confirm"):
        return []
    return _pending(TaskDepartment.objects.filter(scope.departments_q("dispatch.confirm")))


def dispatch_overdue(*, user: User) -> list[PendingConfirmation]:
    """Overdue confirmations in the user's region, for the joint office and supervisors."""
    scope = Scope.of(user)
    if not (
        {"joint_office", "supervisor", "region_admin"} & scope.roles or scope.is_platform_admin
    ):
        return []
    parts = TaskDepartment.objects.filter(task__in=task_list_visible(user=user))
    return [p for p in _pending(parts) if p.overdue]


def my_assignments(*, user: User) -> QuerySet[Assignment]:
    """The 一企一表 sheets of the groups the user's inspector record belongs to."""
    return (
        Assignment.objects.filter(
            group__members__inspector__user=user,
            group__members__active=True,
            status=AssignmentStatus.ASSIGNED,
            draw__status=DrawStatus.DRAWN,
        )
        .select_related("entity", "task", "group", "draw", "entity__region")
        .distinct()
        .order_by("task__window_end", "sheet_number")
    )
