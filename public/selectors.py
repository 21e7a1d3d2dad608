"""Every read of the public site. Only published things: list versions that were published
(current or superseded), plan versions that were published (current or adjusted), tasks with a
draw that was run (or run and voided), sheet results in state `published`, corrections in state
`published`. Nothing here depends on who asks; nothing here counts big tables.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from accounts.models import Department
from catalog.models import InspectionItem, ItemList, JointItem, ListKind, ListVersion
from inspections.models import (
    CategoryKind,
    CorrectionState,
    ItemResult,
    Outcome,
    ResultCategory,
    ResultCorrection,
    SheetResult,
    SheetState,
)
from planning.models import (
    AnnualPlan,
    Assignment,
    AssignmentStatus,
    Draw,
    DrawStatus,
    DrawWitness,
    InspectionTask,
    PlanBatch,
    PlanStatus,
    PlanVersion,
    TaskDepartment,
)
from regions.models import Region
from registry.models import Entity
from registry.selectors import name_fragment_q, prefix_q

from .privacy import ENTITY_FIELDS

DEFAULT_REGION = "130827"
PAGE_SIZE = 50
# A commitment is public from the moment it is made (docs/draw-spec.md: its digest is published
# before any randomness exists), and a draw that failed its constraints stays on record too.
PUBLIC_DRAW_STATES = (
    DrawStatus.COMMITTED,
    DrawStatus.DRAWN,
    DrawStatus.FAILED,
    DrawStatus.VOIDED,
)
PUBLIC_PLAN_STATES = (PlanStatus.PUBLISHED, PlanStatus.SUPERSEDED)
PUBLIC_LIST_STATES = ("published", "superseded")


# --- regions and departments ------------------------------------------------------------------


def region_get(code: str) -> Region:
    region = Region.objects.select_related("parent__parent__parent").filter(code=code).first()
    if region is None:
        raise Http404("unknown region")
    return region


def default_region() -> Region:
    """The demo county when it exists, else the first region that has departments."""
    region = Region.objects.select_related("parent__parent__parent").filter(
        code=DEFAULT_REGION
    ).first() or (
        Region.objects.select_related("parent__parent__parent")
        .filter(Exists(Department.objects.filter(region=OuterRef("pk"))))
        .order_by("-level", "code")
        .first()
    )
    if region is None:
        raise Http404("no regions yet")
    return region


def region_chain(region: Region) -> list[Region]:
    """The region and its parents, top first (the parents are already select_related)."""
    chain: list[Region] = []
    node: Region | None = region
    while node is not None:
        chain.append(node)
        node = node.parent
    return list(reversed(chain))


def region_children(region: Region) -> QuerySet[Region]:
    return Region.objects.filter(parent=region).only("code", "name").order_by("code")


def departments_of(region: Region) -> QuerySet[Department]:
    return Department.objects.filter(region=region, is_active=True).order_by("kind", "name")


def department_get(region: Region, pk: str | None) -> Department | None:
    """The department chosen by `?dept=`; 404 when it is not a department of this region."""
    if not pk:
        return None
    if not str(pk).isdigit():
        raise Http404("unknown department")
    department = departments_of(region).filter(pk=int(pk)).first()
    if department is None:
        raise Http404("unknown department")
    return department


# --- 随机抽查事项清单 ----------------------------------------------------------------------------


def _public_versions() -> QuerySet[ListVersion]:
    return ListVersion.objects.filter(status__in=PUBLIC_LIST_STATES).order_by("-number")


def item_lists(region: Region, department: Department | None = None) -> QuerySet[ItemList]:
    lists = ItemList.objects.filter(region=region).filter(
        Exists(_public_versions().filter(item_list=OuterRef("pk")))
    )
    if department is not None:
        lists = lists.filter(department=department)
    return (
        lists.select_related("department", "region")
        .prefetch_related(Prefetch("versions", queryset=_public_versions(), to_attr="public"))
        .order_by("kind", "department__name", "name")
    )


def list_version_get(pk: int) -> ListVersion:
    version = _public_versions().select_related("item_list__department", "item_list__region")
    found = version.filter(pk=pk).first()
    if found is None:
        raise Http404("unknown or unpublished list version")
    return found


def list_version_siblings(version: ListVersion) -> list[ListVersion]:
    return list(_public_versions().filter(item_list=version.item_list_id))


def list_version_items(version: ListVersion) -> list[InspectionItem]:
    return list(
        InspectionItem.objects.filter(version=version)
        .select_related("category")
        .order_by("position")
    )


def list_version_joint_items(version: ListVersion) -> list[JointItem]:
    return list(JointItem.objects.filter(version=version).order_by("position"))


def is_joint(version: ListVersion) -> bool:
    return version.item_list.kind == ListKind.JOINT


# --- annual plans ------------------------------------------------------------------------------


def _public_plan_versions() -> QuerySet[PlanVersion]:
    return PlanVersion.objects.filter(status__in=PUBLIC_PLAN_STATES).order_by("-number")


def plans(region: Region, department: Department | None = None) -> QuerySet[AnnualPlan]:
    qs = AnnualPlan.objects.filter(department__region=region).filter(
        Exists(_public_plan_versions().filter(plan=OuterRef("pk")))
    )
    if department is not None:
        qs = qs.filter(department=department)
    return (
        qs.select_related("department")
        .prefetch_related(Prefetch("versions", queryset=_public_plan_versions(), to_attr="public"))
        .order_by("-year", "department__name", "kind")
    )


def plan_get(pk: int) -> AnnualPlan:
    plan = (
        AnnualPlan.objects.filter(pk=pk)
        .filter(Exists(_public_plan_versions().filter(plan=OuterRef("pk"))))
        .select_related("department__region")
        .first()
    )
    if plan is None:
        raise Http404("unknown or unpublished plan")
    return plan


def plan_versions(plan: AnnualPlan) -> list[PlanVersion]:
    """Every published version of the plan (newest first) with its batches."""
    batches = PlanBatch.objects.order_by("position").prefetch_related(
        Prefetch("items", queryset=InspectionItem.objects.only("id", "name", "code")),
        Prefetch("joint_items", queryset=JointItem.objects.only("id", "name", "code")),
        Prefetch("participants", queryset=Department.objects.only("id", "name")),
    )
    return list(
        _public_plan_versions()
        .filter(plan=plan)
        .prefetch_related(Prefetch("batches", queryset=batches))
    )


# --- task notices ------------------------------------------------------------------------------


def _public_draws() -> QuerySet[Draw]:
    return Draw.objects.filter(status__in=PUBLIC_DRAW_STATES)


def tasks(region: Region, department: Department | None = None) -> QuerySet[InspectionTask]:
    """Tasks of the region's departments with a draw committed (pending, run, failed or voided)."""
    qs = InspectionTask.objects.filter(lead_department__region=region).filter(
        Exists(_public_draws().filter(task=OuterRef("pk")))
    )
    if department is not None:
        qs = qs.filter(
            Exists(TaskDepartment.objects.filter(task=OuterRef("pk"), department=department))
        )
    return qs.select_related("lead_department").order_by("-window_start", "-id")


