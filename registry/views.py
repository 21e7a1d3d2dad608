"""Pages of the 检查对象名录库, 分类标签库 and 信用风险分类. Thin: parse, call, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Department
from accounts.scope import Scope
from core.exports import xlsx_response
from core.http import AuthedRequest
from core.masking import mask_id_number, mask_phone
from regions.models import Region

from . import selectors, services
from .exports import export_table
from .forms import (
    BlacklistAddForm,
    BlacklistRemoveForm,
    ComplaintForm,
    EntityFilterForm,
    EntityForm,
    EntityTagsForm,
    FlagClearForm,
    FlagSetForm,
    GradeForm,
    SchemeForm,
    TagCategoryForm,
    TagForm,
)
from .models import Entity, EntityGrade, EntityType, GradingScheme, Tag, TagCategory


def _require(request: AuthedRequest, permission: str) -> Scope:
    scope = Scope.of(request.user)
    if not scope.has(permission):
        raise PermissionDenied(permission)
    return scope


def _visible_regions(request: AuthedRequest):
    department = request.user.department
    base = department.region_id if department else ""
    return Region.objects.filter(code__startswith=base).order_by("code") if base else []


def _filters(request: AuthedRequest) -> tuple[EntityFilterForm, selectors.EntityFilter]:
    scheme = selectors.default_scheme()
    form = EntityFilterForm(request.GET or None, regions=_visible_regions(request), scheme=scheme)
    data: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    tag = data.get("tag")
    return form, selectors.EntityFilter(
        q=data.get("q") or "",
        region=data.get("region") or "",
        industry=data.get("industry") or "",
        status=data.get("status") or "",
        entity_type=data.get("entity_type") or "",
        level=data.get("level"),
        flag=data.get("flag") or "",
        tags=(tag.pk,) if tag else (),
    )


def entity_list(request: AuthedRequest) -> HttpResponse:
    scope = _require(request, "entity.view")
    form, filters = _filters(request)
    entities = selectors.entity_search(user=request.user, filters=filters).select_related("region")
    page = selectors.window(
        entities, request.GET.get("page"), count=selectors.cheap_to_count(filters)
    )
    info = selectors.list_annotations(page.rows, selectors.default_scheme())
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "registry/entity_list.html",
        {
            "form": form,
            "page": page,
            "rows": [(e, info[e.pk]) for e in page.rows],
            "query": query.urlencode(),
            "can_create": scope.has("entity.manage"),
        },
    )


def entity_export(request: AuthedRequest) -> HttpResponse:
    _require(request, "entity.view")
    _form, filters = _filters(request)
    public = request.GET.get("public") == "1"
    entities = selectors.entity_search(user=request.user, filters=filters)
    headers, rows = export_table(user=request.user, entities=entities, public=public)
    return xlsx_response(
        filename="检查对象名录（公开）.xlsx" if public else "检查对象名录.xlsx",
        title="检查对象",
        headers=headers,
        rows=rows,
    )


def _personal(request: AuthedRequest, entity: Entity) -> dict[str, str]:
    if selectors.can_see_personal(request.user, entity):
        return {
            "representative": entity.representative,
            "id_number": entity.id_number,
            "phone": entity.phone,
        }
    individual = entity.entity_type == EntityType.INDIVIDUAL
    return {
        "representative": services.mask_name(entity.representative)
        if individual
        else entity.representative,
        "id_number": mask_id_number(entity.id_number) if entity.id_number else "",
        "phone": mask_phone(entity.phone) if entity.phone else "",
    }


def entity_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    _require(request, "entity.view")
    entity = selectors.entity_get_visible(user=request.user, pk=pk)
    can_manage = selectors.can_manage(request.user, entity)
    grades = EntityGrade.objects.filter(entity=entity).select_related("scheme", "level")
    context: dict[str, Any] = {
        "entity": entity,
        "personal": _personal(request, entity),
        "can_manage": can_manage,
        "grades": grades.order_by("scheme__code", "-valid_from", "-id"),
        "flags": entity.flags.order_by("-valid_from", "-id"),
        "complaints": entity.complaints.all()[:100],
        "complaint_total": entity.complaints.count(),
        "tags": entity.tags.select_related("category"),
        "departments": entity.departments.all(),
        "history": selectors.entity_history(entity),
    }
    if can_manage:
        context.update(
            grade_form=GradeForm(),
            flag_set_form=FlagSetForm(),
            flag_clear_form=FlagClearForm(),
            blacklist_add_form=BlacklistAddForm(),
            blacklist_remove_form=BlacklistRemoveForm(),
            complaint_form=ComplaintForm(),
            tags_form=EntityTagsForm(initial={"tags": list(entity.tags.all())}),
        )
    return render(request, "registry/entity_detail.html", context)


def _manageable(request: AuthedRequest, pk: int) -> Entity:
    _require(request, "entity.view")
    entity = selectors.entity_get_visible(user=request.user, pk=pk)
    if not selectors.can_manage(request.user, entity):
        raise PermissionDenied("entity.manage")
    return entity


def _writable_regions(request: AuthedRequest):
    scope = Scope.of(request.user)
    return Region.objects.filter(
        code__in=[
            r.code
            for r in _visible_regions(request)
            if scope.role_for_region("entity.manage", r.code) is not None
        ]
    )


def _departments(request: AuthedRequest):
    scope = Scope.of(request.user)
    return Department.objects.filter(
        scope.departments_q("department.view", path=None), is_active=True
    )


@require_http_methods(["GET", "POST"])
def entity_create(request: AuthedRequest) -> HttpResponse:
    _require(request, "entity.manage")
    form = EntityForm(
        request.POST or None,
        regions=_writable_regions(request),
        departments=_departments(request),
    )
    if request.method == "POST" and form.is_valid():
        try:
            entity = services.entity_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"已建档：{entity}")
            return redirect("registry:entity_detail", pk=entity.pk)
    return render(request, "registry/entity_form.html", {"form": form, "entity": None})


@require_http_methods(["GET", "POST"])
def entity_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    entity = _manageable(request, pk)
    initial = {f: getattr(entity, f) for f in services.ENTITY_FIELDS}
    initial["departments"] = list(entity.departments.all())
    form = EntityForm(
        request.POST or None,
        initial=initial,
        regions=_writable_regions(request),
        departments=_departments(request),
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        departments = data.pop("departments")
        changes = {k: v for k, v in data.items() if v != initial.get(k)}
        try:
            services.entity_update(
                actor=request.user, entity=entity, departments=departments, **changes
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "已保存。")
            return redirect("registry:entity_detail", pk=entity.pk)
    return render(request, "registry/entity_form.html", {"form": form, "entity": entity})


def _post_action(request: AuthedRequest, pk: int, form_class, call) -> HttpResponse:
    entity = _manageable(request, pk)
    form = form_class(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}：{'；'.join(errors)}" if label else "；".join(errors))
    else:
        try:
            text = call(entity, form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, text)
    return redirect("registry:entity_detail", pk=entity.pk)


@require_POST
def entity_grade(request: AuthedRequest, pk: int) -> HttpResponse:
    def call(entity, data):
        grade = services.grade_assign(actor=request.user, entity=entity, **data)
        return f"已评定为 {grade.level.code}（{grade.valid_from:%Y-%m-%d} 起）。"

    return _post_action(request, pk, GradeForm, call)


@require_POST
def entity_flag_set(request: AuthedRequest, pk: int) -> HttpResponse:
    def call(entity, data):
        flag = services.flag_set(actor=request.user, entity=entity, **data)
        return f"已列入{flag.get_kind_display()}。"

    return _post_action(request, pk, FlagSetForm, call)


@require_POST
def entity_flag_clear(request: AuthedRequest, pk: int) -> HttpResponse:
    def call(entity, data):
        flag = services.flag_clear(actor=request.user, entity=entity, **data)
        return f"已移出{flag.get_kind_display()}。"

    return _post_action(request, pk, FlagClearForm, call)


@require_POST
def entity_blacklist_add(request: AuthedRequest, pk: int) -> HttpResponse:
    def call(entity, data):
        services.blacklist_add(actor=request.user, entity=entity, **data)
        return "已列入黑名单。"

    return _post_action(request, pk, BlacklistAddForm, call)


@require_POST
def entity_blacklist_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    def call(entity, data):
        grade = services.blacklist_remove(actor=request.user, entity=entity, **data)
        return f"已移出黑名单，信用风险等级评定为 {grade.level.code}。"

    return _post_action(request, pk, BlacklistRemoveForm, call)


@require_POST
def entity_complaint(request: AuthedRequest, pk: int) -> HttpResponse:
    def call(entity, data):
        services.complaint_record(actor=request.user, entity=entity, **data)
        return "已登记投诉举报。"

    return _post_action(request, pk, ComplaintForm, call)


@require_POST
def entity_tags(request: AuthedRequest, pk: int) -> HttpResponse:
    def call(entity, data):
        services.entity_tags_set(actor=request.user, entity=entity, tags=data["tags"])
        return "已更新标签。"

    return _post_action(request, pk, EntityTagsForm, call)


# --- 分类标签库 ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def tag_list(request: AuthedRequest) -> HttpResponse:
    scope = _require(request, "entity.view")
    can_manage = scope.has("entity.manage")
    category_form = TagCategoryForm(prefix="cat")
    tag_form = TagForm(prefix="tag")
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("entity.manage")
        try:
            if "cat-code" in request.POST:
                category_form = TagCategoryForm(request.POST, prefix="cat")
                if category_form.is_valid():
                    services.tag_category_create(actor=request.user, **category_form.cleaned_data)
                    messages.success(request, "已新增标签分类。")
                    return redirect("registry:tag_list")
            else:
                tag_form = TagForm(request.POST, prefix="tag")
                if tag_form.is_valid():
                    services.tag_create(actor=request.user, **tag_form.cleaned_data)
                    messages.success(request, "已新增标签。")
                    return redirect("registry:tag_list")
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    counts = dict(Tag.objects.annotate(n=Count("entity_tags")).values_list("pk", "n"))
    categories = TagCategory.objects.prefetch_related("tags")
    return render(
        request,
        "registry/tag_list.html",
        {
            "categories": [
                (c, [(t, counts.get(t.pk, 0)) for t in c.tags.all()]) for c in categories
            ],
            "can_manage": can_manage,
            "category_form": category_form,
            "tag_form": tag_form,
        },
    )


@require_POST
def tag_toggle(request: AuthedRequest, pk: int) -> HttpResponse:
    _require(request, "entity.manage")
    tag = get_object_or_404(Tag, pk=pk)
    services.tag_update(actor=request.user, tag=tag, is_active=not tag.is_active)
    messages.success(request, f"已{'停用' if tag.is_active else '启用'}标签“{tag.name}”。")
    return redirect("registry:tag_list")


# --- 信用风险分类 -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def grading_list(request: AuthedRequest) -> HttpResponse:
    scope = _require(request, "entity.view")
    can_manage = scope.has("entity.manage")
    form = SchemeForm(request.POST or None)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("entity.manage")
        if form.is_valid():
            try:
                services.scheme_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "已新增分类方案。")
                return redirect("registry:grading_list")
    return render(
        request,
        "registry/grading_list.html",
        {
            "schemes": GradingScheme.objects.prefetch_related("levels"),
            "form": form,
            "can_manage": can_manage,
        },
    )
