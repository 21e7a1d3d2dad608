"""Pages of the 执法检查人员名录库 and 专家名录库. Thin: parse, call one selector/service, render.

Views check the permission family up front (403); object-level decisions come from the scoped
selectors (404 outside scope) and the services (403 without inspector.manage there).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.scope import Scope
from core.exports import xlsx_response
from core.http import AuthedRequest
from core.masking import mask_id_number, mask_phone

from . import selectors, services
from .forms import (
    AccountLinkForm,
    CertificateRenewForm,
    ConflictForm,
    ExpertFilterForm,
    ExpertForm,
    InspectorFilterForm,
    InspectorForm,
    StatusChangeForm,
    WithdrawForm,
)
from .models import ConflictOfInterest, Expert, Inspector, InspectorStatus

VIEW, MANAGE = selectors.VIEW, selectors.MANAGE


def _require(request: AuthedRequest, permission: str) -> Scope:
    scope = Scope.of(request.user)
    if not scope.has(permission):
        raise PermissionDenied(permission)
    return scope


def _require_manage(scope: Scope, department: Any) -> None:
    if not scope.can(MANAGE, department):
        raise PermissionDenied(MANAGE)


def _form_errors(form: Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def _querystring(request: AuthedRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def personal(scope: Scope, inspector: Inspector | Expert) -> dict[str, str]:
    """Phone and ID number as this viewer may see them."""
    if isinstance(inspector, Inspector):
        full = selectors.inspector_can_see_personal(scope, inspector)
        id_number = inspector.id_number
    else:
        full = scope.can(MANAGE, inspector.department)
        id_number = ""
    if full:
        return {"phone": inspector.phone, "id_number": id_number}
    return {
        "phone": mask_phone(inspector.phone) if inspector.phone else "",
        "id_number": mask_id_number(id_number) if id_number else "",
    }


# --- inspectors ------------------------------------------------------------------------------


def _inspector_rows(request: AuthedRequest):
    scope = _require(request, VIEW)
    form = InspectorFilterForm(
        request.GET or None, departments=selectors.departments_visible(user=request.user)
    )
    form.is_valid()
    data = getattr(form, "cleaned_data", {}) or {}
    inspectors = selectors.inspector_list_visible(
        user=request.user,
        query=(data.get("q") or "").strip(),
        department_id=data["department"].pk if data.get("department") else None,
        status=data.get("status") or "",
        specialty_id=data["specialty"].pk if data.get("specialty") else None,
        expiring=bool(data.get("expiring")),
    )
    return scope, form, inspectors


def inspector_list(request: AuthedRequest) -> HttpResponse:
    scope, form, inspectors = _inspector_rows(request)
    page = Paginator(inspectors, 50).get_page(request.GET.get("page"))
    today = timezone.localdate()
    return render(
        request,
        "inspectors/inspector_list.html",
        {
            "form": form,
            "page": page,
            "query": _querystring(request),
            "can_manage": scope.has(MANAGE),
            "today": today,
            "soon": today + dt.timedelta(days=selectors.EXPIRING_DAYS),
            "statuses": dict(InspectorStatus.choices),
        },
    )


EXPORT_HEADERS = [
    "姓名",
    "所属部门",
    "性别",
    "职务",
    "执法证号",
    "证件类型",
    "执法门类",
    "发证机关",
    "证件有效期起",
    "证件有效期至",
    "专业特长",
    "状态",
    "联系电话",
    "身份证号",
    "备注",
]


def inspector_export_rows(scope: Scope, inspectors) -> Any:
    statuses = dict(InspectorStatus.choices)
    for inspector in inspectors.iterator(chunk_size=500):
        shown = personal(scope, inspector)
        yield [
            inspector.name,
            inspector.department.name,
            inspector.get_gender_display(),
            inspector.post,
            inspector.certificate_no,
            inspector.get_certificate_type_display(),
            inspector.law_field,
            inspector.certificate_authority,
            inspector.valid_from.isoformat() if inspector.valid_from else "",
            inspector.valid_to.isoformat() if inspector.valid_to else "",
            "、".join(t.name for t in inspector.specialties.all()),
            statuses.get(inspector.current_status, ""),
            shown["phone"],
            shown["id_number"],
            inspector.note,
        ]


def inspector_export(request: AuthedRequest) -> HttpResponse:
    scope, _form, inspectors = _inspector_rows(request)
    return xlsx_response(
        filename=f"执法检查人员名录-{timezone.localdate().isoformat()}.xlsx",
        title="执法检查人员",
        headers=EXPORT_HEADERS,
        rows=inspector_export_rows(scope, inspectors),
    )


def inspector_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = _require(request, VIEW)
    inspector = selectors.inspector_get_visible(user=request.user, pk=pk)
    today = timezone.localdate()
    return render(
        request,
        "inspectors/inspector_detail.html",
        {
            "inspector": inspector,
            "personal": personal(scope, inspector),
            "can_manage": scope.can(MANAGE, inspector.department),
            "is_self": inspector.user_id == request.user.pk,
            "periods": inspector.status_periods.select_related("created_by").order_by(
                "-valid_from", "-id"
            ),
            "certificates": inspector.certificates.select_related("created_by"),
            "conflicts": inspector.conflicts.all(),
            "history": selectors.inspector_history(inspector),
            "eligible_today": selectors.inspectors_eligible_on(
                department=inspector.department, date=today
            )
            .filter(pk=inspector.pk)
            .exists(),
            "certificate_valid": selectors.certificate_valid_on(inspector, today),
            "today": today,
        },
    )


@require_http_methods(["GET", "POST"])
def inspector_create(request: AuthedRequest) -> HttpResponse:
    _require(request, MANAGE)
    departments = selectors.departments_manageable(user=request.user)
    form = InspectorForm(
        request.POST or None,
        departments=departments,
        initial={"department": request.user.department},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            inspector = services.inspector_create(actor=request.user, **data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"已登记 {inspector}。")
            return redirect("inspectors:inspector_detail", pk=inspector.pk)
    return render(request, "inspectors/inspector_form.html", {"form": form, "inspector": None})


@require_http_methods(["GET", "POST"])
def inspector_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = _require(request, VIEW)
    inspector = selectors.inspector_get_visible(user=request.user, pk=pk)
    _require_manage(scope, inspector.department)
    initial = {
        field: getattr(inspector, field)
        for field in services.INSPECTOR_FIELDS
        if field != "department"
    }
    initial["department"] = inspector.department
    initial["specialties"] = list(inspector.specialties.all())
    form = InspectorForm(
        request.POST or None,
        initial=initial,
        departments=selectors.departments_manageable(user=request.user),
        editing=True,
    )
    if request.method == "POST" and form.is_valid():
        try:
            _, changed = services.inspector_update(
                actor=request.user, inspector=inspector, **form.cleaned_data
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "已保存。" if changed else "没有修改。")
            return redirect("inspectors:inspector_detail", pk=inspector.pk)
    return render(request, "inspectors/inspector_form.html", {"form": form, "inspector": inspector})


@require_http_methods(["GET", "POST"])
def inspector_status(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = _require(request, VIEW)
    inspector = selectors.inspector_get_visible(user=request.user, pk=pk)
    _require_manage(scope, inspector.department)
    form = StatusChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            period = services.inspector_status_change(
                actor=request.user, inspector=inspector, **form.cleaned_data
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(
                request,
                f"已将 {inspector.name} 的状态变更为“{period.get_status_display()}”"
                f"（自 {period.valid_from:%Y-%m-%d} 起）。",
            )
            return redirect("inspectors:inspector_detail", pk=inspector.pk)
    return render(
        request,
        "inspectors/inspector_action.html",
        {"form": form, "inspector": inspector, "title": "变更状态", "button": "确认变更"},
    )


@require_http_methods(["GET", "POST"])
def inspector_certificate(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = _require(request, VIEW)
    inspector = selectors.inspector_get_visible(user=request.user, pk=pk)
    _require_manage(scope, inspector.department)
    form = CertificateRenewForm(
        request.POST or None,
        initial={
            "certificate_no": inspector.certificate_no,
            "certificate_type": inspector.certificate_type,
            "law_field": inspector.law_field,
            "authority": inspector.certificate_authority,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.inspector_certificate_renew(
                actor=request.user, inspector=inspector, **form.cleaned_data
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "已登记新执法证。")
            return redirect("inspectors:inspector_detail", pk=inspector.pk)
    return render(
        request,
        "inspectors/inspector_action.html",
        {"form": form, "inspector": inspector, "title": "换发执法证", "button": "保存"},
    )


@require_http_methods(["GET", "POST"])
def inspector_account(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = _require(request, VIEW)
    inspector = selectors.inspector_get_visible(user=request.user, pk=pk)
    _require_manage(scope, inspector.department)
    form = AccountLinkForm(
        request.POST or None,
        department=inspector.department,
        inspector=inspector,
        initial={"user": inspector.user},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.inspector_link_account(
                actor=request.user, inspector=inspector, user=form.cleaned_data["user"]
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "已更新登录账号关联。")
            return redirect("inspectors:inspector_detail", pk=inspector.pk)
    return render(
        request,
        "inspectors/inspector_action.html",
        {"form": form, "inspector": inspector, "title": "关联登录账号", "button": "保存"},
    )


@require_http_methods(["GET", "POST"])
def inspector_conflicts(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = _require(request, VIEW)
    inspector = selectors.inspector_get_visible(user=request.user, pk=pk)
    can_manage = scope.can(MANAGE, inspector.department)
    can_declare = can_manage or inspector.user_id == request.user.pk
    form = ConflictForm(request.POST or None)
    if request.method == "POST":
        if not can_declare:
            raise PermissionDenied(MANAGE)
        if form.is_valid():
            try:
                services.conflict_declare(
                    actor=request.user, inspector=inspector, **form.cleaned_data
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, "已登记回避关系。")
                return redirect("inspectors:inspector_conflicts", pk=inspector.pk)
    return render(
        request,
        "inspectors/conflict_list.html",
        {
            "inspector": inspector,
            "conflicts": inspector.conflicts.select_related("declared_by", "withdrawn_by"),
            "form": form if can_declare else None,
            "can_manage": can_manage,
            "withdraw_form": WithdrawForm(),
            "today": timezone.localdate(),
        },
    )


@require_POST
def conflict_withdraw(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = _require(request, VIEW)
    conflict = get_object_or_404(ConflictOfInterest, pk=pk)
    inspector = selectors.inspector_get_visible(user=request.user, pk=conflict.inspector_id)
    _require_manage(scope, inspector.department)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写撤销原因。")
    else:
        try:
            services.conflict_withdraw(
                actor=request.user, conflict=conflict, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, "已撤销该回避登记。")
    return redirect("inspectors:inspector_conflicts", pk=inspector.pk)


# --- experts ---------------------------------------------------------------------------------


def _expert_rows(request: AuthedRequest):
    scope = _require(request, VIEW)
    form = ExpertFilterForm(
        request.GET or None, departments=selectors.departments_visible(user=request.user)
    )
    form.is_valid()
    data = getattr(form, "cleaned_data", {}) or {}
    experts = selectors.expert_list_visible(
        user=request.user,
        query=(data.get("q") or "").strip(),
        department_id=data["department"].pk if data.get("department") else None,
        status=data.get("status") or "",
        specialty_id=data["specialty"].pk if data.get("specialty") else None,
    )
    return scope, form, experts


def expert_list(request: AuthedRequest) -> HttpResponse:
    scope, form, experts = _expert_rows(request)
    page = Paginator(experts, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "inspectors/expert_list.html",
        {
            "form": form,
            "page": page,
            "query": _querystring(request),
            "can_manage": scope.has(MANAGE),
        },
    )


def expert_export(request: AuthedRequest) -> HttpResponse:
    scope, _form, experts = _expert_rows(request)
    rows = (
        [
            e.name,
            e.organisation,
            e.department.name,
            e.title,
            e.qualification,
            e.certificate_no,
            "、".join(t.name for t in e.specialties.all()),
            personal(scope, e)["phone"],
            e.get_status_display(),
            e.note,
        ]
        for e in experts.iterator(chunk_size=500)
    )
    return xlsx_response(
        filename=f"专家名录-{timezone.localdate().isoformat()}.xlsx",
        title="专家",
        headers=[
            "姓名",
            "工作单位",
            "管理部门",
            "职称/职务",
            "专业资格",
            "资格证书编号",
            "专业领域",
            "联系电话",
            "状态",
            "备注",
        ],
        rows=rows,
    )


def expert_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = _require(request, VIEW)
    expert = selectors.expert_get_visible(user=request.user, pk=pk)
    return render(
        request,
        "inspectors/expert_detail.html",
        {
            "expert": expert,
            "personal": personal(scope, expert),
            "can_manage": scope.can(MANAGE, expert.department),
            "history": selectors.expert_history(expert),
        },
    )


@require_http_methods(["GET", "POST"])
def expert_create(request: AuthedRequest) -> HttpResponse:
    _require(request, MANAGE)
    form = ExpertForm(
        request.POST or None,
        departments=selectors.departments_manageable(user=request.user),
        initial={"department": request.user.department},
    )
    if request.method == "POST" and form.is_valid():
        try:
            expert = services.expert_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"已登记专家 {expert}。")
            return redirect("inspectors:expert_detail", pk=expert.pk)
    return render(request, "inspectors/expert_form.html", {"form": form, "expert": None})


@require_http_methods(["GET", "POST"])
def expert_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = _require(request, VIEW)
    expert = selectors.expert_get_visible(user=request.user, pk=pk)
    _require_manage(scope, expert.department)
    initial = {field: getattr(expert, field) for field in services.EXPERT_FIELDS}
    initial["specialties"] = list(expert.specialties.all())
    form = ExpertForm(
        request.POST or None,
        initial=initial,
        departments=selectors.departments_manageable(user=request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            _, changed = services.expert_update(
                actor=request.user, expert=expert, **form.cleaned_data
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "已保存。" if changed else "没有修改。")
            return redirect("inspectors:expert_detail", pk=expert.pk)
    return render(request, "inspectors/expert_form.html", {"form": form, "expert": expert})
