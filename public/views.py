"""The public disclosure site (一公开): no login, cacheable for a minute, published data only.

Every view is GET-only, marked login_not_required, and sends `Cache-Control: public,
max-age=60`; templates extend public/base_public.html, which reads no session or user, so the
pages are the same for everybody.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import wraps
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from planning.models import AssignmentStatus, DrawStatus, WitnessRole
from planning.views import certificate_zip
from registry.services import mask_name

from . import selectors
from .opendata import Col, download, wanted
from .privacy import public_key_label, public_name

View = Callable[..., HttpResponseBase]


def public_view(view: View) -> View:
    """GET/HEAD only, no login, one minute in any cache."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return view(request, *args, **kwargs)

    return login_not_required(require_safe(cache_control(public=True, max_age=60)(wrapped)))


def _region(request: HttpRequest) -> Any:
    code = request.GET.get("region")
    if code:
        return selectors.region_get(code)
    return selectors.default_region()


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    """Region, its parents and children, its departments and the chosen department."""
    region = extra.pop("region", None) or _region(request)
    department = selectors.department_get(region, request.GET.get("dept"))
    query = {"region": region.code}
    if department is not None:
        query["dept"] = str(department.pk)
    return {
        "region": region,
        "chain": selectors.region_chain(region),
        "children": selectors.region_children(region),
        "departments": selectors.departments_of(region),
        "department": department,
        "query": urlencode(query),
        **extra,
    }


def _filename(*parts: str) -> str:
    return "-".join(p for p in parts if p)


# --- home ----------------------------------------------------------------------------------------


@public_view
def home(request: HttpRequest) -> HttpResponseBase:
    ctx = _context(request)
    ctx["notices"] = selectors.notices(ctx["region"], limit=20)
    return render(request, "public/home.html", ctx)


# --- item lists ----------------------------------------------------------------------------------

LIST_COLUMNS = [
    Col("list", "清单名称"),
    Col("kind", "清单类别"),
    Col("owner", "所属部门"),
    Col("version", "版本号"),
    Col("title", "版本标题"),
    Col("status", "状态"),
    Col("published_at", "发布时间"),
    Col("reason", "调整说明"),
]


@public_view
def item_lists(request: HttpRequest) -> HttpResponseBase:
    ctx = _context(request)
    lists = list(selectors.item_lists(ctx["region"], ctx["department"]))
    fmt = wanted(request)
    if fmt:
        rows = (
            {
                "list": lst.name,
                "kind": lst.get_kind_display(),
                "owner": lst.owner_label,
                "version": v.number,
                "title": v.title,
                "status": v.get_status_display(),
                "published_at": v.published_at,
                "reason": v.reason,
            }
            for lst in lists
            for v in lst.public  # type: ignore[attr-defined]
        )
        return download(
            fmt,
            filename=_filename("抽查事项清单", ctx["region"].code),
            title=f"{ctx['region'].name}随机抽查事项清单",
            columns=LIST_COLUMNS,
            rows=rows,
        )
    ctx["lists"] = lists
    return render(request, "public/lists.html", ctx)


ITEM_COLUMNS = [
    Col("position", "序号"),
    Col("code", "事项编码"),
    Col("category", "抽查类别"),
    Col("name", "抽查事项"),
    Col("kind", "事项类别"),
    Col("target", "检查对象"),
    Col("methods", "检查方式"),
    Col("subject", "检查主体"),
    Col("basis", "检查依据"),
    Col("content", "检查内容"),
    Col("ratio", "抽查比例"),
    Col("frequency", "抽查频次"),
    Col("remark", "备注"),
]
JOINT_COLUMNS = [
    Col("position", "序号"),
    Col("code", "事项编码"),
    Col("field", "抽查领域"),
    Col("name", "抽查事项"),
    Col("target", "检查对象"),
    Col("initiator", "发起部门"),
    Col("cooperators", "配合部门"),
    Col("level", "抽查层级"),
    Col("basis", "检查依据"),
    Col("content", "检查内容"),
    Col("remark", "备注"),
]


