"""Reads for the 月报表: the figures computed from the records, each with its 口径, and the scoped
lookups of departments, entries and submitted revisions.

A month is a calendar month in Beijing time (Asia/Shanghai): a timestamp counts in November when
its local date is 1–30 November, whatever the server's time zone. Every computed figure below is
a function whose docstring is its 口径; the report page shows those docstrings verbatim
(`DEFINITIONS`), so what is shown is what is computed.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import Department, DepartmentKind, User
from accounts.scope import Scope
from catalog.models import InspectionItem, JointItem
from inspections.models import (
    CategoryKind,
    FollowUp,
    ItemResult,
    Outcome,
    SheetResult,
    SheetState,
)
from planning.models import (
    Assignment,
    AssignmentStatus,
    Draw,
    DrawStatus,
    TaskDepartment,
    TaskKind,
)

from .models import EntryKind, ReportEntry, ReportRevision

REPORT_TZ = ZoneInfo("Asia/Shanghai")
FORM_TITLE = "县有关部门“双随机、一公开”监管工作月报表"
SCHEMA = 1
PROBLEM_KINDS = (CategoryKind.PROBLEM, CategoryKind.UNCOOPERATIVE)


def public_site_label() -> str:
    """Where results are published (the platform's own 公示 site unless configured)."""
    return str(getattr(settings, "SUIJI_PUBLIC_SITE_LABEL", "本平台“一公开”公示专栏（/public/）"))


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @property
    def start(self) -> dt.datetime:
        return dt.datetime(self.year, self.month, 1, tzinfo=REPORT_TZ)

    @property
    def end(self) -> dt.datetime:
        """The first instant of the next month (exclusive bound)."""
        if self.month == 12:
            return dt.datetime(self.year + 1, 1, 1, tzinfo=REPORT_TZ)
        return dt.datetime(self.year, self.month + 1, 1, tzinfo=REPORT_TZ)

    @property
    def first_day(self) -> dt.date:
        return self.start.date()

    @property
    def last_day(self) -> dt.date:
        return (self.end - dt.timedelta(days=1)).date()

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"

    def contains(self, day: dt.date) -> bool:
        return self.first_day <= day <= self.last_day

    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    def next(self) -> Month:
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    @classmethod
    def current(cls) -> Month:
        today = timezone.now().astimezone(REPORT_TZ).date()
        return cls(today.year, today.month)

    @classmethod
    def parse(cls, year: Any, month: Any) -> Month:
        try:
            y, m = int(year), int(month)
        except (TypeError, ValueError):
            raise Http404 from None
        if not (2000 <= y <= 2100 and 1 <= m <= 12):
            raise Http404
        return cls(y, m)


def local_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(REPORT_TZ).date()


def percent(part: int, whole: int) -> str:
    if whole == 0:
        return "—"
    return f"{part * 100 / whole:.2f}%"


# --- the computed figures (each docstring is the 口径 shown on the page) ----------------------


def _in_month(field: str, month: Month) -> Q:
    return Q(**{f"{field}__gte": month.start, f"{field}__lt": month.end})


def month_draws(department_ids: Iterable[int], month: Month) -> QuerySet[Draw]:
    return (
        Draw.objects.filter(
            _in_month("drawn_at", month),
            status=DrawStatus.DRAWN,
            task__departments__department_id__in=list(department_ids),
        )
        .distinct()
        .select_related("task", "task__region", "task__lead_department")
        .order_by("drawn_at", "pk")
    )


def _population(draw: Draw) -> int:
    manifest = json.loads(draw.manifest_json)
    return sum(int(s["population"]) for s in manifest.get("strata", {}).values())


def _drawn(draw: Draw) -> int:
    return Assignment.objects.filter(draw=draw, status=AssignmentStatus.ASSIGNED).count()


def tasks_organized(department: Department, month: Month) -> dict[str, Any]:
    """本月组织随机抽查（次）：本部门牵头或参与的抽查任务中，抽取在本月完成（抽取时间的北京时间
    日期在本月）且抽取现行有效（未作废）的次数，每个任务的一次抽取计 1 次。其中“按年度计划”指任务
    属于年度抽查计划的某一批次；“部门联合抽查”指任务类型为部门联合抽查，本部门为牵头部门计“牵头”，
    否则计“参与”。“本月组织随机抽查的文件”逐一列出这些任务的任务编号和名称。"""
    rows = []
    for draw in month_draws([department.pk], month):
        task = draw.task
        joint = task.kind == TaskKind.JOINT
        assert draw.drawn_at is not None
        rows.append(
            {
                "number": task.number,
                "name": task.name,
                "kind": TaskKind(task.kind).label,
                "joint": joint,
                "lead": task.lead_department_id == department.pk,
                "lead_department": task.lead_department.name,
                "planned": task.batch_id is not None,
                "region": task.region.name,
                "drawn_on": local_date(draw.drawn_at).isoformat(),
                "population": _population(draw),
                "drawn": _drawn(draw),
            }
        )
    return {
        "count": len(rows),
        "planned": sum(r["planned"] for r in rows),
        "joint": sum(r["joint"] for r in rows),
        "joint_lead": sum(r["joint"] and r["lead"] for r in rows),
        "joint_participant": sum(r["joint"] and not r["lead"] for r in rows),
        "list": rows,
    }


def draw_scope(tasks: dict[str, Any]) -> dict[str, Any]:
    """抽查对象范围、数量、抽查比例：对上述每次抽取，“范围”为任务的抽查区域及冻结时按筛选条件
    确定的检查对象总数（承诺清单各分层 population 之和，即可抽取的候选对象户数）；“数量”为该次抽取
    现行有效的一企一表户数（状态为已分配，已被替换的不计、替补的计入）；“比例”=数量÷候选户数，
    保留两位小数。合计行按各次抽取的户数相加后再计算比例。"""
    population = sum(r["population"] for r in tasks["list"])
    drawn = sum(r["drawn"] for r in tasks["list"])
    return {"population": population, "drawn": drawn, "ratio": percent(drawn, population)}


def items_checked(department: Department, month: Month) -> dict[str, Any]:
    """检查事项（大项、小项）：上述抽查任务中由本部门负责检查的事项，去重后计数。“小项”为本部门
    在任务中选定的抽查事项（抽查事项清单中的一条事项）条数；“大项”为这些事项所属的抽查类别（清单中
    的抽查项目）个数；另列本部门选定的部门联合抽查事项条数。"""
    task_ids = month_draws([department.pk], month).values("task_id")
    parts = TaskDepartment.objects.filter(task_id__in=task_ids, department=department)
    items = InspectionItem.objects.filter(pk__in=parts.values("items"))
    return {
        "major": items.values("category_id").distinct().count(),
        "minor": items.count(),
        "joint_items": JointItem.objects.filter(pk__in=parts.values("joint_items")).count(),
    }


def results_published(department: Department, month: Month) -> dict[str, Any]:
    """抽查结果公示数量（户）：本部门牵头或参与的抽查任务中，公示时间的北京时间日期在本月的检查
    结果（一企一表一户计 1）。按检查情况分为：已实施检查、通过登记的住所（经营场所）无法联系、不予配合
    检查情节严重；已实施检查的，本部门负责的检查事项中任一事项的检查结果属“发现问题”类（含不予配合
    情节严重类）计“发现问题”，否则计“未发现问题”（依公示时的结果，不含此后的更正）。其中
    “部门联合抽查”为联合抽查任务的结果户数。"""
    sheets = SheetResult.objects.filter(
        _in_month("published_at", month),
        state=SheetState.PUBLISHED,
        assignment__task__departments__department=department,
    ).distinct()
    problem = ItemResult.objects.filter(
        sheet=OuterRef("pk"), part__department=department, categories__kind__in=PROBLEM_KINDS
    )
    sheets = sheets.annotate(has_problem=Exists(problem))
    rows = list(sheets.values_list("outcome", "has_problem", "assignment__task__kind"))
    inspected = [p for o, p, _k in rows if o == Outcome.INSPECTED]
    return {
        "published": len(rows),
        "inspected": len(inspected),
        "problem": sum(1 for p in inspected if p),
        "no_problem": sum(1 for p in inspected if not p),
        "unreachable": sum(1 for o, _p, _k in rows if o == Outcome.UNREACHABLE),
        "uncooperative": sum(1 for o, _p, _k in rows if o == Outcome.UNCOOPERATIVE),
        "joint": sum(1 for _o, _p, k in rows if k == TaskKind.JOINT),
        "site": public_site_label(),
    }


def followups_handled(department: Department, month: Month) -> dict[str, Any]:
    """后续处置（件）：本部门负责的后续处置中，登记时间在本月的计“本月登记”，办结时间在本月的计
    “本月办结”；登记时间早于下月1日且至月末（北京时间）仍未办结的计“月末未办结”。"""
    own = FollowUp.objects.filter(department=department)
    return {
        "opened": own.filter(_in_month("opened_at", month)).count(),
        "closed": own.filter(_in_month("closed_at", month)).count(),
        "open_at_end": own.filter(opened_at__lt=month.end)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=month.end))
        .count(),
    }


