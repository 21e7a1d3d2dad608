"""Pages for plans, tasks and the draw ceremony. Views parse input and call one service or
selector; scope is enforced there."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Department
from accounts.scope import Scope
from core.http import AuthedRequest
from core.workdays import add_workdays
from inspectors.models import Inspector
from regions.models import Region
from registry.models import INDUSTRY_SECTIONS, EntityType, GradingScheme

from . import draw_bridge as bridge
from . import forms, selectors, services
from .models import (
    Draw,
    DrawStatus,
    InspectionTask,
    PlanBatch,
    PlanStatus,
    TaskDepartment,
    TaskKind,
)


def _errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def _scope(request: AuthedRequest) -> Scope:
    return Scope.of(request.user)


# --- plans -------------------------------------------------------------------------------------


def plan_list(request: AuthedRequest) -> HttpResponse:
    scope = _scope(request)
    if not scope.has("plan.view"):
        raise PermissionDenied("plan.view")
    year = request.GET.get("year")
    plans = selectors.plan_list_visible(
        user=request.user, year=int(year) if year and year.isdigit() else None
    )
    return render(
        request,
        "planning/plan_list.html",
        {"plans": plans, "can_create": scope.can("plan.manage", request.user.department)},
    )


@require_http_methods(["GET", "POST"])
def plan_create(request: AuthedRequest) -> HttpResponse:
    department = request.user.department
    if department is None or not _scope(request).can("plan.manage", department):
        raise PermissionDenied("plan.manage")
    form = forms.PlanCreateForm(request.POST or None, initial={"year": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        try:
            version = services.plan_create(
                actor=request.user, department=department, **form.cleaned_data
            )
        except ValidationError as exc:
            _errors(form, exc)
        else:
            return redirect("planning:version_detail", pk=version.pk)
    return render(request, "planning/form.html", {"form": form, "title": "新建年度抽查计划"})


def plan_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get_visible(user=request.user, pk=pk)
    current = plan.versions.exclude(status=PlanStatus.DRAFT).first() or plan.versions.first()
    assert current is not None  # a plan is created with its first version
    return redirect("planning:version_detail", pk=current.pk)


def version_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    version = selectors.version_get_visible(user=request.user, pk=pk)
    scope = _scope(request)
    plan = version.plan
    return render(
        request,
        "planning/version_detail.html",
        {
            "version": version,
            "plan": plan,
            "versions": plan.versions.filter(
                ~Q(status=PlanStatus.DRAFT) | Q(plan__department=request.user.department)
            ).order_by("-number"),
            "batches": version.batches.prefetch_related("participants", "items"),
            "can_edit": version.status == PlanStatus.DRAFT
            and scope.can("plan.manage", plan.department),
            "can_review": version.status == PlanStatus.REVIEW
            and scope.can("plan.review", plan.department)
            and version.created_by_id != request.user.pk,
            "can_adjust": version.status == PlanStatus.PUBLISHED
            and scope.can("plan.manage", plan.department),
            "review_form": forms.ReviewForm(),
            "adjust_form": forms.ReasonForm(),
        },
    )


@require_http_methods(["GET", "POST"])
def version_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    version = selectors.version_get_visible(user=request.user, pk=pk)
    form = forms.PlanVersionForm(
        request.POST or None,
        initial={"title": version.title, "body": version.body, "reason": version.reason},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_version_update(actor=request.user, version=version, **form.cleaned_data)
        except ValidationError as exc:
            _errors(form, exc)
        else:
            return redirect("planning:version_detail", pk=version.pk)
    return render(request, "planning/form.html", {"form": form, "title": f"编辑 {version}"})


@require_http_methods(["GET", "POST"])
def batch_edit(request: AuthedRequest, pk: int, batch_pk: int | None = None) -> HttpResponse:
    version = selectors.version_get_visible(user=request.user, pk=pk)
    batch = version.batches.filter(pk=batch_pk).first() if batch_pk else None
    departments = Department.objects.filter(
        region_id=version.plan.department.region_id, is_active=True
    )
    initial = {}
    if batch:
        initial = {
            "name": batch.name,
            "target_scope": batch.target_scope,
            "ratio": batch.ratio_bp / 100 if batch.ratio_bp is not None else None,
            "count": batch.count,
            "window_start": batch.window_start,
            "window_end": batch.window_end,
            "is_joint": batch.is_joint,
            "participants": list(batch.participants.all()),
            "result_deadline_workdays": batch.result_deadline_workdays,
        }
    form = forms.BatchForm(request.POST or None, initial=initial, departments=departments)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.plan_batch_save(
                actor=request.user,
                version=version,
                batch=batch,
                name=data["name"],
                target_scope=data["target_scope"],
                window_start=data["window_start"],
                window_end=data["window_end"],
                ratio_bp=data["ratio"],
                count=data["count"],
                is_joint=data["is_joint"],
                participants=list(data["participants"]),
                result_deadline_workdays=data["result_deadline_workdays"],
            )
        except ValidationError as exc:
            _errors(form, exc)
        else:
            return redirect("planning:version_detail", pk=version.pk)
    return render(request, "planning/form.html", {"form": form, "title": "抽查批次"})


@require_POST
def version_submit(request: AuthedRequest, pk: int) -> HttpResponse:
    version = selectors.version_get_visible(user=request.user, pk=pk)
    try:
        services.plan_submit(actor=request.user, version=version)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "已提交审核。")
    return redirect("planning:version_detail", pk=version.pk)


@require_POST
def version_review(request: AuthedRequest, pk: int) -> HttpResponse:
    version = selectors.version_get_visible(user=request.user, pk=pk)
    form = forms.ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.plan_review(
                actor=request.user,
                version=version,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, "审核完成。")
    return redirect("planning:version_detail", pk=version.pk)


@require_POST
def plan_adjust(request: AuthedRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get_visible(user=request.user, pk=pk)
    form = forms.ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "调整计划须写明调整原因。")
        return redirect("planning:plan_detail", pk=plan.pk)
    try:
        version = services.plan_adjust(
            actor=request.user, plan=plan, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("planning:plan_detail", pk=plan.pk)
    return redirect("planning:version_detail", pk=version.pk)


# --- tasks -------------------------------------------------------------------------------------


def task_list(request: AuthedRequest) -> HttpResponse:
    scope = _scope(request)
    if not scope.has("task.view"):
        raise PermissionDenied("task.view")
    tasks = selectors.task_list_visible(user=request.user).prefetch_related("draws")
    return render(
        request,
        "planning/task_list.html",
        {"tasks": tasks[:200], "can_create": scope.has("task.manage")},
    )


@require_http_methods(["GET", "POST"])
def task_create(request: AuthedRequest) -> HttpResponse:
    scope = _scope(request)
    if not scope.has("task.manage"):
        raise PermissionDenied("task.manage")
    leads = Department.objects.filter(
        scope.departments_q("task.manage", path=None), is_active=True
    ).exclude(kind="leading_office")
    region = request.user.department.region_id if request.user.department else ""
    participants = Department.objects.filter(region_id=region, is_active=True).exclude(
        kind="leading_office"
    )
    batch = None
    initial: dict = {"inspectors_per_group": 2, "result_deadline_workdays": 20}
    if request.GET.get("batch"):
        batch = PlanBatch.objects.filter(
            pk=request.GET["batch"],
            version__status=PlanStatus.PUBLISHED,
            version__plan__in=selectors.plan_list_visible(user=request.user),
        ).first()
        if batch:
            initial.update(
                name=batch.name,
                window_start=batch.window_start,
                window_end=batch.window_end,
                kind=TaskKind.JOINT if batch.is_joint else TaskKind.SINGLE,
                participants=list(batch.participants.all()),
                result_deadline_workdays=batch.result_deadline_workdays,
            )
    form = forms.TaskCreateForm(
        request.POST or None, initial=initial, leads=leads, participants=participants
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        scheme = GradingScheme.objects.filter(is_default=True).first()
        try:
            task = services.task_create(
                actor=request.user,
                lead_department=data["lead_department"],
                name=data["name"],
                kind=data["kind"],
                window_start=data["window_start"],
                window_end=data["window_end"],
                grading_scheme=scheme,
                batch=batch,
                result_deadline_workdays=data["result_deadline_workdays"],
                participants=[d for d in data["participants"] if d.pk != data["lead_department"].pk]
                if data["kind"] == TaskKind.JOINT
                else [],
                inspectors_per_group=data["inspectors_per_group"],
                notes=data["notes"],
            )
        except ValidationError as exc:
            _errors(form, exc)
        else:
            return redirect("planning:task_detail", pk=task.pk)
    return render(
        request,
        "planning/form.html",
        {"form": form, "title": "新建抽查任务", "subtitle": batch and f"来自计划批次：{batch}"},
    )


def _can_manage(request: AuthedRequest, task: InspectionTask) -> bool:
    try:
        services._task_role(request.user, task)
    except PermissionDenied:
        return False
    return True


def task_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    task = selectors.task_get_visible(user=request.user, pk=pk)
    parts = task.departments.select_related("department").prefetch_related("items", "specialties")
    draws = task.draws.select_related("supersedes", "voided_by", "drawn_by").order_by("-sequence")
    return render(
        request,
        "planning/task_detail.html",
        {
            "task": task,
            "parts": parts,
            "draws": draws,
            "strata": task.strata.all(),
            "can_manage": _can_manage(request, task),
            "inspector_exclusions": task.inspector_exclusions.select_related("inspector"),
            "entity_exclusions": task.entity_exclusions.select_related("entity"),
            "filter_text": bridge.filter_description(task),
            "deadline": add_workdays(task.window_end, task.result_deadline_workdays),
        },
    )


def task_preview(request: AuthedRequest, pk: int) -> HttpResponse:
    task = selectors.task_get_visible(user=request.user, pk=pk)
    return render(
        request,
        "planning/_preview.html",
        {"task": task, "preview": selectors.task_preview(task=task)},
    )


@require_http_methods(["GET", "POST"])
def task_settings(request: AuthedRequest, pk: int) -> HttpResponse:
    task = selectors.task_get_visible(user=request.user, pk=pk)
    townships = [(r.code, r.name) for r in Region.objects.filter(parent_id=task.region_id)]
    initial = {
        name: getattr(task, name)
        for name in [
            "name",
            "window_start",
            "window_end",
            "result_deadline_workdays",
            "filter_region_codes",
            "filter_entity_types",
            "filter_industries",
            "filter_registered_before",
            "stratify_flagged",
            "yearly_cap",
            "max_load",
            "group_count",
            "notes",
        ]
    }
    initial["filter_tags"] = list(task.filter_tags.all())
    form = forms.TaskSettingsForm(
        request.POST or None,
        initial=initial,
        townships=townships,
        entity_types=EntityType.choices,
        industries=[(c, f"{c} {n}") for c, n in INDUSTRY_SECTIONS.items()],
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.task_update(actor=request.user, task=task, **form.cleaned_data)
        except ValidationError as exc:
            _errors(form, exc)
        else:
            return redirect("planning:task_detail", pk=task.pk)
    return render(request, "planning/form.html", {"form": form, "title": f"抽取条件：{task}"})


@require_http_methods(["GET", "POST"])
def task_strata(request: AuthedRequest, pk: int) -> HttpResponse:
    task = selectors.task_get_visible(user=request.user, pk=pk)
    levels = list(task.grading_scheme.levels.order_by("rank"))
    keys = [(lvl.code, f"{lvl.code} 级（{lvl.name}）") for lvl in levels]
    keys.append((bridge.UNGRADED, "未评级"))
    existing = {(r.grade, r.flagged): r for r in task.strata.all()}
    rows = [
        (code, label, flagged)
        for code, label in keys
        for flagged in ([False, True] if task.stratify_flagged else [False])
    ]
    error = ""
    if request.method == "POST":
        rules = []
        for code, label, flagged in rows:
            prefix = f"{code}_{int(flagged)}"
            ratio = request.POST.get(f"{prefix}_ratio", "").strip()
            count = request.POST.get(f"{prefix}_count", "").strip()
            if not ratio and not count:
                continue
            try:
                ratio_bp = round(float(ratio) * 100) if ratio else None
                count_value = int(count) if count else None
            except ValueError:
                error = f"{label}{'（重点对象）' if flagged else ''}：请填写数字"
                break
            rules.append((code, flagged, ratio_bp, count_value))
        if not error:
            try:
                services.task_strata_set(actor=request.user, task=task, rules=rules)
            except ValidationError as exc:
                error = "；".join(exc.messages)
            else:
                return redirect("planning:task_detail", pk=task.pk)
    table = []
    for code, label, flagged in rows:
        rule = existing.get((code, flagged))
        table.append(
            {
                "prefix": f"{code}_{int(flagged)}",
                "label": label + ("（重点对象）" if flagged else ""),
                "ratio": (rule.ratio_bp / 100 if rule and rule.ratio_bp is not None else ""),
                "count": rule.count if rule and rule.count is not None else "",
            }
        )
    return render(
        request, "planning/strata_form.html", {"task": task, "rows": table, "error": error}
    )


def _department_items(department: Department):
    from catalog.models import InspectionItem

    return (
        InspectionItem.objects.filter(
            version__status="published", version__item_list__department=department
        )
        .select_related("category")
        .order_by("version__item_list_id", "position")
    )


@require_http_methods(["GET", "POST"])
def task_department(request: AuthedRequest, pk: int, dept_pk: int) -> HttpResponse:
    task = selectors.task_get_visible(user=request.user, pk=pk)
    part = TaskDepartment.objects.filter(task=task, department_id=dept_pk).first()
    department = part.department if part else Department.objects.filter(pk=dept_pk).first()
    if department is None:
        raise PermissionDenied("department")
    form = forms.TaskDepartmentForm(
        request.POST or None,
        initial={
            "department": department,
            "inspectors_per_group": part.inspectors_per_group if part else 2,
            "items": list(part.items.all()) if part else [],
            "specialties": list(part.specialties.all()) if part else [],
        },
        departments=Department.objects.filter(pk=department.pk),
        items=_department_items(department),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.task_department_save(
                actor=request.user,
                task=task,
                department=department,
                inspectors_per_group=data["inspectors_per_group"],
                items=list(data["items"]),
                specialties=list(data["specialties"]),
            )
        except ValidationError as exc:
            _errors(form, exc)
        else:
            return redirect("planning:task_detail", pk=task.pk)
    return render(
        request,
        "planning/form.html",
        {
            "form": form,
            "title": f"{department}：抽查事项与人员要求",
            "subtitle": "抽查事项取自该部门已公示的抽查事项清单。",
        },
    )


@require_http_methods(["GET", "POST"])
def task_exclusions(request: AuthedRequest, pk: int) -> HttpResponse:
    task = selectors.task_get_visible(user=request.user, pk=pk)
    inspectors = Inspector.objects.filter(
        department__in=task.departments.values("department"), is_active=True
    )
    inspector_form = forms.InspectorExclusionForm(
        request.POST if request.POST.get("kind") == "inspector" else None, inspectors=inspectors
    )
    entity_form = forms.EntityExclusionForm(
        request.POST if request.POST.get("kind") == "entity" else None
    )
    if request.method == "POST":
        try:
            if request.POST.get("kind") == "inspector" and inspector_form.is_valid():
                services.task_exclude_inspector(
                    actor=request.user, task=task, **inspector_form.cleaned_data
                )
                return redirect("planning:task_detail", pk=task.pk)
            if request.POST.get("kind") == "entity" and entity_form.is_valid():
                key = entity_form.cleaned_data["entity_key"].strip().upper()
                entity = (
                    bridge.candidate_queryset(task).filter(uscc=key).first()
                    or bridge.candidate_queryset(task).filter(reg_no=key).first()
                )
                if entity is None:
                    entity_form.add_error("entity_key", "本任务的候选范围内没有该代码的检查对象")
                else:
                    services.task_exclude_entity(
                        actor=request.user,
                        task=task,
                        entity=entity,
                        reason=entity_form.cleaned_data["reason"],
                        detail=entity_form.cleaned_data["detail"],
                    )
                    return redirect("planning:task_detail", pk=task.pk)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    return render(
        request,
        "planning/exclusions.html",
        {"task": task, "inspector_form": inspector_form, "entity_form": entity_form},
    )


# --- the ceremony ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def draw_commit(request: AuthedRequest, pk: int) -> HttpResponse:
    task = selectors.task_get_visible(user=request.user, pk=pk)
    if not _can_manage(request, task):
        raise PermissionDenied("task.manage")
    form = forms.CommitForm(request.POST or None, initial={"as_of": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        witnesses = [
            services.WitnessInput(data[f"name_{i}"], data[f"role_{i}"], data[f"org_{i}"])
            for i in range(form.rows)
            if data.get(f"name_{i}")
        ]
        try:
            draw = services.draw_commit(
                actor=request.user, task=task, witnesses=witnesses, as_of=data["as_of"]
            )
        except (ValidationError, bridge.DrawInputError) as exc:
            if isinstance(exc, ValidationError):
                _errors(form, exc)
            else:
                form.add_error(None, str(exc))
        else:
            return redirect("planning:draw_detail", pk=draw.pk)
    return render(
        request,
        "planning/commit_form.html",
        {
            "task": task,
            "form": form,
            "rows": [
                (form[f"name_{i}"], form[f"role_{i}"], form[f"org_{i}"]) for i in range(form.rows)
            ],
            "preview": selectors.task_preview(task=task),
        },
    )


def draw_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    draw = selectors.draw_get_visible(user=request.user, pk=pk)
    manifest = json.loads(draw.manifest_json)
    certificate = json.loads(draw.certificate_json) if draw.certificate_json else None
    strata = []
    if certificate:
        for result in certificate.get("strata", []):
            strata.append({**result, "label": bridge.stratum_label(result["stratum"])})
    groups = draw.groups.prefetch_related("members__inspector__department").order_by("code")
    assignments = draw.assignments.select_related("entity", "group").order_by("sheet_number")
    return render(
        request,
        "planning/draw_detail.html",
        {
            "draw": draw,
            "task": draw.task,
            "manifest": manifest,
            "certificate": certificate,
            "strata_plan": [
                {"key": k, "label": bridge.stratum_label(k), **v}
                for k, v in sorted(manifest["strata"].items())
            ],
            "strata": strata,
            "groups": groups,
            "assignments": assignments,
            "witnesses": draw.witnesses.all(),
            "can_manage": _can_manage(request, draw.task),
            "can_void": services.can_void(request.user, draw),
            "void_form": forms.VoidForm(),
            "reveal": request.GET.get("reveal") == "1",
        },
    )


@require_POST
def draw_digits(request: AuthedRequest, pk: int) -> HttpResponse:
    draw = selectors.draw_get_visible(user=request.user, pk=pk)
    form = forms.DigitsForm(request.POST)
    if form.is_valid():
        witness = draw.witnesses.filter(pk=form.cleaned_data["witness"]).first()
        if witness is None:
            raise PermissionDenied("witness")
        try:
            services.draw_witness_digits(
                actor=request.user, draw=draw, witness=witness, digits=form.cleaned_data["digits"]
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    else:
        messages.error(request, "请录入随机数字。")
    return redirect("planning:draw_detail", pk=draw.pk)


@require_POST
def draw_run(request: AuthedRequest, pk: int) -> HttpResponse:
    draw = selectors.draw_get_visible(user=request.user, pk=pk)
    try:
        draw = services.draw_run(actor=request.user, draw=draw)
    except (ValidationError, bridge.DrawInputError) as exc:
        messages.error(
            request, "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        )
        return redirect("planning:draw_detail", pk=draw.pk)
    if draw.status == DrawStatus.FAILED:
        messages.error(
            request, "抽取未能满足约束条件，已如实记录在证书中。请调整任务后重新冻结抽取。"
        )
    return redirect(f"{draw_detail_url(draw)}?reveal=1")


def draw_detail_url(draw: Draw) -> str:
    from django.urls import reverse

    return reverse("planning:draw_detail", args=[draw.pk])


@require_POST
def draw_void(request: AuthedRequest, pk: int) -> HttpResponse:
    draw = selectors.draw_get_visible(user=request.user, pk=pk)
    form = forms.VoidForm(request.POST)
    if not form.is_valid():
        messages.error(request, "作废须选择原因并写明具体说明。")
        return redirect("planning:draw_detail", pk=draw.pk)
    try:
        services.draw_void(actor=request.user, draw=draw, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(
            request, "已作废。作废记录与原抽取结果均保留并公开；重新抽取将与本次关联。"
        )
    return redirect("planning:draw_detail", pk=draw.pk)


VERIFY_README = """随机抽查抽取证书 — 自行验证说明