@public_view
def list_version(request: HttpRequest, pk: int) -> HttpResponseBase:
    version = selectors.list_version_get(pk)
    joint = selectors.is_joint(version)
    if joint:
        joint_items = selectors.list_version_joint_items(version)
        columns = JOINT_COLUMNS
        rows: list[dict[str, Any]] = [
            {
                "position": i.position,
                "code": i.code,
                "field": i.field,
                "name": i.name,
                "target": i.target,
                "initiator": i.initiator_name,
                "cooperators": i.cooperator_names,
                "level": i.level,
                "basis": i.basis_text,
                "content": i.content,
                "remark": i.remark,
            }
            for i in joint_items
        ]
    else:
        items = selectors.list_version_items(version)
        columns = ITEM_COLUMNS
        rows = [
            {
                "position": i.position,
                "code": i.code,
                "category": i.category.name,
                "name": i.name,
                "kind": i.get_kind_display(),
                "target": i.target,
                "methods": i.methods_text,
                "subject": i.subject,
                "basis": i.basis_text,
                "content": i.content,
                "ratio": i.ratio,
                "frequency": i.frequency,
                "remark": i.remark,
            }
            for i in items
        ]
    fmt = wanted(request)
    if fmt:
        return download(
            fmt,
            filename=_filename(version.item_list.name, f"v{version.number}"),
            title=f"{version.item_list.name}（第 {version.number} 版）",
            columns=columns,
            rows=rows,
        )
    ctx = _context(request, region=selectors.region_get(version.item_list.region_id))
    ctx.update(
        version=version,
        siblings=selectors.list_version_siblings(version),
        columns=columns,
        rows=[[r[c.key] for c in columns] for r in rows],
        joint=joint,
    )
    return render(request, "public/list_version.html", ctx)


# --- annual plans --------------------------------------------------------------------------------

PLAN_COLUMNS = [
    Col("year", "年度"),
    Col("department", "编制部门"),
    Col("kind", "计划类型"),
    Col("version", "版本号"),
    Col("title", "计划名称"),
    Col("status", "状态"),
    Col("published_at", "公示时间"),
    Col("reason", "调整原因"),
]


@public_view
def plans(request: HttpRequest) -> HttpResponseBase:
    ctx = _context(request)
    found = list(selectors.plans(ctx["region"], ctx["department"]))
    fmt = wanted(request)
    if fmt:
        rows = (
            {
                "year": p.year,
                "department": p.department.name,
                "kind": p.get_kind_display(),
                "version": v.number,
                "title": v.title,
                "status": v.get_status_display(),
                "published_at": v.published_at,
                "reason": v.reason,
            }
            for p in found
            for v in p.public  # type: ignore[attr-defined]
        )
        return download(
            fmt,
            filename=_filename("年度抽查计划", ctx["region"].code),
            title=f"{ctx['region'].name}年度随机抽查工作计划",
            columns=PLAN_COLUMNS,
            rows=rows,
        )
    ctx["plans"] = found
    return render(request, "public/plans.html", ctx)


BATCH_COLUMNS = [
    Col("version", "版本号"),
    Col("status", "版本状态"),
    Col("position", "序号"),
    Col("name", "批次名称"),
    Col("scope", "抽查对象范围"),
    Col("items", "抽查事项"),
    Col("ratio", "抽查比例/数量"),
    Col("window_start", "开始日期"),
    Col("window_end", "结束日期"),
    Col("joint", "部门联合"),
    Col("participants", "参与部门"),
]


@public_view
def plan_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    plan = selectors.plan_get(pk)
    versions = selectors.plan_versions(plan)
    fmt = wanted(request)
    if fmt:
        rows = (
            {
                "version": v.number,
                "status": v.get_status_display(),
                "position": b.position,
                "name": b.name,
                "scope": b.target_scope,
                "items": [i.name for i in b.items.all()] + [i.name for i in b.joint_items.all()],
                "ratio": b.ratio_label,
                "window_start": b.window_start,
                "window_end": b.window_end,
                "joint": "是" if b.is_joint else "否",
                "participants": [d.name for d in b.participants.all()],
            }
            for v in versions
            for b in v.batches.all()
        )
        return download(
            fmt,
            filename=_filename(f"{plan.year}年抽查计划", plan.department.name),
            title=str(plan),
            columns=BATCH_COLUMNS,
            rows=rows,
        )
    ctx = _context(request, region=selectors.region_get(plan.department.region_id))
    ctx.update(plan=plan, versions=versions)
    return render(request, "public/plan_detail.html", ctx)