def system_departments(department: Department) -> QuerySet[Department]:
    """本系统：本部门，以及下级行政区划中同一类别的部门（如县市场监管局和各乡镇市场监管所）。"""
    below = Q(kind=department.kind, region__code__startswith=department.region_id) & ~Q(
        region_id=department.region_id
    )
    return Department.objects.filter(Q(pk=department.pk) | below).order_by("region_id", "name")


def system_activity(department: Department, month: Month) -> dict[str, Any]:
    """全县本系统开展随机抽查情况：“本系统”为本部门及下级行政区划中同一类别的部门。每个单位按上述
    口径计本月组织抽查次数、抽查户数和结果公示户数；“开展的单位”为本月组织了抽查或公示了结果的
    单位。合计按任务和检查结果去重（同一任务或结果涉及本系统多个单位的只计一次）。"""
    units = list(system_departments(department))
    rows = []
    for unit in units:
        draws = list(month_draws([unit.pk], month))
        published = results_published(unit, month)["published"]
        rows.append(
            {
                "name": unit.name,
                "tasks": len(draws),
                "drawn": sum(_drawn(d) for d in draws),
                "published": published,
            }
        )
    ids = [u.pk for u in units]
    draws = list(month_draws(ids, month))
    published = (
        SheetResult.objects.filter(
            _in_month("published_at", month),
            state=SheetState.PUBLISHED,
            assignment__task__departments__department_id__in=ids,
        )
        .distinct()
        .count()
    )
    return {
        "units_total": len(units),
        "units_active": sum(1 for r in rows if r["tasks"] or r["published"]),
        "tasks": len(draws),
        "drawn": sum(_drawn(d) for d in draws),
        "published": published,
        "units": rows,
    }


