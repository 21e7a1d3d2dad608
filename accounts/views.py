from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from core.exports import xlsx_response
from core.http import AuthedRequest
from core.masking import mask_phone

from . import selectors, services
from .forms import (
    DepartmentCreateForm,
    LoginForm,
    PasswordChangeForm,
    UserCreateForm,
    UserEditForm,
    UserFilterForm,
)
from .models import Department, Role, User
from .scope import Scope


def _require(request: AuthedRequest, permission: str) -> Scope:
    scope = Scope.of(request.user)
    if not scope.has(permission):
        raise PermissionDenied(permission)
    return scope


@login_not_required
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        outcome = services.login_attempt(
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
            ip_address=request.META.get("REMOTE_ADDR", "")[:45],
        )
        if outcome.user is not None:
            login(request, outcome.user)
            target = request.POST.get("next") or request.GET.get("next") or ""
            if not url_has_allowed_host_and_scheme(
                target, {request.get_host()}, require_https=request.is_secure()
            ):
                target = "/"
            return redirect(target)
        error = outcome.error
    return render(
        request,
        "accounts/login.html",
        {"form": form, "error": error, "next": request.GET.get("next", "")},
    )


@require_POST
def logout_view(request: AuthedRequest) -> HttpResponse:
    if request.user.is_authenticated:
        services.logout_record(user=request.user)
    logout(request)
    return redirect("accounts:login")


@require_http_methods(["GET", "POST"])
def password_change(request: AuthedRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_change_own_password(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ValidationError as exc:
            for field, errors in (
                exc.message_dict.items()
                if hasattr(exc, "error_dict")
                else [("new_password", exc.messages)]
            ):
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            from django.contrib.auth import update_session_auth_hash

            update_session_auth_hash(request, request.user)
            messages.success(request, "密码已修改。")
            return redirect("core:home")
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "forced": request.user.must_change_password},
    )


def _user_rows(request: AuthedRequest):
    scope = _require(request, "user.view")
    departments = selectors.department_list_visible(user=request.user)
    form = UserFilterForm(request.GET or None, departments=departments)
    form.is_valid()
    data = getattr(form, "cleaned_data", {}) or {}
    users = selectors.user_list_visible(
        user=request.user,
        query=data.get("q") or "",
        department_id=data["department"].pk if data.get("department") else None,
        role=data.get("role") or "",
    )
    if request.GET.get("locked"):
        users = users.filter(locked_until__gt=timezone.now())
    if request.GET.get("never"):
        users = users.filter(is_active=True, last_login__isnull=True)
    return scope, form, users


def _phone_for(scope: Scope, user: User) -> str:
    if not user.phone:
        return ""
    return user.phone if scope.can("user.manage", user.department) else mask_phone(user.phone)


def user_list(request: AuthedRequest) -> HttpResponse:
    scope, form, users = _user_rows(request)
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/user_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_create": scope.has("user.manage"),
        },
    )


def user_export(request: AuthedRequest) -> HttpResponse:
    scope, _form, users = _user_rows(request)
    rows = (
        [
            u.username,
            u.full_name,
            u.department.region.name if u.department else "",
            u.department.name if u.department else "",
            "、".join(u.role_labels()),
            _phone_for(scope, u),
            "启用" if u.is_active else "停用",
            timezone.localtime(u.last_login).strftime("%Y-%m-%d %H:%M") if u.last_login else "",
        ]
        for u in users.iterator(chunk_size=500)
    )
    return xlsx_response(
        filename="用户列表.xlsx",
        title="用户",
        headers=["账号", "姓名", "区划", "部门", "角色", "手机号", "状态", "最近登录"],
        rows=rows,
    )


def user_list_api(request: AuthedRequest) -> JsonResponse:
    scope, _form, users = _user_rows(request)
    page = Paginator(users, 100).get_page(request.GET.get("page"))
    return JsonResponse(
        {
            "count": page.paginator.count,
            "page": page.number,
            "pages": page.paginator.num_pages,
            "results": [_user_json(scope, u) for u in page],
        }
    )