# --- task notices --------------------------------------------------------------------------------

TASK_COLUMNS = [
    Col("number", "任务编号"),
    Col("name", "任务名称"),
    Col("kind", "任务类型"),
    Col("lead_department", "牵头部门"),
    Col("window_start", "检查开始日期"),
    Col("window_end", "检查结束日期"),
    Col("url", "公告地址"),
]


def _task_rows(request: HttpRequest, found: Iterable[Any]) -> Iterator[dict[str, Any]]:
    for t in found:
        yield {
            "number": t.number,
            "name": t.name,
            "kind": t.get_kind_display(),
            "lead_department": t.lead_department.name,
            "window_start": t.window_start,
            "window_end": t.window_end,
            "url": request.build_absolute_uri(reverse("public:task_detail", args=[t.pk])),
        }


def _task_list(request: HttpRequest, *, results_only: bool) -> HttpResponseBase:
    ctx = _context(request)
    found = selectors.tasks(ctx["region"], ctx["department"])
    if results_only:
        found = selectors.with_published_results(found)
    page = selectors.page_number(request.GET.get("page"))
    fmt = wanted(request)
    title = "抽查结果公告" if results_only else "抽查任务公告"
    if fmt:
        return download(
            fmt,
            filename=_filename(title, ctx["region"].code),
            title=f"{ctx['region'].name}{title}",
            columns=TASK_COLUMNS,
            rows=_task_rows(request, found.iterator()),
        )
    offset = (page - 1) * selectors.PAGE_SIZE
    rows = list(found[offset : offset + selectors.PAGE_SIZE + 1])
    ctx.update(
        page=selectors.Window(rows[: selectors.PAGE_SIZE], page, len(rows) > selectors.PAGE_SIZE),
        results_only=results_only,
        title=title,
    )
    return render(request, "public/tasks.html", ctx)


@public_view
def tasks(request: HttpRequest) -> HttpResponseBase:
    return _task_list(request, results_only=False)


@public_view
def results(request: HttpRequest) -> HttpResponseBase:
    return _task_list(request, results_only=True)


DRAWN_COLUMNS = [
    Col("sheet_number", "表号"),
    Col("name", "检查对象名称"),
    Col("key", "统一社会信用代码/注册号"),
    Col("stratum", "抽取层"),
    Col("status", "状态"),
    Col("from_reserve", "来自备选"),
]


def _drawn_status(a: Any) -> str:
    """Where a drawn entity stands for the public: its result published, still being inspected
    (nothing is said of unpublished results), or replaced from the reserve list."""
    if a.status == AssignmentStatus.ASSIGNED:
        return "结果已公示" if a.published else "检查中"
    return str(a.get_status_display())


def _drawn_rows(assignments: Iterable[Any]) -> Iterator[dict[str, Any]]:
    for a in assignments:
        yield {
            "sheet_number": a.sheet_number,
            "name": public_name(a.entity),
            "key": a.entity_key,
            "stratum": a.stratum,
            "status": _drawn_status(a),
            "from_reserve": "是" if a.from_reserve else "否",
        }


DRAWN_ON_PAGE = 200
OFFICIAL_ROLES = {WitnessRole.NOTARY, WitnessRole.SUPERVISOR}