def with_published_results(qs: QuerySet[InspectionTask]) -> QuerySet[InspectionTask]:
    return qs.filter(
        Exists(
            SheetResult.objects.filter(assignment__task=OuterRef("pk"), state=SheetState.PUBLISHED)
        )
    )


def task_get(pk: int) -> InspectionTask:
    task = (
        InspectionTask.objects.filter(pk=pk)
        .filter(Exists(_public_draws().filter(task=OuterRef("pk"))))
        .select_related("lead_department__region", "region", "batch__version__plan")
        .first()
    )
    if task is None:
        raise Http404("unknown task or no draw yet")
    return task


def task_parts(task: InspectionTask) -> list[TaskDepartment]:
    return list(
        task.departments.select_related("department").prefetch_related(
            Prefetch("items", queryset=InspectionItem.objects.only("id", "name", "position")),
            Prefetch("joint_items", queryset=JointItem.objects.only("id", "name", "position")),
        )
    )


@dataclass
class StratumLine:
    stratum: str
    population: int
    drawn: int
    reserve: int


@dataclass
class PublicDraw:
    draw: Draw
    strata: list[StratumLine]
    witnesses: list[DrawWitness]
    replaced_by: Draw | None
    supersedes: Draw | None

    @property
    def void_label(self) -> str:
        from planning.services import VOID_REASONS

        return VOID_REASONS.get(self.draw.void_reason, self.draw.void_reason)

    @property
    def total_drawn(self) -> int:
        return sum(s.drawn for s in self.strata)