def compute_figures(department: Department, month: Month) -> dict[str, Any]:
    """Everything on the form that comes from the records, JSON-ready."""
    tasks = tasks_organized(department, month)
    return {
        "tasks": tasks,
        "scope": draw_scope(tasks),
        "items": items_checked(department, month),
        "results": results_published(department, month),
        "followups": followups_handled(department, month),
        "system": system_activity(department, month),
    }


FIGURE_FUNCTIONS: tuple[tuple[str, Callable[..., Any]], ...] = (
    ("本月组织随机抽查及文件", tasks_organized),
    ("抽查对象范围、数量、抽查比例", draw_scope),
    ("检查事项（大项、小项）", items_checked),
    ("抽查结果公示", results_published),
    ("后续处置", followups_handled),
    ("本系统", system_departments),
    ("全县本系统开展随机抽查情况", system_activity),
)


def _definition(func: Callable[..., Any]) -> str:
    return "".join(line.strip() for line in (inspect.getdoc(func) or "").splitlines())


DEFINITIONS: tuple[tuple[str, str], ...] = tuple(
    (label, _definition(func)) for label, func in FIGURE_FUNCTIONS
) + (
    (
        "月份",
        "按北京时间（Asia/Shanghai）的自然月计：本月1日0时起至下月1日0时前。",
    ),
)


# --- entered fields ---------------------------------------------------------------------------