@public_view
def task_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    task = selectors.task_get(pk)
    draws = selectors.task_draws(task)
    live = selectors.live_draw(draws)
    fmt = wanted(request)
    if fmt:
        drawn = selectors.draw_entities(live.draw).iterator() if live else iter(())
        return download(
            fmt,
            filename=_filename("抽取名单", task.number),
            title=f"{task.name} 抽取名单",
            columns=DRAWN_COLUMNS,
            rows=_drawn_rows(drawn),
        )
    drawn_rows: list[dict[str, Any]] = []
    more = False
    if live is not None:
        found = list(selectors.draw_entities(live.draw)[: DRAWN_ON_PAGE + 1])
        more = len(found) > DRAWN_ON_PAGE
        drawn_rows = list(_drawn_rows(found[:DRAWN_ON_PAGE]))
    witnesses = {
        d.draw.pk: [
            {
                # Officials (notary, supervisor) by name; other people present by role, with the
                # name masked on the page.
                "name": w.name if w.role in OFFICIAL_ROLES else mask_name(w.name),
                "role": w.get_role_display(),
                "organization": w.organization,
            }
            for w in d.witnesses
        ]
        for d in draws
    }
    ctx = _context(request, region=selectors.region_get(task.lead_department.region_id))
    ctx.update(
        task=task,
        parts=selectors.task_parts(task),
        draws=[(d, witnesses[d.draw.pk]) for d in draws],
        live=live,
        drawn_rows=drawn_rows,
        more=more,
        voided=DrawStatus.VOIDED,
    )
    return render(request, "public/task_detail.html", ctx)


RESULT_COLUMNS = [
    Col("sheet_number", "表号"),
    Col("name", "检查对象名称"),
    Col("key", "统一社会信用代码/注册号"),
    Col("completed_on", "检查完成日期"),
    Col("result", "检查结果"),
    Col("items", "分项结果"),
    Col("corrections", "更正"),
]


def _result_row(r: selectors.PublicResult) -> dict[str, Any]:
    return {
        "sheet_number": r.sheet.assignment.sheet_number,
        "name": public_name(r.entity),
        "key": r.key,
        "completed_on": r.sheet.completed_on,
        "result": r.overall,
        "items": [f"{i.department}·{i.item}：{'、'.join(i.labels)}" for i in r.items],
        "corrections": [
            f"{c.corrected_on.isoformat() if c.corrected_on else ''} {c.department}·{c.item}："
            f"原结果“{'、'.join(c.before)}”更正为“{'、'.join(c.after)}”，更正原因：{c.reason}"
            for c in r.corrections
        ],
    }


@public_view
def task_results(request: HttpRequest, pk: int) -> HttpResponseBase:
    task = selectors.task_get(pk)
    fmt = wanted(request)
    if fmt:
        return download(
            fmt,
            filename=_filename("检查结果", task.number),
            title=f"{task.name} 检查结果公告",
            columns=RESULT_COLUMNS,
            rows=(_result_row(r) for r in selectors.task_results_all(task)),
        )
    page = selectors.task_results(
        task,
        selectors.page_number(request.GET.get("page")),
        after=request.GET.get("after", ""),
    )
    ctx = _context(request, region=selectors.region_get(task.lead_department.region_id))
    ctx.update(task=task, page=page, rows=[(r, public_name(r.entity)) for r in page.rows])
    return render(request, "public/task_results.html", ctx)


# --- certificate and verifier -------------------------------------------------------------------


@public_view
def certificate(request: HttpRequest, pk: int) -> HttpResponseBase:
    draw = selectors.draw_for_certificate(pk)
    return HttpResponse(
        certificate_zip(draw),
        content_type="application/zip",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(draw.draw_id)}.zip"},
    )


VERIFY_PY = Path(settings.BASE_DIR) / "draw" / "verify.py"


@public_view
def verify_py(request: HttpRequest) -> HttpResponseBase:
    return FileResponse(
        VERIFY_PY.open("rb"),
        as_attachment=True,
        filename="verify.py",
        content_type="text/x-python; charset=utf-8",
    )


@public_view
def how_to_verify(request: HttpRequest) -> HttpResponseBase:
    return render(request, "public/how_to_verify.html", _context(request))


# --- search and entities -------------------------------------------------------------------------