def _strata(draw: Draw) -> list[StratumLine]:
    """Numbers per stratum as committed (population, k, reserve) from the manifest."""
    try:
        manifest = json.loads(draw.manifest_json)
    except ValueError:
        return []
    strata: Any = manifest.get("strata") or {}
    rows: Iterable[tuple[str, Any]]
    if isinstance(strata, dict):
        rows = strata.items()
    else:
        rows = ((s.get("stratum", ""), s) for s in strata)
    return sorted(
        (
            StratumLine(
                stratum=str(key),
                population=int(s.get("population", 0)),
                drawn=int(s.get("k", 0)),
                reserve=int(s.get("reserve", 0)),
            )
            for key, s in rows
        ),
        key=lambda s: s.stratum,
    )


def task_draws(task: InspectionTask) -> list[PublicDraw]:
    """The task's run draws, oldest first; a voided one names the draw that replaced it."""
    draws = list(
        _public_draws()
        .filter(task=task)
        .select_related("supersedes")
        .prefetch_related("witnesses")
        .defer("certificate_json", "server_nonce")
        .order_by("sequence")
    )
    by_supersedes = {
        d.supersedes_id: d
        for d in Draw.objects.filter(task=task, supersedes__isnull=False).only(
            "id", "draw_id", "sequence", "status", "supersedes_id"
        )
    }
    return [
        PublicDraw(
            draw=d,
            strata=_strata(d),
            witnesses=list(d.witnesses.all()),
            replaced_by=by_supersedes.get(d.pk),
            supersedes=d.supersedes,
        )
        for d in draws
    ]


def live_draw(draws: list[PublicDraw]) -> PublicDraw | None:
    return next((d for d in draws if d.draw.status == DrawStatus.DRAWN), None)


def draw_entities(draw: Draw) -> QuerySet[Assignment]:
    """The drawn entities of a draw (assigned and replaced ones), in sheet order, each with
    whether its result is published (`published`)."""
    return (
        Assignment.objects.filter(draw=draw)
        .select_related("entity")
        .annotate(
            published=Exists(
                SheetResult.objects.filter(assignment=OuterRef("pk"), state=SheetState.PUBLISHED)
            )
        )
        .only(
            "id",
            "entity_key",
            "stratum",
            "status",
            "sheet_number",
            "from_reserve",
            *(f"entity__{f}" for f in ENTITY_FIELDS),
        )
        .order_by("sheet_number")
    )


def draw_for_certificate(pk: int) -> Draw:
    draw = _public_draws().filter(pk=pk).exclude(certificate_json="").first()
    if draw is None:
        raise Http404("no certificate")
    return draw


# --- results -----------------------------------------------------------------------------------


@dataclass
class PublicItem:
    department: str
    item: str
    labels: list[str]
    problem: bool
    corrections: list[PublicCorrection] = field(default_factory=list)


@dataclass
class PublicCorrection:
    department: str
    item: str
    before: list[str]
    after: list[str]
    reason: str
    corrected_on: dt.date | None