def entries_for(department: Department, month: Month) -> QuerySet[ReportEntry]:
    return ReportEntry.objects.filter(
        department=department, year=month.year, month=month.month
    ).order_by("held_on", "pk")


def entries_data(department: Department, month: Month) -> dict[str, list[dict[str, Any]]]:
    data: dict[str, list[dict[str, Any]]] = {"meetings": [], "documents": [], "trainings": []}
    key = {
        EntryKind.MEETING: "meetings",
        EntryKind.DOCUMENT: "documents",
        EntryKind.TRAINING: "trainings",
    }
    for e in entries_for(department, month):
        row: dict[str, Any] = {"title": e.title, "date": e.held_on.isoformat()}
        if e.kind == EntryKind.DOCUMENT:
            row["doc_number"] = e.doc_number
        if e.kind == EntryKind.TRAINING:
            row["attendees"] = e.attendees
            row["content"] = e.content
        data[key[EntryKind(e.kind)]].append(row)
    return data


def report_data(
    department: Department,
    month: Month,
    *,
    contact: dict[str, str] | None = None,
    filled_on: dt.date | None = None,
) -> dict[str, Any]:
    """The whole form as JSON-ready data: what a revision freezes, and what the draft shows."""
    return {
        "form": FORM_TITLE,
        "schema": SCHEMA,
        "department": {
            "id": department.pk,
            "name": department.name,
            "region": department.region.name,
            "region_code": department.region_id,
        },
        "year": month.year,
        "month": month.month,
        "entries": entries_data(department, month),
        "figures": compute_figures(department, month),
        "contact": contact or {"name": "", "phone": "", "mobile": ""},
        "filled_on": (filled_on or local_date(timezone.now())).isoformat(),
    }


# --- scoped lookups ---------------------------------------------------------------------------


def departments_visible(*, user: User) -> QuerySet[Department]:
    scope = Scope.of(user)
    return (
        Department.objects.filter(scope.departments_q("stats.view", path=None))
        .select_related("region")
        .order_by("region_id", "name")
    )


def department_get_visible(*, user: User, pk: int) -> Department:
    department = departments_visible(user=user).filter(pk=pk).first()
    if department is None:
        raise Http404
    return department


def revisions_for(department: Department, month: Month) -> QuerySet[ReportRevision]:
    return (
        ReportRevision.objects.filter(department=department, year=month.year, month=month.month)
        .select_related("submitted_by")
        .order_by("-number")
    )


def revision_get_visible(*, user: User, pk: int) -> ReportRevision:
    revision = (
        ReportRevision.objects.filter(pk=pk, department__in=departments_visible(user=user))
        .select_related("department", "department__region", "submitted_by", "previous")
        .first()
    )
    if revision is None:
        raise Http404
    return revision


@dataclass
class SummaryRow:
    department: Department
    latest: ReportRevision | None
    revisions: int


def summary_regions(*, user: User) -> list[tuple[str, str]]:
    """Regions whose departments' reports the user may summarise (own region and below)."""
    codes = departments_visible(user=user).values_list("region_id", "region__name").distinct()
    return sorted(set(codes))


def month_summary(*, user: User, month: Month, region_code: str) -> list[SummaryRow]:
    """The departments of one region (the leading-group office itself does not file this form)
    with their latest revision for the month, or None when nothing was submitted."""
    departments = (
        departments_visible(user=user)
        .filter(region_id=region_code)
        .exclude(kind=DepartmentKind.LEADING_OFFICE)
    )
    revisions: dict[int, list[ReportRevision]] = {}
    for r in ReportRevision.objects.filter(
        department__in=departments, year=month.year, month=month.month
    ).order_by("number"):
        revisions.setdefault(r.department_id, []).append(r)
    rows = []
    for d in departments:
        own = revisions.get(d.pk, [])
        rows.append(SummaryRow(d, own[-1] if own else None, len(own)))
    return rows


def last_contact(department: Department) -> dict[str, str]:
    """The contact details of the department's most recent submission (to pre-fill the form)."""
    latest = ReportRevision.objects.filter(department=department).order_by("-submitted_at").first()
    if latest is None:
        return {}
    contact: dict[str, str] = latest.data.get("contact", {})
    return contact
