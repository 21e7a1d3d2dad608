"""Pages of the catalog: item lists and their versions, items, joint lists, the regulation
library. Thin: selectors decide what is visible, services decide what may change."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.scope import Scope
from core.exports import xlsx_response
from core.http import AuthedRequest
from core.importing import import_job_create

from . import selectors, services
from .exports import ITEM_EXPORT_HEADERS, JOINT_EXPORT_HEADERS, item_rows, joint_rows
from .models import InspectionMethod, ItemKind, ListKind, RegulationLevel, VersionStatus


class ItemFilterForm(forms.Form):
    q = forms.CharField(label="关键词", required=False)
    kind = forms.ChoiceField(
        label="事项类别", required=False, choices=[("", "全部"), *ItemKind.choices]
    )
    method = forms.ChoiceField(label="检查方式", required=False)
    department = forms.ChoiceField(label="编制单位", required=False)

    def __init__(self, *args, departments: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        method_field = self.fields["method"]
        department_field = self.fields["department"]
        assert isinstance(method_field, forms.ChoiceField)
        assert isinstance(department_field, forms.ChoiceField)
        method_field.choices = [("", "全部")] + [
            (m, m) for m in InspectionMethod.objects.values_list("name", flat=True)
        ]
        department_field.choices = [("", "全部")] + [(d, d) for d in departments]
        if not departments:
            del self.fields["department"]


class PublishForm(forms.Form):
    title = forms.CharField(label="版本标题", max_length=300)
    reason = forms.CharField(
        label="调整说明", widget=forms.Textarea(attrs={"rows": 3}), help_text="将记入行为日志"
    )


class ItemForm(forms.Form):
    name = forms.CharField(label="抽查事项", widget=forms.Textarea(attrs={"rows": 2}))
    target = forms.CharField(label="检查对象", required=False)
    kind = forms.ChoiceField(label="事项类别", choices=ItemKind.choices)
    methods_text = forms.CharField(
        label="检查方式", max_length=300, help_text="多个用顿号分隔，如“现场检查、书面检查”"
    )
    subject = forms.CharField(label="检查主体", required=False)
    basis_text = forms.CharField(
        label="检查依据",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="每条依据一行，如“《娱乐场所管理条例》第二十五条”",
    )
    content = forms.CharField(
        label="检查内容", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    standards = forms.CharField(
        label="检查标准/要点", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    ratio = forms.CharField(label="抽查比例", required=False, max_length=200)
    frequency = forms.CharField(label="抽查频次", required=False, max_length=200)
    level = forms.CharField(label="实施层级", required=False, max_length=200)
    remark = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 2}))


def _require_view(request: AuthedRequest) -> Scope:
    # Published lists are public documents; every account may read them.
    return Scope.of(request.user)


# --- item lists -------------------------------------------------------------------------------


def _list_page(request: AuthedRequest, *, joint: bool) -> HttpResponse:
    scope = _require_view(request)
    query = request.GET.get("q", "").strip()
    lists = selectors.item_lists_visible(user=request.user, joint=joint, query=query)
    rows = []
    for item_list in lists:
        versions = item_list.visible_versions  # type: ignore[attr-defined]
        rows.append(
            {
                "list": item_list,
                "current": next((v for v in versions if v.status == VersionStatus.PUBLISHED), None),
                "draft": next((v for v in versions if v.status == VersionStatus.DRAFT), None),
                "count": len(versions),
            }
        )
    return render(
        request,
        "catalog/item_list.html",
        {
            "rows": rows,
            "q": query,
            "joint": joint,
            "can_import": scope.has("catalog.manage"),
            "import_kind": "joint_items" if joint else "items",
        },
    )


def item_list(request: AuthedRequest) -> HttpResponse:
    return _list_page(request, joint=False)


def joint_list(request: AuthedRequest) -> HttpResponse:
    return _list_page(request, joint=True)


def list_detail(request: AuthedRequest, code: str) -> HttpResponse:
    item_list_obj = selectors.item_list_get(user=request.user, code=code)
    versions = selectors.versions_of(user=request.user, item_list=item_list_obj)
    return render(
        request,
        "catalog/list_detail.html",
        {
            "item_list": item_list_obj,
            "versions": versions,
            "has_draft": any(v.status == VersionStatus.DRAFT for v in versions),
            "can_manage": services.can_manage_list(request.user, item_list_obj),
        },
    )


@require_POST
def draft_create(request: AuthedRequest, code: str) -> HttpResponse:
    item_list_obj = selectors.item_list_get(user=request.user, code=code)
    try:
        version = services.version_draft_create(actor=request.user, item_list=item_list_obj)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("catalog:list_detail", code=code)
    messages.success(request, f"已生成第 {version.number} 版草稿，可在草稿中修改或导入后发布。")
    return redirect("catalog:version_detail", pk=version.pk)


# --- versions ---------------------------------------------------------------------------------


def _version_filters(request: AuthedRequest, version):
    departments = selectors.version_departments(version=version)
    form = ItemFilterForm(request.GET or None, departments=departments)
    form.is_valid()
    return form, getattr(form, "cleaned_data", {}) or {}


def version_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    version = selectors.version_get(user=request.user, pk=pk)
    can_manage = version.is_draft and services.can_manage_list(request.user, version.item_list)
    context = {"version": version, "item_list": version.item_list, "can_manage": can_manage}
    query = request.GET.copy()
    query.pop("page", None)
    context["query"] = query.urlencode()
    if version.item_list.kind == ListKind.JOINT:
        q = request.GET.get("q", "").strip()
        context["joint_items"] = selectors.version_joint_items(version=version, query=q)
        context["q"] = q
    else:
        form, data = _version_filters(request, version)
        items = selectors.version_items(
            version=version,
            query=data.get("q") or "",
            kind=data.get("kind") or "",
            method=data.get("method") or "",
            department=data.get("department") or "",
        )
        page = Paginator(items, 100).get_page(request.GET.get("page"))
        groups: list[dict] = []
        for item in page:
            category = item.category
            if not groups or groups[-1]["department"] != category.department_name:
                groups.append({"department": category.department_name, "categories": []})
            categories = groups[-1]["categories"]
            if not categories or categories[-1]["category"].pk != category.pk:
                categories.append({"category": category, "items": []})
            categories[-1]["items"].append(item)
        context.update({"form": form, "page": page, "groups": groups})
    if can_manage:
        context["publish_form"] = PublishForm(initial={"title": version.title})
    return render(request, "catalog/version_detail.html", context)


def version_export(request: AuthedRequest, pk: int) -> HttpResponse:
    version = selectors.version_get(user=request.user, pk=pk)
    name = f"{version.item_list.name}-第{version.number}版.xlsx"
    if version.item_list.kind == ListKind.JOINT:
        joints = selectors.version_joint_items(version=version, query=request.GET.get("q", ""))
        return xlsx_response(
            filename=name,
            title="联合抽查事项",
            headers=JOINT_EXPORT_HEADERS,
            rows=joint_rows(joints),
        )
    _form, data = _version_filters(request, version)
    items = selectors.version_items(
        version=version,
        query=data.get("q") or "",
        kind=data.get("kind") or "",
        method=data.get("method") or "",
        department=data.get("department") or "",
    )
    return xlsx_response(
        filename=name, title="抽查事项", headers=ITEM_EXPORT_HEADERS, rows=item_rows(items)
    )


@require_POST
def version_import(request: AuthedRequest, pk: int) -> HttpResponse:
    """Upload a file into this draft: the shared import pipeline with the list as target."""
    version = selectors.version_get(user=request.user, pk=pk)
    if not version.is_draft or not services.can_manage_list(request.user, version.item_list):
        raise PermissionDenied("catalog.manage")
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "请选择要导入的文件。")
        return redirect("catalog:version_detail", pk=pk)
    kind = "joint_items" if version.item_list.kind == ListKind.JOINT else "items"
    try:
        job = import_job_create(
            actor=request.user,
            kind=kind,
            upload=upload,
            filename=upload.name or "upload",
            options={"list": version.item_list.code},
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("catalog:version_detail", pk=pk)
    return redirect("core:import_job", pk=job.pk)


@require_POST
def version_publish(request: AuthedRequest, pk: int) -> HttpResponse:
    version = selectors.version_get(user=request.user, pk=pk)
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写版本标题和调整说明。")
        return redirect("catalog:version_detail", pk=pk)
    try:
        services.version_publish(
            actor=request.user,
            version=version,
            reason=form.cleaned_data["reason"],
            title=form.cleaned_data["title"],
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("catalog:version_detail", pk=pk)
    superseded = version.item_list.versions.filter(status=VersionStatus.SUPERSEDED).exists()
    note = "，原现行版本已被替代（仍可查阅）" if superseded else ""
    messages.success(request, f"第 {version.number} 版已发布{note}。")
    return redirect("catalog:version_detail", pk=pk)


@require_POST
def version_discard(request: AuthedRequest, pk: int) -> HttpResponse:
    version = selectors.version_get(user=request.user, pk=pk)
    code = version.item_list.code
    try:
        services.version_draft_discard(actor=request.user, version=version)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("catalog:version_detail", pk=pk)
    messages.info(request, "已放弃该草稿。")
    return redirect("catalog:list_detail", code=code)


# --- items ------------------------------------------------------------------------------------


def item_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    item = selectors.item_get(user=request.user, pk=pk)
    bases = [(basis, selectors.basis_articles(basis)) for basis in item.bases.all()]
    return render(
        request,
        "catalog/item_detail.html",
        {
            "item": item,
            "version": item.version,
            "bases": bases,
            "other_versions": selectors.item_versions(user=request.user, item=item),
            "can_manage": item.version.is_draft
            and services.can_manage_list(request.user, item.version.item_list),
        },
    )


@require_http_methods(["GET", "POST"])
def item_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    item = selectors.item_get(user=request.user, pk=pk)
    if not services.can_manage_list(request.user, item.version.item_list):
        raise PermissionDenied("catalog.manage")
    initial = {name: getattr(item, name) for name in services.ITEM_FIELDS}
    form = ItemForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.item_update(actor=request.user, item=item, data=form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, "已保存。")
            return redirect("catalog:item_detail", pk=item.pk)
    return render(request, "catalog/item_form.html", {"form": form, "item": item})


@require_POST
def item_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    item = selectors.item_get(user=request.user, pk=pk)
    version_pk = item.version_id
    try:
        services.item_delete(actor=request.user, item=item)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("catalog:item_detail", pk=pk)
    messages.info(request, "已从草稿中删除该事项。")
    return redirect("catalog:version_detail", pk=version_pk)


# --- regulation library -----------------------------------------------------------------------


def regulation_list(request: AuthedRequest) -> HttpResponse:
    scope = _require_view(request)
    query = request.GET.get("q", "").strip()
    level = request.GET.get("level", "")
    if level not in RegulationLevel.values:
        level = ""
    regulations = selectors.regulation_search(query=query, level=level)
    page = Paginator(regulations, 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "catalog/regulation_list.html",
        {
            "page": page,
            "q": query,
            "level": level,
            "levels": RegulationLevel.choices,
            "query": params.urlencode(),
            "can_import": scope.has("regulation.manage"),
        },
    )


def regulation_export(request: AuthedRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    level = request.GET.get("level", "")
    regulations = selectors.regulation_search(
        query=query, level=level if level in RegulationLevel.values else ""
    ).prefetch_related("articles")

    def rows():
        for regulation in regulations:
            meta = [
                regulation.title,
                regulation.issuer,
                regulation.doc_number,
                regulation.get_level_display(),
                regulation.effective_date,
                regulation.get_status_display(),
            ]
            articles = list(regulation.articles.all())
            if not articles:
                yield [*meta, "", ""]
            for article in articles:
                yield [*meta, article.label, article.text]

    from .importers import REGULATION_COLUMNS

    return xlsx_response(
        filename="法律法规库.xlsx",
        title="法律法规",
        headers=[c.header for c in REGULATION_COLUMNS],
        rows=rows(),
    )


def regulation_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    regulation = selectors.regulation_get(pk=pk)
    query = request.GET.get("q", "").strip()
    return render(
        request,
        "catalog/regulation_detail.html",
        {
            "regulation": regulation,
            "articles": selectors.article_search(regulation=regulation, query=query),
            "q": query,
            "citations": selectors.regulation_citations(user=request.user, regulation=regulation)[
                :200
            ],
        },
    )