@dataclass
class PublicResult:
    sheet: SheetResult
    entity: Entity
    key: str
    task: InspectionTask
    items: list[PublicItem]

    @property
    def corrections(self) -> list[PublicCorrection]:
        return [c for i in self.items for c in i.corrections]

    @property
    def overall(self) -> str:
        if self.sheet.outcome != Outcome.INSPECTED:
            return Outcome(self.sheet.outcome).label
        # A sheet with a finding is summarised by its findings; "未发现问题" of its other items
        # would read as a contradiction next to them (each item stays listed in the detail).
        labels: list[str] = []
        for item in [i for i in self.items if i.problem] or self.items:
            for label in item.labels:
                if label not in labels:
                    labels.append(label)
        return "、".join(labels) or "—"

    @property
    def has_problem(self) -> bool:
        return self.sheet.outcome == Outcome.UNCOOPERATIVE or any(i.problem for i in self.items)

    @property
    def departments(self) -> str:
        names: list[str] = []
        for item in self.items:
            if item.department not in names:
                names.append(item.department)
        return "、".join(names)


def _labels(categories: Iterable[ResultCategory]) -> list[str]:
    return [c.label for c in sorted(categories, key=lambda c: c.position)]


def _is_problem(categories: Iterable[ResultCategory]) -> bool:
    return any(c.kind in {CategoryKind.PROBLEM, CategoryKind.UNCOOPERATIVE} for c in categories)


def published_sheets() -> QuerySet[SheetResult]:
    return SheetResult.objects.filter(state=SheetState.PUBLISHED)


def _result_queryset(sheets: QuerySet[SheetResult]) -> QuerySet[SheetResult]:
    corrections = (
        ResultCorrection.objects.filter(state=CorrectionState.PUBLISHED)
        .only("id", "item_result_id", "sheet_id", "reason", "reviewed_at", "state")
        .prefetch_related("categories")
        .order_by("reviewed_at", "id")
    )
    items = (
        ItemResult.objects.select_related("part__department", "item")
        .only(
            "id",
            "sheet_id",
            "part__department__name",
            "part__id",
            "part__department_id",
            "item__name",
            "item__position",
        )
        .prefetch_related("categories", Prefetch("corrections", queryset=corrections))
        .order_by("-part__is_lead", "part_id", "item__position", "id")
    )
    return (
        sheets.select_related("assignment__entity", "assignment__task")
        .only(
            "id",
            "state",
            "outcome",
            "completed_on",
            "published_at",
            "assignment__id",
            "assignment__entity_key",
            "assignment__sheet_number",
            "assignment__task__id",
            "assignment__task__name",
            "assignment__task__number",
            "assignment__task__lead_department_id",
            *(f"assignment__entity__{f}" for f in ENTITY_FIELDS),
        )
        .prefetch_related(Prefetch("items", queryset=items))
    )


def _public_result(sheet: SheetResult) -> PublicResult:
    items: list[PublicItem] = []
    for result in sheet.items.all():
        original = list(result.categories.all())
        department = result.part.department.name
        label = result.item.name if result.item else "本部门抽查事项"
        current = original
        corrections: list[PublicCorrection] = []
        for correction in result.corrections.all():
            after = list(correction.categories.all())
            corrections.append(
                PublicCorrection(
                    department=department,
                    item=label,
                    before=_labels(current),
                    after=_labels(after),
                    reason=correction.reason,
                    corrected_on=correction.reviewed_at.date() if correction.reviewed_at else None,
                )
            )
            current = after
        items.append(
            PublicItem(
                department=department,
                item=label,
                labels=_labels(current),
                problem=_is_problem(current),
                corrections=corrections,
            )
        )
    assignment = sheet.assignment
    return PublicResult(
        sheet=sheet,
        entity=assignment.entity,
        key=assignment.entity_key or assignment.entity.uscc or assignment.entity.reg_no,
        task=assignment.task,
        items=items,
    )