@public_view
def search(request: HttpRequest) -> HttpResponseBase:
    found = selectors.search(request.GET.get("q", ""))
    if found.exact is not None:
        return redirect("public:entity_detail", key=found.exact.uscc or found.exact.reg_no)
    ctx = _context(request)
    rows = [(e, public_name(e), e.uscc or e.reg_no) for e in found.rows]
    if not found.error and not selectors.CODE_PREFIX_RE.fullmatch(found.query.upper()):
        # A name search finds what the page shows: an 个体工商户 whose name matched only in
        # the masked operator's name is not listed (searching a person's name must not reveal
        # the business registered under it).
        rows = [row for row in rows if found.query in row[1]]
    ctx.update(search=found, rows=rows)
    return render(request, "public/search.html", ctx)


ENTITY_RESULT_COLUMNS = [
    Col("task", "抽查任务"),
    Col("task_number", "任务编号"),
    Col("departments", "检查部门"),
    Col("completed_on", "检查完成日期"),
    Col("result", "检查结果"),
    Col("items", "分项结果"),
    Col("corrections", "更正"),
]


@public_view
def entity_detail(request: HttpRequest, key: str) -> HttpResponseBase:
    entity = selectors.entity_by_key(key)
    found = selectors.entity_results(entity)
    name = public_name(entity)
    fmt = wanted(request)
    if fmt:
        rows = (
            {
                "task": r.task.name,
                "task_number": r.task.number,
                "departments": r.departments,
                **{k: v for k, v in _result_row(r).items() if k != "sheet_number"},
            }
            for r in found
        )
        return download(
            fmt,
            filename=_filename("检查结果", entity.uscc or entity.reg_no),
            title=f"{name} 抽查检查结果",
            columns=[
                Col("name", "检查对象名称"),
                Col("key", "统一社会信用代码/注册号"),
                *ENTITY_RESULT_COLUMNS,
            ],
            rows=rows,
        )
    ctx = _context(request)
    ctx.update(
        entity=entity,
        name=name,
        key=entity.uscc or entity.reg_no,
        key_label=public_key_label(entity.uscc, entity.reg_no),
        results=found,
    )
    return render(request, "public/entity_detail.html", ctx)


# --- feed and big screen -------------------------------------------------------------------------


@public_view
def feed(request: HttpRequest) -> HttpResponseBase:
    region = selectors.region_get(request.GET["region"]) if request.GET.get("region") else None
    title = f"{region.name if region else ''}双随机、一公开 公示公告"
    atom = Atom1Feed(
        title=title,
        link=request.build_absolute_uri(reverse("public:home")),
        description="抽查计划、抽查任务公告、检查结果公告及更正",
        language="zh-cn",
        feed_url=request.build_absolute_uri(request.get_full_path()),
    )
    kinds = {
        "plan": "抽查计划",
        "list": "抽查事项清单",
        "task": "抽查任务公告",
        "void": "抽取作废",
        "result": "检查结果公告",
        "correction": "检查结果更正",
    }
    for n in selectors.notices(region, limit=50):
        link = request.build_absolute_uri(reverse(n.url_name, args=n.url_args))
        atom.add_item(
            title=n.title,
            link=link,
            description=n.summary or n.title,
            pubdate=n.at,
            updateddate=n.at,
            unique_id=request.build_absolute_uri(reverse("public:home")) + "#" + n.key,
            categories=[kinds[n.kind]],
        )
    response = HttpResponse(content_type="application/atom+xml; charset=utf-8")
    atom.write(response, "utf-8")
    return response


@public_view
def screen(request: HttpRequest) -> HttpResponseBase:
    return render(request, "public/screen.html", {"region": _region(request)})


@public_view
def screen_data(request: HttpRequest) -> HttpResponseBase:
    region = _region(request)
    today = timezone.localdate()
    current = selectors.current_tasks(region, today)
    recent = selectors.recent_results(region)
    return render(
        request,
        "public/screen_data.html",
        {
            "region": region,
            "today": today,
            "now": timezone.localtime(),
            "current": current,
            "recent": [(r, public_name(r.entity)) for r in recent],
        },
    )