本压缩包包含：
  certificate.json   抽取证书（承诺清单、随机数来源、抽取结果、事件记录）
  *.csv              证书中按摘要引用的规范文件（候选对象、排除名单、检查人员等）
  verify.py          独立验证程序（仅需 Python 3，不依赖本平台）

验证步骤：
  1. 安装 Python 3.11 或更高版本（https://www.python.org）。
  2. 解压本压缩包，在解压目录中打开命令行。
  3. 运行：python3 verify.py certificate.json .
  4. 程序逐项显示“通过 PASS / 失败 FAIL”，最后一行给出结论。

任何一个字节被改动（名单、顺序、随机数、结果），都会显示“失败 FAIL”并说明原因。
单个企业想核对自己是否被抽中、排在第几位：完整验证通过后，在本压缩包的候选对象和抽取结果
文件中按本企业的统一社会信用代码查找即可（这些文件的摘要已由验证程序逐一核对）。
"""


def draw_certificate(request: AuthedRequest, pk: int) -> HttpResponse:
    draw = selectors.draw_get_visible(user=request.user, pk=pk)
    if not draw.certificate_json:
        raise PermissionDenied("not drawn")
    return HttpResponse(
        certificate_zip(draw),
        content_type="application/zip",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(draw.draw_id)}.zip"},
    )


def certificate_zip(draw: Draw) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("certificate.json", draw.certificate_json.encode("utf-8"))
        for name, data in bridge.load_files(draw.files_dir).items():
            archive.writestr(name, data)
        archive.write(Path(settings.BASE_DIR) / "draw" / "verify.py", "verify.py")
        archive.writestr("README.txt", VERIFY_README)
    return buffer.getvalue()


def draw_commitment(request: AuthedRequest, pk: int) -> HttpResponse:
    draw = selectors.draw_get_visible(user=request.user, pk=pk)
    return render(
        request,
        "planning/commitment_print.html",
        {
            "draw": draw,
            "task": draw.task,
            "manifest": json.loads(draw.manifest_json),
            "witnesses": draw.witnesses.all(),
        },
    )


def oversight(request: AuthedRequest) -> HttpResponse:
    if not _scope(request).has("task.view"):
        raise PermissionDenied("task.view")
    voided = (
        Draw.objects.filter(
            task__in=selectors.task_list_visible(user=request.user),
            status__in=[DrawStatus.VOIDED, DrawStatus.FAILED],
        )
        .select_related("task", "voided_by")
        .order_by("-created_by_id")
    )
    return render(
        request,
        "planning/oversight.html",
        {"stats": selectors.void_statistics(user=request.user), "voided": voided[:200]},
    )


def dispatch(request: AuthedRequest) -> HttpResponse:
    scope = _scope(request)
    if not (scope.has("dispatch.confirm") or scope.has("task.view")):
        raise PermissionDenied("dispatch")
    return render(
        request,
        "planning/dispatch.html",
        {
            "pending": selectors.dispatch_pending(user=request.user),
            "overdue": selectors.dispatch_overdue(user=request.user),
        },
    )


@require_POST
def dispatch_confirm(request: AuthedRequest, pk: int) -> HttpResponse:
    task = selectors.task_get_visible(user=request.user, pk=pk)
    department = request.user.department
    if department is None:
        raise PermissionDenied("dispatch.confirm")
    try:
        services.dispatch_confirm(actor=request.user, task=task, department=department)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已确认 {task.number} 的派发。")
    return redirect("planning:dispatch")


def my_work(request: AuthedRequest) -> HttpResponse:
    assignments = selectors.my_assignments(user=request.user)
    return render(
        request,
        "planning/my_work.html",
        {"assignments": assignments, "today": timezone.localdate()},
    )


@require_http_methods(["GET", "POST"])
def draw_replace(request: AuthedRequest, pk: int) -> HttpResponse:
    draw = selectors.draw_get_visible(user=request.user, pk=pk)
    if not _can_manage(request, draw.task):
        raise PermissionDenied("task.manage")
    kind = request.POST.get("kind")
    members = Inspector.objects.filter(
        group_memberships__group__draw=draw, group_memberships__active=True
    ).distinct()
    assignments = draw.assignments.filter(status="assigned").select_related("entity")
    inspector_form = forms.ReplaceInspectorForm(
        request.POST if kind == "inspector" else None,
        inspectors=members,
        reasons=list(services.REPLACE_INSPECTOR_REASONS.items()),
    )
    target_form = forms.ReplaceTargetForm(
        request.POST if kind == "target" else None,
        assignments=assignments,
        reasons=list(services.REPLACE_TARGET_REASONS.items()),
    )
    target_form.fields["assignment"].label_from_instance = (  # type: ignore[attr-defined]
        lambda a: f"{a.sheet_number} {a.entity.name}（{a.entity_key}）"
    )
    if request.method == "POST":
        try:
            if kind == "inspector" and inspector_form.is_valid():
                member = services.draw_replace_inspector(
                    actor=request.user, draw=draw, **inspector_form.cleaned_data
                )
                messages.success(request, f"已按备选顺序由 {member.inspector.name} 替换。")
                return redirect("planning:draw_detail", pk=draw.pk)
            if kind == "target" and target_form.is_valid():
                new = services.draw_replace_target(
                    actor=request.user, draw=draw, **target_form.cleaned_data
                )
                messages.success(request, f"已按备选顺序由 {new.entity.name} 替换。")
                return redirect("planning:draw_detail", pk=draw.pk)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    events = json.loads(draw.certificate_json).get("events", []) if draw.certificate_json else []
    return render(
        request,
        "planning/replace.html",
        {
            "draw": draw,
            "inspector_form": inspector_form,
            "target_form": target_form,
            "events": events,
        },
    )