@dataclass
class Window:
    """One page of rows without counting the table: LIMIT n + 1 tells whether a next exists."""

    rows: list[Any]
    number: int
    has_next: bool
    after: str = ""  # keyset cursor for the next page, where the list has one

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * PAGE_SIZE + 1


def page_number(raw: str | None) -> int:
    if raw is None or raw == "":
        return 1
    if not raw.isdigit() or int(raw) < 1 or int(raw) > 100_000:
        raise Http404("bad page")
    return int(raw)


SHEET_NUMBER_RE = re.compile(r"[0-9A-Za-z-]{1,64}")


def task_results(task: InspectionTask, page: int, size: int = PAGE_SIZE, after: str = "") -> Window:
    """One page of the task's published results, in sheet order (no COUNT: LIMIT size + 1).

    "Next" links carry the last sheet number shown (`after`), so paging on walks the
    (task, sheet_number) index from there; a bare page number (a typed or shared link) falls
    back to OFFSET, which costs a walk over the earlier rows."""
    sheets = published_sheets().filter(assignment__task=task).order_by("assignment__sheet_number")
    if after:
        if not SHEET_NUMBER_RE.fullmatch(after):
            raise Http404("bad cursor")
        rows = list(_result_queryset(sheets.filter(assignment__sheet_number__gt=after))[: size + 1])
    else:
        offset = (page - 1) * size
        rows = list(_result_queryset(sheets)[offset : offset + size + 1])
    if page > 1 and not rows:
        raise Http404("no such page")
    shown = rows[:size]
    return Window(
        [_public_result(s) for s in shown],
        page,
        len(rows) > size,
        after=shown[-1].assignment.sheet_number if shown else "",
    )


def task_results_all(task: InspectionTask) -> Iterable[PublicResult]:
    """Every published result of a task, for the CSV / JSON download, in chunks."""
    sheets = published_sheets().filter(assignment__task=task).order_by("assignment__sheet_number")
    last = ""
    while True:
        chunk = list(_result_queryset(sheets.filter(assignment__sheet_number__gt=last))[:500])
        if not chunk:
            return
        for sheet in chunk:
            yield _public_result(sheet)
        last = chunk[-1].assignment.sheet_number


def entity_results(entity: Entity) -> list[PublicResult]:
    sheets = published_sheets().filter(
        assignment__entity=entity,
        assignment__status__in=[AssignmentStatus.ASSIGNED, AssignmentStatus.REPLACED],
    )
    return [
        _public_result(s) for s in _result_queryset(sheets).order_by("-completed_on", "-id")[:200]
    ]


# --- entities and search -----------------------------------------------------------------------

USCC_RE = re.compile(r"[0-9A-HJ-NP-RTUWXY]{18}")
REG_NO_RE = re.compile(r"\d{15}")
CODE_PREFIX_RE = re.compile(r"[0-9A-Z]{6,17}")
NAME_MIN = 2
SEARCH_LIMIT = 50


def _entities() -> QuerySet[Entity]:
    return Entity.objects.select_related("region").only(*ENTITY_FIELDS, "region__name")


def entity_by_key(key: str) -> Entity:
    key = key.strip().upper()
    entity: Entity | None = None
    if USCC_RE.fullmatch(key):
        entity = _entities().filter(uscc=key).first()
    elif REG_NO_RE.fullmatch(key):
        entity = _entities().filter(reg_no=key).first()
    if entity is None:
        raise Http404("unknown entity")
    return entity


@dataclass
class Search:
    query: str
    exact: Entity | None = None
    rows: list[Entity] = field(default_factory=list)
    truncated: bool = False
    error: str = ""