def user_detail_api(request: AuthedRequest, pk: int) -> JsonResponse:
    scope = _require(request, "user.view")
    return JsonResponse(_user_json(scope, selectors.user_get_visible(user=request.user, pk=pk)))


def _user_json(scope: Scope, user: User) -> dict:
    return {
        "id": user.pk,
        "username": user.username,
        "full_name": user.full_name,
        "department": user.department.name if user.department else None,
        "region_code": user.department.region_id if user.department else None,
        "roles": sorted(user.role_codes),
        "phone": _phone_for(scope, user),
        "is_active": user.is_active,
    }


def user_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = _require(request, "user.view")
    target = selectors.user_get_visible(user=request.user, pk=pk)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "target": target,
            "phone": _phone_for(scope, target),
            "can_manage": scope.can("user.manage", target.department),
            "locked": bool(target.locked_until and target.locked_until > timezone.now()),
        },
    )


@require_http_methods(["GET", "POST"])
def user_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = _require(request, "user.view")
    target = selectors.user_get_visible(user=request.user, pk=pk)
    if not scope.can("user.manage", target.department):
        raise PermissionDenied("user.manage")
    initial = {
        "full_name": target.full_name,
        "phone": target.phone,
        "email": target.email,
        "roles": sorted(target.role_codes),
        "is_active": target.is_active,
    }
    form = UserEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update(actor=request.user, user=target, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"已保存 {target}。")
            return redirect("accounts:user_detail", pk=target.pk)
    return render(request, "accounts/user_form.html", {"form": form, "target": target})


@require_http_methods(["GET", "POST"])
def user_create(request: AuthedRequest) -> HttpResponse:
    scope = _require(request, "user.manage")
    departments = Department.objects.filter(scope.departments_q("user.manage", path=None))
    form = UserCreateForm(request.POST or None, departments=departments)
    password = None
    if request.method == "POST" and form.is_valid():
        password = services.generate_password()
        try:
            user = services.user_create(actor=request.user, password=password, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return render(
                request, "accounts/user_created.html", {"target": user, "password": password}
            )
    return render(request, "accounts/user_form.html", {"form": form, "target": None})


@require_POST
def user_reset_password(request: AuthedRequest, pk: int) -> HttpResponse:
    _require(request, "user.view")
    target = selectors.user_get_visible(user=request.user, pk=pk)
    password = services.user_reset_password(actor=request.user, user=target)
    return render(
        request,
        "accounts/user_created.html",
        {"target": target, "password": password, "reset": True},
    )


@require_POST
def user_unlock(request: AuthedRequest, pk: int) -> HttpResponse:
    _require(request, "user.view")
    target = selectors.user_get_visible(user=request.user, pk=pk)
    services.user_unlock(actor=request.user, user=target)
    messages.success(request, f"已解锁 {target}。")
    return redirect("accounts:user_detail", pk=target.pk)


def department_list(request: AuthedRequest) -> HttpResponse:
    scope = _require(request, "department.view")
    departments = selectors.department_list_visible(user=request.user)
    return render(
        request,
        "accounts/department_list.html",
        {
            "departments": departments,
            "can_create": scope.has("department.manage"),
            "roles": Role,
        },
    )


@require_http_methods(["GET", "POST"])
def department_create(request: AuthedRequest) -> HttpResponse:
    _require(request, "department.manage")
    form = DepartmentCreateForm(request.POST or None)
    if request.user.department is None:
        raise PermissionDenied("department.manage")
    region = request.user.department.region
    if request.method == "POST" and form.is_valid():
        try:
            services.department_create(actor=request.user, region=region, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"已新增部门 {form.cleaned_data['name']}。")
            return redirect("accounts:department_list")
    return render(request, "accounts/department_form.html", {"form": form, "region": region})
