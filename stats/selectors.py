"""统计分析: the supervisors' figures, computed from the records every time (never typed in).

Every function here reads through the scope of `stats.view` (accounts/scope.py): department
roles see their own department and the same kind below; the region's office, administrators and
supervisors see every department of their region and below. Figures are plain dataclasses so
they can be tested without views and exported to Excel as they are shown.

Definitions (口径) — the page shows the same text (`DEFINITIONS`):

- *Departments counted*: the departments the user may see under `stats.view`, in the chosen
  region and below (or the one chosen department).
- *Tasks of the period* (抽查次数): tasks one of those departments leads or takes part in whose
  valid draw (status 已抽取; voided and failed draws do not count) has its as-of date
  (基准日期) in the period. A joint task counts once.
- *Drawn entities* (抽查户数): distinct entities of the valid assignments (一企一表 in status
  已分配: neither replaced nor voided) of those tasks.
- *Live entities* (在册检查对象, the denominator of the coverage): entities of the registry in
  the chosen region and below with registration status 存续（在业） — the status the draw itself
  takes as candidates — registered on or before the last day of the period (or with no date).
  When a department is chosen, or the user only sees departments (not the whole region), only
  entities whose 监管部门 include one of the counted departments.
- *Inspections per entity per year*: valid assignments on valid draws by the year of the
  draw's as-of date (the count the draw engine itself uses for the yearly cap).
- *Credit-risk-based task*: its stratum rules draw from at least two credit-risk grades (ratio
  or count above 0; the ungraded stratum is no grade) and do not give every such grade the same
  ratio or count (差异化抽查).
- *Results due* (应公示): sheets of drawn entities whose inspection date is known and which are
  published or whose publication deadline (inspection date + the task's working days, 20 by
  default, 5 where the task says so — inspections' own rule) has passed.
- *Dispatch confirmations*: each counted department's part of a task of the period; due 2
  working days after the draw (planning.services.confirmation_deadline).
- *Follow-ups*: 后续处置 on those sheets handled by a counted department.
- *Voids and replacements*: draws of tasks in scope with the as-of date in the period.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import Department, DepartmentKind, User
from accounts.scope import Reach, Scope
from core.workdays import Calendar, Deadline
from inspections.models import FollowUp, FollowUpStatus, SheetResult, SheetState
from inspections.selectors import latest_inspection_date
from planning.draw_bridge import ACTIVE_STATUSES, UNGRADED
from planning.models import (
    Assignment,
    AssignmentStatus,
    Draw,
    DrawStatus,
    GroupMember,
    InspectionTask,
    StratumRule,
    TaskDepartment,
    TaskKind,
)
from planning.services import confirmation_deadline
from regions.models import Region
from registry.models import Entity

PERMISSION = "stats.view"

# --- the seeds' targets, cited where they are shown --------------------------------------------

# The documents the targets come from (the seed plans and rules in the requirements), by title.
SEED_000 = "《2023年高阳县文化广电和旅游局“双随机、一公开”监管工作实施方案》"
SEED_001 = "《2020年度福州市文旅市场随机抽查规范文旅市场事中事后监管工作实施方案》"
SEED_002 = "《2024年度宽城满族自治县旅游和文化广电局……双随机联合抽查工作实施方案》"
SEED_003 = "《曲阳县市场监督管理局2023年“双随机、一公开”监管工作实施方案》"
SEED_004 = "《中共威海市文登区委宣传部“双随机、一公开”监管工作实施细则》"


@dataclass(frozen=True)
class Target:
    """One target of a seed: `ratio` (a share) or `at_least` (a count); `quote` is the seed's
    wording."""

    text: str
    seed: str
    quote: str
    ratio: Fraction | None = None
    at_least: int | None = None
    at_most: int | None = None
    yearly: bool = False  # only judged over a whole calendar year


T_COVERAGE_5 = Target(
    "≥ 5%（每年）",
    SEED_000,
    "确保各级文化和旅游部门年度随机抽查占比不低于全部经营单位总数5%",
    ratio=Fraction(5, 100),
    yearly=True,
)
T_COVERAGE_3 = Target(
    "≥ 3%（每年）",
    SEED_001,
    "随机抽查比例原则上不低于辖区市场主体的3%",
    ratio=Fraction(3, 100),
    yearly=True,
)
T_ROUNDS = Target(
    "每个部门 ≥ 2 次/年",
    SEED_001,
    "抽查频次原则上每年不少于2次",
    at_least=2,
    yearly=True,
)
T_JOINT_TASKS = Target(
    "≥ 25%",
    f"{SEED_000}；{SEED_003}",
    "联合抽查次数占随机抽查总次数的比例不低于 25%",
    ratio=Fraction(25, 100),
)
T_JOINT_ENTITIES = Target(
    "≥ 15%",
    f"{SEED_000}；{SEED_003}",
    "部门联合抽查户数占随机抽查总户数的比例不低于 15%",
    ratio=Fraction(15, 100),
)
T_CREDIT = Target(
    "≥ 80%",
    f"{SEED_000}；{SEED_003}",
    "运用信用风险分级分类开展的抽查次数占抽查企业总次数的比例不低于 80%",
    ratio=Fraction(80, 100),
)
T_PUBLISHED = Target("100%", SEED_000, "抽查检查结果100%公示", ratio=Fraction(1))
T_PUBLISHED_ON_TIME = Target(
    "100%（检查结束之日起 20 个工作日内；任务另有规定的如 5 个工作日）",
    f"{SEED_001}；{SEED_004}；{SEED_002}",
    "抽查结果信息要在20个工作日内全部录入……依法向社会公示",
    ratio=Fraction(1),
)
T_DISPATCH = Target(
    "100%（2 个工作日内）",
    SEED_002,
    "由各部门系统管理员在2个工作日内……确认",
    ratio=Fraction(1),
)
T_FOLLOWUP = Target(
    "逾期未办结 0 件",
    SEED_000,
    "“后续处置无例外”；抽查检查发现问题的后续监管和处理到位",
    at_most=0,
)

DEFINITIONS: list[tuple[str, str]] = [
    (
        "统计部门",
        "本人按“统计分析”权限可查看的部门中，位于所选区域及其下级区域的部门（选定部门时仅该部门）。",
    ),
    (
        "抽查任务（抽查次数）",
        "统计部门牵头或参与、且有效抽取（状态为“已抽取”，作废和失败的抽取不计）的基准日期在统计期内的"
        "抽查任务；联合抽查任务只计一次。",
    ),
    (
        "抽查户数",
        "上述任务有效一企一表（状态“已分配”，已替换和随抽取作废的不计）涉及的检查对象，按对象去重。",
    ),
    (
        "在册检查对象（覆盖率分母）",
        "名录库中所选区域及其下级区域、登记状态为“存续（在业）”（与抽取时的候选条件相同）、成立日期不晚于"
        "统计期末（或未填成立日期）的检查对象；选定部门或本人只能查看部门数据时，仅计监管部门包含统计部门的"
        "对象。覆盖率 = 属于分母范围的抽查户数 ÷ 在册检查对象数。名录库只保存当前登记状态，已注销、吊销、"
        "撤销、迁出或停业的对象不计入。",
    ),
    (
        "每户年度抽查次数",
        "按抽取基准日期所在年度，统计每个检查对象在统计部门的有效抽取中被抽中的次数（与抽取时执行的年度上限"
        "口径相同）；超过所涉任务中最低的“同一对象年度抽查上限”的列为超限。",
    ),
    (
        "联合抽查占比",
        "次数占比 = 部门联合抽查任务数 ÷ 抽查任务数；户数占比 = 联合抽查任务抽查户数 ÷ 抽查户数。",
    ),
    (
        "信用风险分类抽查",
        "任务的分层抽取规则至少从两个信用风险等级抽取（比例或数量大于 0；“未评级”层不算等级），且这些等级"
        "的抽查比例（或数量）不完全相同，即按等级差异化抽查。占比 = 此类任务的有效一企一表数 ÷ 全部有效一企一表数（按“抽查次数占抽查企业总次数”）。",
    ),
    (
        "结果公示",
        "应公示 = 有检查日期、且已公示或公示期限已届满的检查结果；公示期限 = 检查完成之日起按任务规定的"
        "工作日数（默认 20 个，方案另有规定的如 5 个），工作日按工作日历计算，当日为第 0 日。",
    ),
    (
        "派发确认",
        "统计部门在统计期内任务中的每个参与部门记录；确认期限为抽取之日起 2 个工作日。应确认 = 已确认或期限"
        "已届满。",
    ),
    (
        "后续处置",
        "上述检查结果中由统计部门负责的后续处置：登记数、已办结数、逾期未办结数（未办结且已过办结期限）。",
    ),
    (
        "作废与替换",
        "统计部门所涉任务中基准日期在统计期内的抽取：作废的抽取次数，检查人员替换次数（按被替换人员所在部门），"
        "检查对象替换次数（从备选名单递补的一企一表数）。",
    ),
]


# --- period ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    kind: str  # year | quarter | month | range
    start: dt.date
    end: dt.date  # inclusive
    label: str

    @property
    def whole_year(self) -> bool:
        return (
            self.start.year == self.end.year
            and self.start == dt.date(self.start.year, 1, 1)
            and self.end == dt.date(self.start.year, 12, 31)
        )

    def query(self) -> dict[str, str]:
        if self.kind == "range":
            return {"period": "range", "start": self.start.isoformat(), "end": self.end.isoformat()}
        params = {"period": self.kind, "year": str(self.start.year)}
        if self.kind == "quarter":
            params["quarter"] = str((self.start.month - 1) // 3 + 1)
        if self.kind == "month":
            params["month"] = str(self.start.month)
        return params


def _month_end(year: int, month: int) -> dt.date:
    if month == 12:
        return dt.date(year, 12, 31)
    return dt.date(year, month + 1, 1) - dt.timedelta(days=1)


def period_parse(params: Mapping[str, Any], today: dt.date | None = None) -> Period:
    """The period of the query string (default: the current year). Raises ValidationError with
    a Chinese message naming the field."""
    today = today or timezone.localdate()
    kind = str(params.get("period") or "year").strip()

    def number(name: str, low: int, high: int, default: int) -> int:
        raw = str(params.get(name) or "").strip()
        if not raw:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ValidationError({name: f"“{raw}”不是有效的数字。"}) from None
        if not low <= value <= high:
            raise ValidationError({name: f"应在 {low} 到 {high} 之间。"})
        return value

    if kind == "range":
        try:
            start = dt.date.fromisoformat(str(params.get("start") or "").strip())
            end = dt.date.fromisoformat(str(params.get("end") or "").strip())
        except ValueError:
            raise ValidationError({"start": "请按 YYYY-MM-DD 填写起止日期。"}) from None
        if end < start:
            raise ValidationError({"end": "结束日期不能早于开始日期。"})
        return Period("range", start, end, f"{start.isoformat()} 至 {end.isoformat()}")
    year = number("year", 2000, 2100, today.year)
    if kind == "quarter":
        q = number("quarter", 1, 4, (today.month - 1) // 3 + 1)
        start = dt.date(year, 3 * q - 2, 1)
        return Period("quarter", start, _month_end(year, 3 * q), f"{year}年第{q}季度")
    if kind == "month":
        m = number("month", 1, 12, today.month)
        return Period("month", dt.date(year, m, 1), _month_end(year, m), f"{year}年{m}月")
    if kind != "year":
        raise ValidationError({"period": "统计期应为年度、季度、月度或日期范围。"})
    return Period("year", dt.date(year, 1, 1), dt.date(year, 12, 31), f"{year}年")


# --- scope and filter --------------------------------------------------------------------------


@dataclass(frozen=True)
class StatsFilter:
    period: Period
    region: Region
    department: Department | None = None

    def query(self) -> dict[str, str]:
        params = {**self.period.query(), "region": self.region.code}
        if self.department is not None:
            params["department"] = str(self.department.pk)
        return params


def _scope(user: User) -> Scope:
    scope = Scope.of(user)
    if not scope.has(PERMISSION):
        raise PermissionDenied(PERMISSION)
    return scope


def visible_departments(scope: Scope) -> QuerySet[Department]:
    return Department.objects.filter(scope.departments_q(PERMISSION, path=None))


def _region_wide(scope: Scope) -> bool:
    """Does this scope see every department of its region and below (not only some)?"""
    return scope.is_platform_admin or any(
        reach is Reach.REGION_AND_BELOW for _role, reach in scope.reaches(PERMISSION)
    )


def filter_build(*, user: User, params: Mapping[str, Any]) -> StatsFilter:
    """The filter of the query string, checked against the user's scope: 403 without
    `stats.view`, 404 for a region or department outside it (its existence is not revealed),
    ValidationError for a malformed period."""
    scope = _scope(user)
    period = period_parse(params)
    code = str(params.get("region") or "").strip() or scope.region_code
    if not code:
        raise Http404
    if not scope.is_platform_admin and not code.startswith(scope.region_code):
        raise Http404
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise Http404
    department = None
    raw = str(params.get("department") or "").strip()
    if raw:
        if not raw.isdigit():
            raise Http404
        department = visible_departments(scope).filter(pk=int(raw)).select_related("region").first()
        if department is None:
            raise Http404
        region = department.region
    return StatsFilter(period, region, department)


# --- results -----------------------------------------------------------------------------------


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[Any]]


@dataclass
class Check:
    target: Target
    met: bool | None  # None: not judged (no data, or not a whole year)
    note: str = ""

    @property
    def badge(self) -> str:
        return {True: "ok", False: "danger", None: ""}[self.met]

    @property
    def label(self) -> str:
        return {True: "达标", False: "未达标", None: "不考核"}[self.met]


@dataclass
class Kpi:
    key: str
    title: str
    value: str  # the headline, as shown
    checks: list[Check]
    tables: list[Table]
    chart: dict[str, Any]
    numbers: dict[str, Any] = field(default_factory=dict)  # the exact figures, for tests

    @property
    def chart_id(self) -> str:
        return f"chart-{self.key}"


def percent(numerator: int, denominator: int) -> str:
    if not denominator:
        return "—"
    value = Fraction(numerator * 100, denominator)
    return f"{float(value):.2f}%"


def _ratio_check(target: Target, numerator: int, denominator: int, period: Period) -> Check:
    assert target.ratio is not None
    if not denominator:
        return Check(target, None, "无数据")
    met = Fraction(numerator, denominator) >= target.ratio
    if target.yearly and not period.whole_year:
        return Check(target, None, "统计期不是完整的自然年，按年考核的目标仅供参考")
    return Check(target, met)


def _bar(
    categories: list[Any],
    series: list[tuple[str, list[Any]]],
    *,
    percent_axis: bool = False,
    stack: bool = False,
) -> dict[str, Any]:
    option: dict[str, Any] = {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 48, "right": 16, "top": 36, "bottom": 48, "containLabel": True},
        "xAxis": {"type": "category", "data": categories, "axisLabel": {"interval": 0}},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {"name": name, "type": "bar", "data": data, **({"stack": "all"} if stack else {})}
            for name, data in series
        ],
        "aria": {"enabled": True},
    }
    if percent_axis:
        option["yAxis"] = {"type": "value", "axisLabel": {"formatter": "{value}%"}}
    return option


def _pie(parts: list[tuple[str, int]]) -> dict[str, Any]:
    return {
        "tooltip": {"trigger": "item"},
        "legend": {"bottom": 0},
        "series": [
            {
                "type": "pie",
                "radius": ["35%", "65%"],
                "data": [{"name": name, "value": value} for name, value in parts],
                "label": {"formatter": "{b}: {c}"},
            }
        ],
        "aria": {"enabled": True},
    }


def _pct_value(numerator: int, denominator: int) -> float:
    return round(numerator * 100 / denominator, 2) if denominator else 0.0


# --- the facts ---------------------------------------------------------------------------------


@dataclass
class Facts:
    """The records behind every figure of one filter, read once."""

    flt: StatsFilter
    departments: list[Department]
    tasks: dict[int, InspectionTask]
    draws: dict[int, Draw]  # task id -> its valid draw (as-of date in the period)
    assignments: list[Assignment]
    sheets: dict[int, SheetResult]  # assignment id -> sheet
    live: QuerySet[Entity]  # the registry's live entities in scope (the coverage denominator)
    today: dt.date


def _departments(scope: Scope, flt: StatsFilter) -> list[Department]:
    qs = visible_departments(scope).filter(region__code__startswith=flt.region.code)
    if flt.department is not None:
        qs = qs.filter(pk=flt.department.pk)
    return list(qs.select_related("region").order_by("region_id", "name"))


def _tasks_q(department_ids: Iterable[int]) -> QuerySet[InspectionTask]:
    return InspectionTask.objects.filter(
        pk__in=TaskDepartment.objects.filter(department_id__in=list(department_ids)).values(
            "task_id"
        )
    )


def facts_read(*, user: User, flt: StatsFilter, today: dt.date | None = None) -> Facts:
    scope = _scope(user)
    today = today or timezone.localdate()
    departments = _departments(scope, flt)
    dept_ids = [d.pk for d in departments]
    period = flt.period
    draws = {
        d.task_id: d
        for d in Draw.objects.filter(
            task__in=_tasks_q(dept_ids),
            status=DrawStatus.DRAWN,
            as_of_date__gte=period.start,
            as_of_date__lte=period.end,
        ).select_related("task", "task__lead_department")
    }
    tasks = {task_id: d.task for task_id, d in draws.items()}
    assignments = list(
        Assignment.objects.filter(
            draw__in=[d.pk for d in draws.values()], status=AssignmentStatus.ASSIGNED
        )
        .select_related("entity", "task")
        .order_by("task_id", "sheet_number")
    )
    sheets = {
        s.assignment_id: s
        for s in SheetResult.objects.filter(assignment__in=[a.pk for a in assignments])
    }
    live = Entity.objects.filter(
        region__code__startswith=flt.region.code, status__in=ACTIVE_STATUSES
    ).filter(Q(registered_on__isnull=True) | Q(registered_on__lte=period.end))
    if flt.department is not None or not _region_wide(scope):
        live = live.filter(departments__in=dept_ids)
    return Facts(flt, departments, tasks, draws, assignments, sheets, live.distinct(), today)


# --- the KPIs ----------------------------------------------------------------------------------


def kpi_coverage(f: Facts) -> Kpi:
    drawn = {a.entity_id for a in f.assignments}
    inspected = {
        a.entity_id for a in f.assignments if latest_inspection_date(f.sheets.get(a.pk)) is not None
    }
    # counted in the database: a county's registry has hundreds of thousands of entities
    live = f.live.count()
    covered_ids = set(
        f.live.filter(
            pk__in=Assignment.objects.filter(
                draw__in=[d.pk for d in f.draws.values()], status=AssignmentStatus.ASSIGNED
            ).values("entity_id")
        ).values_list("pk", flat=True)
    )
    covered = drawn & covered_ids
    checks = [
        _ratio_check(T_COVERAGE_5, len(covered), live, f.flt.period),
        _ratio_check(T_COVERAGE_3, len(covered), live, f.flt.period),
    ]
    table = Table(
        "覆盖率",
        ["项目", "数值"],
        [
            ["在册检查对象数（分母）", live],
            ["抽查户数（全部）", len(drawn)],
            ["其中属于分母范围的抽查户数（分子）", len(covered)],
            ["其中已完成检查的户数", len(inspected)],
            ["抽查覆盖率", percent(len(covered), live)],
        ],
    )
    chart = _bar(
        ["抽查覆盖率", "目标（高阳县方案）", "目标（福州市方案）"],
        [("百分比", [_pct_value(len(covered), live), 5, 3])],
        percent_axis=True,
    )
    return Kpi(
        "coverage",
        "抽查覆盖率（抽查户数占在册检查对象）",
        percent(len(covered), live),
        checks,
        [table],
        chart,
        {"live": live, "drawn": len(drawn), "covered": len(covered), "inspected": len(inspected)},
    )


def kpi_rounds(f: Facts) -> Kpi:
    counted = [d for d in f.departments if d.kind != DepartmentKind.LEADING_OFFICE]
    per_dept: Counter[int] = Counter()
    parts = TaskDepartment.objects.filter(
        task_id__in=list(f.tasks), department__in=[d.pk for d in counted]
    ).values_list("department_id", flat=True)
    per_dept.update(parts)
    rows = []
    met_count = 0
    for d in counted:
        n = per_dept[d.pk]
        met_count += n >= 2
        rows.append([d.name, n, "达标" if n >= 2 else "未达标"])
    if not counted:
        check = Check(T_ROUNDS, None, "无统计部门")
    elif not f.flt.period.whole_year:
        check = Check(T_ROUNDS, None, "统计期不是完整的自然年，按年考核的目标仅供参考")
    else:
        check = Check(T_ROUNDS, met_count == len(counted))
    chart = _bar([d.short_name or d.name for d in counted], [("抽查次数", [r[1] for r in rows])])
    return Kpi(
        "rounds",
        "各部门抽查频次",
        f"{met_count} / {len(counted)} 个部门达到 2 次",
        [check],
        [Table("各部门抽查次数", ["部门", "抽查次数", "是否达到 2 次"], rows)],
        chart,
        {"per_department": {d.pk: per_dept[d.pk] for d in counted}, "met": met_count},
    )


def kpi_per_entity(f: Facts) -> Kpi:
    years = range(f.flt.period.start.year, f.flt.period.end.year + 1)
    entity_ids = {a.entity_id for a in f.assignments}
    task_ids = _tasks_q(d.pk for d in f.departments)
    rows = (
        Assignment.objects.filter(
            entity_id__in=entity_ids,
            task__in=task_ids,
            status=AssignmentStatus.ASSIGNED,
            draw__status=DrawStatus.DRAWN,
            draw__as_of_date__year__in=list(years),
        )
        .values_list("entity_id", "draw__as_of_date", "task__yearly_cap")
        .order_by()
    )
    counts: Counter[tuple[int, int]] = Counter()
    caps: dict[tuple[int, int], int] = {}
    for entity_id, as_of, cap in rows:
        key = (entity_id, as_of.year)
        counts[key] += 1
        caps[key] = min(cap, caps.get(key, cap))
    distribution: Counter[int] = Counter(counts.values())
    over = sorted(key for key, n in counts.items() if n > caps[key])
    names = dict(Entity.objects.filter(pk__in={e for e, _y in over}).values_list("pk", "name"))
    keys = dict(Entity.objects.filter(pk__in={e for e, _y in over}).values_list("pk", "uscc"))
    check = Check(
        Target(
            "不超过任务设定的同一对象年度抽查上限",
            "本平台抽查任务设置（同一对象年度抽查上限）",
            "同一对象年度抽查上限",
            at_most=0,
        ),
        None if not counts else not over,
    )
    dist_rows = [[f"{n} 次", distribution[n]] for n in sorted(distribution)]
    over_rows = [[names[e], keys[e], y, counts[(e, y)], caps[(e, y)]] for e, y in over]
    return Kpi(
        "per_entity",
        "每户年度抽查次数",
        f"超限 {len(over)} 户",
        [check],
        [
            Table("次数分布（户数）", ["年度抽查次数", "户数"], dist_rows),
            Table(
                "超过年度上限的检查对象",
                ["名称", "统一社会信用代码", "年度", "次数", "上限"],
                over_rows,
            ),
        ],
        _bar([r[0] for r in dist_rows], [("户数", [r[1] for r in dist_rows])]),
        {"distribution": dict(distribution), "over": len(over)},
    )


def kpi_joint(f: Facts) -> Kpi:
    joint_tasks = [t for t in f.tasks.values() if t.kind == TaskKind.JOINT]
    all_entities = {a.entity_id for a in f.assignments}
    joint_entities = {a.entity_id for a in f.assignments if a.task.kind == TaskKind.JOINT}
    checks = [
        _ratio_check(T_JOINT_TASKS, len(joint_tasks), len(f.tasks), f.flt.period),
        _ratio_check(T_JOINT_ENTITIES, len(joint_entities), len(all_entities), f.flt.period),
    ]
    rows = [
        [
            "抽查次数（任务数）",
            len(f.tasks),
            len(joint_tasks),
            percent(len(joint_tasks), len(f.tasks)),
        ],
        [
            "抽查户数",
            len(all_entities),
            len(joint_entities),
            percent(len(joint_entities), len(all_entities)),
        ],
    ]
    chart = _bar(
        ["联合抽查次数占比", "联合抽查户数占比"],
        [
            (
                "实际",
                [
                    _pct_value(len(joint_tasks), len(f.tasks)),
                    _pct_value(len(joint_entities), len(all_entities)),
                ],
            ),
            ("目标", [25, 15]),
        ],
        percent_axis=True,
    )
    return Kpi(
        "joint",
        "部门联合抽查占比",
        f"次数 {percent(len(joint_tasks), len(f.tasks))}，户数 "
        f"{percent(len(joint_entities), len(all_entities))}",
        checks,
        [Table("联合抽查", ["项目", "全部", "其中部门联合", "占比"], rows)],
        chart,
        {
            "tasks": len(f.tasks),
            "joint_tasks": len(joint_tasks),
            "entities": len(all_entities),
            "joint_entities": len(joint_entities),
        },
    )


def credit_based_task_ids(task_ids: Iterable[int]) -> set[int]:
    """Tasks whose strata draw from at least two credit-risk grades (the ungraded stratum and
    rules of 0 aside), not all with the same ratio or count."""
    grades: dict[int, set[str]] = defaultdict(set)
    rules: dict[int, set[tuple[int | None, int | None]]] = defaultdict(set)
    for task_id, grade, ratio, count in StratumRule.objects.filter(
        task_id__in=list(task_ids)
    ).values_list("task_id", "grade", "ratio_bp", "count"):
        if grade == UNGRADED or not (ratio or count):
            continue  # the ungraded stratum is no grade; a rule of 0 draws nothing
        grades[task_id].add(grade)
        rules[task_id].add((ratio, count))
    return {t for t in grades if len(grades[t]) >= 2 and len(rules[t]) >= 2}


def kpi_credit(f: Facts) -> Kpi:
    credit = credit_based_task_ids(f.tasks)
    total = len(f.assignments)
    based = sum(1 for a in f.assignments if a.task_id in credit)
    per_task = Counter(a.task_id for a in f.assignments)
    rows = [
        [t.number, t.name, "是" if t.pk in credit else "否", per_task[t.pk]]
        for t in sorted(f.tasks.values(), key=lambda t: t.number)
    ]
    return Kpi(
        "credit",
        "信用风险分类抽查占比",
        percent(based, total),
        [_ratio_check(T_CREDIT, based, total, f.flt.period)],
        [
            Table(
                "按任务",
                ["任务编号", "任务名称", "按信用风险等级差异化抽查", "抽查户次"],
                rows,
            )
        ],
        _pie([("信用风险分类抽查", based), ("其他", total - based)]),
        {"total": total, "credit_based": based, "credit_tasks": len(credit & set(f.tasks))},
    )


@dataclass
class SheetFigure:
    assignment: Assignment
    sheet: SheetResult | None
    inspected_on: dt.date | None
    deadline: Deadline | None
    published_on: dt.date | None
    today: dt.date

    @property
    def due(self) -> bool:
        """应公示: inspected, and published or past its deadline."""
        if self.inspected_on is None or self.deadline is None:
            return False
        return self.published_on is not None or self.today > self.deadline.due

    @property
    def on_time(self) -> bool:
        return (
            self.published_on is not None
            and self.deadline is not None
            and self.published_on <= self.deadline.due
        )


def sheet_figures(f: Facts) -> list[SheetFigure]:
    calendar = Calendar()
    cache: dict[tuple[dt.date, int], Deadline] = {}
    out = []
    for a in f.assignments:
        sheet = f.sheets.get(a.pk)
        inspected = latest_inspection_date(sheet)
        deadline = None
        if inspected is not None:
            key = (inspected, a.task.result_deadline_workdays)
            if key not in cache:
                cache[key] = calendar.add_workdays(*key)
            deadline = cache[key]
        published = None
        if sheet is not None and sheet.state == SheetState.PUBLISHED and sheet.published_at:
            published = timezone.localtime(sheet.published_at).date()
        out.append(SheetFigure(a, sheet, inspected, deadline, published, f.today))
    return out


def kpi_publication(f: Facts, figures: list[SheetFigure]) -> Kpi:
    due = [x for x in figures if x.due]
    published = [x for x in due if x.published_on is not None]
    on_time = [x for x in due if x.on_time]
    overdue = [x for x in due if x.published_on is None]
    per_task: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for x in figures:
        row = per_task[x.assignment.task_id]
        row[0] += x.inspected_on is not None
        row[1] += x.due
        row[2] += x.published_on is not None and x.due
        row[3] += x.on_time and x.due
    rows = [
        [t.number, t.name, t.result_deadline_workdays, *per_task[t.pk]]
        for t in sorted(f.tasks.values(), key=lambda t: t.number)
    ]
    return Kpi(
        "publication",
        "检查结果公示",
        f"公示率 {percent(len(published), len(due))}，按期公示率 {percent(len(on_time), len(due))}",
        [
            _ratio_check(T_PUBLISHED, len(published), len(due), f.flt.period),
            _ratio_check(T_PUBLISHED_ON_TIME, len(on_time), len(due), f.flt.period),
        ],
        [
            Table(
                "公示情况",
                ["项目", "数量"],
                [
                    ["已有检查日期的检查结果", sum(1 for x in figures if x.inspected_on)],
                    ["应公示", len(due)],
                    ["已公示", len(published)],
                    ["按期公示", len(on_time)],
                    ["逾期未公示", len(overdue)],
                ],
            ),
            Table(
                "按任务",
                [
                    "任务编号",
                    "任务名称",
                    "公示时限（工作日）",
                    "已检查",
                    "应公示",
                    "已公示",
                    "按期公示",
                ],
                rows,
            ),
        ],
        _bar(
            ["应公示", "已公示", "按期公示", "逾期未公示"],
            [("检查结果数", [len(due), len(published), len(on_time), len(overdue)])],
        ),
        {
            "due": len(due),
            "published": len(published),
            "on_time": len(on_time),
            "overdue": len(overdue),
        },
    )


def kpi_dispatch(f: Facts) -> Kpi:
    dept_ids = {d.pk for d in f.departments}
    parts = TaskDepartment.objects.filter(
        task_id__in=list(f.tasks), department_id__in=dept_ids
    ).select_related("department", "task")
    deadlines: dict[int, Deadline] = {}
    on_time = late = pending_overdue = pending = 0
    rows = []
    for part in sorted(parts, key=lambda p: (p.task.number, p.department_id)):
        draw = f.draws[part.task_id]
        if draw.pk not in deadlines:
            deadlines[draw.pk] = confirmation_deadline(draw)
        deadline = deadlines[draw.pk]
        confirmed = timezone.localtime(part.confirmed_at).date() if part.confirmed_at else None
        if confirmed is None:
            state = "逾期未确认" if f.today > deadline.due else "待确认（未到期限）"
            pending_overdue += f.today > deadline.due
            pending += f.today <= deadline.due
        elif confirmed <= deadline.due:
            state, on_time = "按期确认", on_time + 1
        else:
            state, late = "逾期确认", late + 1
        rows.append(
            [
                part.task.number,
                part.department.name,
                deadline.due,
                confirmed or "",
                state,
            ]
        )
    due = on_time + late + pending_overdue
    return Kpi(
        "dispatch",
        "派发确认及时率（2 个工作日内）",
        percent(on_time, due),
        [_ratio_check(T_DISPATCH, on_time, due, f.flt.period)],
        [Table("派发确认", ["任务编号", "部门", "确认期限", "确认日期", "情况"], rows)],
        _pie(
            [
                ("按期确认", on_time),
                ("逾期确认", late),
                ("逾期未确认", pending_overdue),
                ("待确认", pending),
            ]
        ),
        {
            "due": due,
            "on_time": on_time,
            "late": late,
            "overdue": pending_overdue,
            "pending": pending,
        },
    )


def kpi_followups(f: Facts) -> Kpi:
    sheet_ids = [s.pk for s in f.sheets.values()]
    followups = list(
        FollowUp.objects.filter(
            sheet_id__in=sheet_ids, department__in=[d.pk for d in f.departments]
        ).select_related("department")
    )
    opened = len(followups)
    closed = [x for x in followups if x.status == FollowUpStatus.CLOSED]
    overdue = [x for x in followups if x.status == FollowUpStatus.OPEN and x.due_on < f.today]
    closed_late = [
        x for x in closed if x.closed_at and timezone.localtime(x.closed_at).date() > x.due_on
    ]
    per_dept: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for x in followups:
        row = per_dept[x.department.name]
        row[0] += 1
        row[1] += x.status == FollowUpStatus.CLOSED
        row[2] += x in overdue
    check = (
        Check(T_FOLLOWUP, None, "无后续处置") if not followups else Check(T_FOLLOWUP, not overdue)
    )
    return Kpi(
        "followups",
        "后续处置",
        f"登记 {opened} 件，办结 {len(closed)} 件，逾期未办结 {len(overdue)} 件",
        [check],
        [
            Table(
                "后续处置",
                ["项目", "件数"],
                [
                    ["登记", opened],
                    ["已办结", len(closed)],
                    ["其中逾期办结", len(closed_late)],
                    ["未办结", opened - len(closed)],
                    ["逾期未办结", len(overdue)],
                ],
            ),
            Table(
                "按部门",
                ["部门", "登记", "已办结", "逾期未办结"],
                [[k, *v] for k, v in sorted(per_dept.items())],
            ),
        ],
        _bar(["登记", "已办结", "逾期未办结"], [("件数", [opened, len(closed), len(overdue)])]),
        {
            "opened": opened,
            "closed": len(closed),
            "overdue": len(overdue),
            "closed_late": len(closed_late),
        },
    )


def kpi_changes(f: Facts) -> Kpi:
    dept_ids = {d.pk for d in f.departments}
    period = f.flt.period
    draws = list(
        Draw.objects.filter(
            task__in=_tasks_q(dept_ids),
            as_of_date__gte=period.start,
            as_of_date__lte=period.end,
        )
        .exclude(status=DrawStatus.FAILED)
        .select_related("task", "task__lead_department")
    )
    draw_ids = [d.pk for d in draws]
    inspector_out = list(
        GroupMember.objects.filter(group__draw__in=draw_ids, active=False).values_list(
            "group__draw__task_id", "inspector__department_id"
        )
    )
    target_in = Counter(
        Assignment.objects.filter(draw__in=draw_ids, from_reserve=True).values_list(
            "task_id", flat=True
        )
    )
    tasks = {d.task_id: d.task for d in draws}
    voided = Counter(d.task_id for d in draws if d.status == DrawStatus.VOIDED)
    insp_per_task = Counter(t for t, _d in inspector_out)
    task_rows = [
        [
            t.number,
            t.name,
            t.lead_department.name,
            sum(1 for d in draws if d.task_id == t.pk),
            voided[t.pk],
            insp_per_task[t.pk],
            target_in[t.pk],
        ]
        for t in sorted(tasks.values(), key=lambda t: t.number)
    ]
    insp_per_dept = Counter(dep for _t, dep in inspector_out)
    dept_rows = []
    for d in f.departments:
        led = [t for t in tasks.values() if t.lead_department_id == d.pk]
        dept_rows.append(
            [
                d.name,
                sum(voided[t.pk] for t in led),
                insp_per_dept[d.pk],
                sum(target_in[t.pk] for t in led),
            ]
        )
    dept_rows = [r for r in dept_rows if any(r[1:])]
    n_void, n_insp = sum(voided.values()), len(inspector_out)
    n_target = sum(target_in.values())
    return Kpi(
        "changes",
        "抽取作废与人员、对象替换",
        f"作废 {n_void} 次，检查人员替换 {n_insp} 人次，检查对象替换 {n_target} 户",
        [],
        [
            Table(
                "按任务",
                [
                    "任务编号",
                    "任务名称",
                    "牵头部门",
                    "抽取次数",
                    "作废",
                    "检查人员替换",
                    "检查对象替换",
                ],
                task_rows,
            ),
            Table(
                "按部门",
                [
                    "部门",
                    "作废（牵头任务）",
                    "检查人员替换（本部门人员）",
                    "检查对象替换（牵头任务）",
                ],
                dept_rows,
            ),
        ],
        _bar(
            [r[0] for r in task_rows],
            [
                ("作废", [r[4] for r in task_rows]),
                ("检查人员替换", [r[5] for r in task_rows]),
                ("检查对象替换", [r[6] for r in task_rows]),
            ],
            stack=False,
        ),
        {"voided": n_void, "inspector_replacements": n_insp, "target_replacements": n_target},
    )


# --- the dashboard -----------------------------------------------------------------------------


@dataclass
class DrillRow:
    label: str
    query: dict[str, str]
    coverage: str
    tasks: int
    joint: str
    published: str

    @property
    def qs(self) -> str:
        return urlencode(self.query)


@dataclass
class Dashboard:
    flt: StatsFilter
    kpis: list[Kpi]
    regions: list[DrillRow]
    departments: list[DrillRow]
    tasks: list[InspectionTask]
    definitions: list[tuple[str, str]] = field(default_factory=lambda: DEFINITIONS)

    def kpi(self, key: str) -> Kpi:
        return next(k for k in self.kpis if k.key == key)


def kpis_compute(facts: Facts) -> list[Kpi]:
    figures = sheet_figures(facts)
    return [
        kpi_coverage(facts),
        kpi_rounds(facts),
        kpi_per_entity(facts),
        kpi_joint(facts),
        kpi_credit(facts),
        kpi_publication(facts, figures),
        kpi_dispatch(facts),
        kpi_followups(facts),
        kpi_changes(facts),
    ]


def _drill_row(user: User, label: str, flt: StatsFilter, today: dt.date) -> DrillRow:
    f = facts_read(user=user, flt=flt, today=today)
    cover = kpi_coverage(f).numbers
    joint = kpi_joint(f).numbers
    pub = kpi_publication(f, sheet_figures(f)).numbers
    return DrillRow(
        label,
        flt.query(),
        percent(cover["covered"], cover["live"]),
        joint["tasks"],
        percent(joint["joint_tasks"], joint["tasks"]),
        percent(pub["published"], pub["due"]),
    )


def dashboard(
    *, user: User, flt: StatsFilter, today: dt.date | None = None, drill: bool = True
) -> Dashboard:
    """Every KPI of the filter, plus (with `drill`) one headline row per lower region and per
    department, each computed with that region or department as its own filter."""
    today = today or timezone.localdate()
    facts = facts_read(user=user, flt=flt, today=today)
    kpis = kpis_compute(facts)
    regions: list[DrillRow] = []
    departments: list[DrillRow] = []
    if drill and flt.department is None:
        for child in Region.objects.filter(parent=flt.region).order_by("code"):
            regions.append(_drill_row(user, child.name, StatsFilter(flt.period, child), today))
        for d in facts.departments:
            departments.append(
                _drill_row(user, d.name, StatsFilter(flt.period, d.region, d), today)
            )
    tasks = sorted(facts.tasks.values(), key=lambda t: t.number)
    return Dashboard(flt, kpis, regions, departments, tasks)


# --- a task's sheets (department → tasks → sheets) ---------------------------------------------


@dataclass
class TaskSheets:
    task: InspectionTask
    draw: Draw | None
    figures: list[SheetFigure]
    kpis: list[Kpi]


def task_sheets(*, user: User, pk: int, today: dt.date | None = None) -> TaskSheets:
    """One task's sheets with their publication figures; 404 when no department the user may
    see takes part in it."""
    scope = _scope(user)
    today = today or timezone.localdate()
    task = (
        _tasks_q(visible_departments(scope).values_list("pk", flat=True))
        .filter(pk=pk)
        .select_related("lead_department", "region")
        .first()
    )
    if task is None:
        raise Http404
    draw = task.draws.filter(status=DrawStatus.DRAWN).first()
    departments = list(
        visible_departments(scope).filter(task_parts__task=task).select_related("region")
    )
    if draw is None:
        return TaskSheets(task, None, [], [])
    day = draw.as_of_date
    flt = StatsFilter(Period("range", day, day, day.isoformat()), task.region)
    assignments = list(
        draw.assignments.filter(status=AssignmentStatus.ASSIGNED)
        .select_related("entity", "task")
        .order_by("sheet_number")
    )
    sheets = {s.assignment_id: s for s in SheetResult.objects.filter(assignment__in=assignments)}
    facts = Facts(
        flt,
        departments,
        {task.pk: task},
        {task.pk: draw},
        assignments,
        sheets,
        Entity.objects.none(),
        today,
    )
    figures = sheet_figures(facts)
    kpis = [kpi_publication(facts, figures), kpi_dispatch(facts), kpi_followups(facts)]
    return TaskSheets(task, draw, figures, kpis)