def search(text: str) -> Search:
    """Find entities by an exact or leading USCC / 注册号, or by part of the name.

    Every branch is served by an index and bounded by LIMIT; nothing counts the table:
    - an exact 18-character USCC or 15-digit 注册号: the unique (partial) code indexes;
    - 6 to 17 leading code characters: a B-tree prefix range on uscc / reg_no
      (registry.selectors.prefix_q: a BINARY range on SQLite, LIKE 'x%' on the
      varchar_pattern_ops indexes of registry migration 0005 on PostgreSQL);
    - a name fragment of 3+ characters: the trigram index (SQLite FTS5 trigram table, pg_trgm
      GIN) through registry.selectors.name_fragment_q, LIMIT 51 and no ORDER BY — ordering
      would force the database to collect every match of a common fragment ("有限公司" matches
      most of the table) before returning the first 50;
    - a name of exactly 2 characters cannot use a trigram: a *prefix* match on the name
      (B-tree range), LIMIT 51. One character is refused (it would list half the registry).
    """
    query = re.sub(r"\s+", "", text or "")[:100]
    result = Search(query=query)
    if not query:
        return result
    code = query.upper()
    if USCC_RE.fullmatch(code) or REG_NO_RE.fullmatch(code):
        field_name = "uscc" if len(code) == 18 else "reg_no"
        rows = list(_entities().filter(**{field_name: code})[:2])
        if len(rows) == 1:
            result.exact = rows[0]
        result.rows = rows
        return result
    if CODE_PREFIX_RE.fullmatch(code) and sum(c.isdigit() for c in code) >= 4:
        condition = prefix_q("uscc", code)
        if code.isdigit() and len(code) <= 15:
            condition |= prefix_q("reg_no", code)
        rows = list(_entities().filter(condition).order_by("uscc", "reg_no")[: SEARCH_LIMIT + 1])
    elif len(query) < NAME_MIN:
        result.error = f"请至少输入 {NAME_MIN} 个字的名称，或统一社会信用代码/注册号。"
        return result
    elif len(query) == NAME_MIN:
        rows = list(_entities().filter(prefix_q("name", query))[: SEARCH_LIMIT + 1])
    else:
        rows = list(_entities().filter(name_fragment_q(query))[: SEARCH_LIMIT + 1])
    result.truncated = len(rows) > SEARCH_LIMIT
    result.rows = sorted(rows[:SEARCH_LIMIT], key=lambda e: (e.name, e.pk))
    return result


# --- notices (home page, feed, big screen) -----------------------------------------------------


@dataclass
class Notice:
    kind: str  # plan | list | task | void | result | correction
    title: str
    at: dt.datetime
    url_name: str
    url_args: tuple[Any, ...]
    summary: str = ""
    key: str = ""


def _region_q(region: Region | None, path: str) -> Q:
    return Q(**{path: region}) if region is not None else Q()


def notices(region: Region | None = None, limit: int = 30) -> list[Notice]:
    """The newest public events, each source read newest-first with LIMIT (indexed sorts)."""
    out: list[Notice] = []
    for v in (
        _public_plan_versions()
        .filter(_region_q(region, "plan__department__region"), published_at__isnull=False)
        .select_related("plan__department")
        .only("id", "title", "number", "reason", "published_at", "plan__id", "plan__department")
        .order_by("-published_at")[:limit]
    ):
        adjusted = f"（第 {v.number} 版，调整原因：{v.reason}）" if v.number > 1 else ""
        out.append(
            Notice(
                "plan",
                f"{v.plan.department.name}：{v.title}{adjusted}",
                v.published_at,  # type: ignore[arg-type]
                "public:plan_detail",
                (v.plan_id,),
                key=f"plan-version-{v.pk}",
            )
        )
    for lv in (
        _public_versions()
        .filter(_region_q(region, "item_list__region"), published_at__isnull=False)
        .select_related("item_list")
        .only("id", "title", "number", "published_at", "item_list__name", "item_list__id")
        .order_by("-published_at")[:limit]
    ):
        out.append(
            Notice(
                "list",
                f"{lv.item_list.name}（第 {lv.number} 版）",
                lv.published_at,  # type: ignore[arg-type]
                "public:list_version",
                (lv.pk,),
                key=f"list-version-{lv.pk}",
            )
        )
    draws = (
        _public_draws()
        .filter(_region_q(region, "task__lead_department__region"), drawn_at__isnull=False)
        .select_related("task__lead_department")
        .only(
            "id",
            "status",
            "drawn_at",
            "voided_at",
            "void_detail",
            "task__id",
            "task__name",
            "task__number",
            "task__lead_department__name",
        )
        .order_by("-drawn_at")[:limit]
    )
    for d in draws:
        out.append(
            Notice(
                "task",
                f"抽查任务公告：{d.task.name}（{d.task.lead_department.name}）",
                d.drawn_at,  # type: ignore[arg-type]
                "public:task_detail",
                (d.task_id,),
                key=f"draw-{d.pk}",
            )
        )
        if d.status == DrawStatus.VOIDED and d.voided_at:
            out.append(
                Notice(
                    "void",
                    f"抽取结果作废：{d.task.name}",
                    d.voided_at,
                    "public:task_detail",
                    (d.task_id,),
                    summary=d.void_detail,
                    key=f"void-{d.pk}",
                )
            )
    # Result notices: the newest published sheets (index on state, published_at), grouped by
    # task and day in Python — one notice per task and publication day.
    sheets = (
        published_sheets()
        .filter(
            _region_q(region, "assignment__task__lead_department__region"),
            published_at__isnull=False,
        )
        .select_related("assignment__task")
        .only(
            "id", "published_at", "assignment__id", "assignment__task__id", "assignment__task__name"
        )
        .order_by("-published_at")[: limit * 20]
    )
    grouped: dict[tuple[int, dt.date], Notice] = {}
    counts: dict[tuple[int, dt.date], int] = {}
    for s in sheets:
        task = s.assignment.task
        at: dt.datetime = s.published_at  # type: ignore[assignment]
        group_key = (task.pk, at.date())
        counts[group_key] = counts.get(group_key, 0) + 1
        if group_key not in grouped:
            grouped[group_key] = Notice(
                "result",
                f"检查结果公示：{task.name}",
                at,
                "public:task_results",
                (task.pk,),
                key=f"result-{task.pk}-{at.date().isoformat()}",
            )
    for group_key, notice in grouped.items():
        notice.summary = f"本日公示 {counts[group_key]} 户"
        out.append(notice)
    corrections = (
        ResultCorrection.objects.filter(
            _region_q(region, "sheet__assignment__task__lead_department__region"),
            state=CorrectionState.PUBLISHED,
            sheet__state=SheetState.PUBLISHED,
            reviewed_at__isnull=False,
        )
        .select_related("sheet__assignment__task")
        .only(
            "id",
            "reason",
            "reviewed_at",
            "sheet__id",
            "sheet__assignment__id",
            "sheet__assignment__task__id",
            "sheet__assignment__task__name",
        )
        .order_by("-reviewed_at")[:limit]
    )
    for c in corrections:
        task = c.sheet.assignment.task
        out.append(
            Notice(
                "correction",
                f"检查结果更正：{task.name}",
                c.reviewed_at,  # type: ignore[arg-type]
                "public:task_results",
                (task.pk,),
                summary=f"更正原因：{c.reason}",
                key=f"correction-{c.pk}",
            )
        )
    out.sort(key=lambda n: n.at, reverse=True)
    return out[:limit]


def current_tasks(region: Region, today: dt.date, limit: int = 12) -> list[InspectionTask]:
    """Tasks whose inspection window includes today (for the big screen)."""
    return list(
        tasks(region)
        .filter(window_start__lte=today, window_end__gte=today)
        .order_by("window_end", "id")[:limit]
    )


def recent_results(region: Region, limit: int = 20) -> list[PublicResult]:
    sheets = published_sheets().filter(
        assignment__task__lead_department__region=region, published_at__isnull=False
    )
    return [_public_result(s) for s in _result_queryset(sheets).order_by("-published_at")[:limit]]
