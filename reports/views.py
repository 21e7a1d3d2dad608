"""Pages of the 月报表. Views parse input and call one selector or service: a department outside
the user's `stats.view` scope is a 404; an entry or submission without `report.manage` is a 403
(raised by the service)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import Department
from accounts.scope import Scope
from core.exports import xlsx_response
from core.http import AuthedRequest

from . import exports, layout, selectors, services
from .forms import EntryForm, SubmitForm
from .models import EntryKind, ReportEntry, ReportRevision
from .selectors import DEFINITIONS, Month

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _require_stats(request: AuthedRequest) -> Scope:
    scope = Scope.of(request.user)
    if not scope.has("stats.view"):
        raise PermissionDenied("stats.view")
    return scope


def _month_from_query(request: AuthedRequest) -> Month:
    value = request.GET.get("month", "")
    if value:
        try:
            year, month = value.split("-")
            return Month.parse(year, month)
        except (ValueError, Http404):
            pass
    return Month.current()


def _bind(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            for message in errors:
                form.add_error(name if name in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def _detail_url(department: Department, month: Month) -> str:
    return reverse("reports:detail", args=[department.pk, month.year, month.month])


def index(request: AuthedRequest) -> HttpResponse:
    scope = _require_stats(request)
    month = _month_from_query(request)
    departments = list(selectors.departments_visible(user=request.user))
    if len(departments) == 1:
        return redirect(_detail_url(departments[0], month))
    return render(
        request,
        "reports/index.html",
        {
            "month": month,
            "month_value": f"{month.year:04d}-{month.month:02d}",
            "departments": departments,
            "own_id": scope.department_id,
        },
    )


def _summary_rows(request: AuthedRequest) -> tuple[Month, list[Any], str, list[Any]]:
    scope = _require_stats(request)
    month = _month_from_query(request)
    regions = selectors.summary_regions(user=request.user)
    codes = [code for code, _name in regions]
    region = request.GET.get("region") or scope.region_code
    if region not in codes:
        region = codes[0] if codes else ""
    rows = selectors.month_summary(user=request.user, month=month, region_code=region)
    return month, regions, region, rows


SUMMARY_HEADERS = (
    "部门",
    "状态",
    "最新版本",
    "报送时间",
    "报送人",
    "本月组织抽查（次）",
    "抽查（户）",
    "公示结果（户）",
    "SHA-256",
)


def summary_export(request: AuthedRequest) -> HttpResponse:
    month, regions, region, rows = _summary_rows(request)
    region_name = dict(regions).get(region, "")

    def lines() -> Any:
        for r in rows:
            if r.latest is None:
                yield [r.department.name, "未报送", "", "", "", "", "", "", ""]
                continue
            f = r.latest.data["figures"]
            yield [
                r.department.name,
                "已报送",
                f"第 {r.latest.number} 版",
                r.latest.submitted_at.astimezone(selectors.REPORT_TZ).strftime("%Y-%m-%d %H:%M"),
                r.latest.submitted_by.display_name,
                f["tasks"]["count"],
                f["scope"]["drawn"],
                f["results"]["published"],
                r.latest.sha256,
            ]

    return xlsx_response(
        filename=f"{region_name}{month.label}月报表报送情况.xlsx",
        title=f"{month.label}报送情况",
        headers=SUMMARY_HEADERS,
        rows=lines(),
    )


def summary(request: AuthedRequest) -> HttpResponse:
    month, regions, region, rows = _summary_rows(request)
    return render(
        request,
        "reports/summary.html",
        {
            "month": month,
            "month_value": f"{month.year:04d}-{month.month:02d}",
            "regions": regions,
            "region": region,
            "rows": rows,
            "submitted": sum(1 for r in rows if r.latest),
            "missing": sum(1 for r in rows if not r.latest),
        },
    )


def definitions(request: AuthedRequest) -> HttpResponse:
    _require_stats(request)
    return render(request, "reports/definitions.html", {"definitions": DEFINITIONS})


def _context(
    request: AuthedRequest,
    department: Department,
    month: Month,
    *,
    entry_forms: dict[str, EntryForm] | None = None,
    submit_form: SubmitForm | None = None,
) -> dict[str, Any]:
    scope = Scope.of(request.user)
    revisions = list(selectors.revisions_for(department, month))
    can_manage = scope.can("report.manage", department) and (month <= Month.current())
    data = selectors.report_data(department, month)
    entry_forms = entry_forms or {}
    if can_manage:
        for kind in EntryKind.values:
            entry_forms.setdefault(kind, EntryForm(kind=kind))
        if submit_form is None:
            contact = selectors.last_contact(department)
            submit_form = SubmitForm(
                resubmission=bool(revisions),
                initial={
                    "contact_name": contact.get("name", ""),
                    "contact_phone": contact.get("phone", ""),
                    "contact_mobile": contact.get("mobile", ""),
                },
            )
    entries = list(selectors.entries_for(department, month))
    return {
        "department": department,
        "month": month,
        "previous_month": month.previous(),
        "next_month": month.next() if month < Month.current() else None,
        "layout": layout.build(data, definitions=DEFINITIONS),
        "revisions": revisions,
        "can_manage": can_manage,
        "entry_sections": [
            (
                EntryKind(kind).label,
                kind,
                [e for e in entries if e.kind == kind],
                entry_forms.get(kind),
            )
            for kind in EntryKind.values
        ],
        "submit_form": submit_form,
    }


def _department_month(request: AuthedRequest, dept: int, year: int, month: int) -> Any:
    _require_stats(request)
    department = selectors.department_get_visible(user=request.user, pk=dept)
    return department, Month.parse(year, month)


def detail(request: AuthedRequest, dept: int, year: int, month: int) -> HttpResponse:
    department, m = _department_month(request, dept, year, month)
    return render(request, "reports/detail.html", _context(request, department, m))


@require_POST
def entry_add(request: AuthedRequest, dept: int, year: int, month: int) -> HttpResponse:
    department, m = _department_month(request, dept, year, month)
    kind = request.POST.get("kind", "")
    if kind not in EntryKind.values:
        raise Http404
    form = EntryForm(request.POST, kind=kind)
    if form.is_valid():
        try:
            services.entry_add(
                actor=request.user,
                department=department,
                month=m,
                kind=kind,
                **{k: v for k, v in form.cleaned_data.items()},
            )
        except ValidationError as exc:
            _bind(form, exc)
        else:
            messages.success(
                request, f"已添加{EntryKind(kind).label}：{form.cleaned_data['title']}"
            )
            return redirect(_detail_url(department, m) + "#entries")
    context = _context(request, department, m, entry_forms={kind: form})
    return render(request, "reports/detail.html", context, status=400)


@require_POST
def entry_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_stats(request)
    entry = (
        ReportEntry.objects.filter(
            pk=pk, department__in=selectors.departments_visible(user=request.user)
        )
        .select_related("department")
        .first()
    )
    if entry is None:
        raise Http404
    month = Month(entry.year, entry.month)
    services.entry_delete(actor=request.user, entry=entry)
    messages.success(request, f"已删除：{entry.title}")
    return redirect(_detail_url(entry.department, month) + "#entries")


@require_POST
def submit(request: AuthedRequest, dept: int, year: int, month: int) -> HttpResponse:
    department, m = _department_month(request, dept, year, month)
    resubmission = selectors.revisions_for(department, m).exists()
    form = SubmitForm(request.POST, resubmission=resubmission)
    if form.is_valid():
        try:
            revision = services.report_submit(
                actor=request.user,
                department=department,
                month=m,
                contact_name=form.cleaned_data["contact_name"],
                contact_phone=form.cleaned_data["contact_phone"],
                contact_mobile=form.cleaned_data["contact_mobile"],
                reason=form.cleaned_data.get("reason", ""),
            )
        except ValidationError as exc:
            _bind(form, exc)
        else:
            messages.success(request, f"已报送{m.label}月报表（第 {revision.number} 版）。")
            return redirect("reports:revision", pk=revision.pk)
    context = _context(request, department, m, submit_form=form)
    return render(request, "reports/detail.html", context, status=400)


# --- frozen revisions and exports --------------------------------------------------------------


def _revision_layout(revision: ReportRevision) -> layout.Layout:
    return layout.build(revision.data, revision=revision, definitions=DEFINITIONS)


def revision_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_stats(request)
    revision = selectors.revision_get_visible(user=request.user, pk=pk)
    later = ReportRevision.objects.filter(previous=revision).first()
    return render(
        request,
        "reports/revision.html",
        {
            "revision": revision,
            "layout": _revision_layout(revision),
            "verified": revision.verify(),
            "later": later,
            "month": Month(revision.year, revision.month),
        },
    )


def _filename(department: Department | str, month: Month, suffix: str, fmt: str) -> str:
    name = department if isinstance(department, str) else department.name
    return f"{name}{month.year}年{month.month}月双随机一公开监管工作月报表{suffix}.{fmt}"


def _download(the_layout: layout.Layout, fmt: str, filename: str) -> HttpResponse:
    if fmt == "xlsx":
        response = HttpResponse(exports.report_xlsx(the_layout), content_type=XLSX_TYPE)
    elif fmt == "docx":
        response = HttpResponse(exports.report_docx(the_layout), content_type=DOCX_TYPE)
    else:
        raise Http404
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def draft_export(request: AuthedRequest, dept: int, year: int, month: int, fmt: str) -> Any:
    department, m = _department_month(request, dept, year, month)
    data = selectors.report_data(department, m)
    the_layout = layout.build(data, definitions=DEFINITIONS)
    return _download(the_layout, fmt, _filename(department, m, "（草稿）", fmt))


def revision_export(request: AuthedRequest, pk: int, fmt: str) -> HttpResponse:
    _require_stats(request)
    revision = selectors.revision_get_visible(user=request.user, pk=pk)
    month = Month(revision.year, revision.month)
    suffix = f"（第{revision.number}版）"
    name = revision.data["department"]["name"]
    return _download(_revision_layout(revision), fmt, _filename(name, month, suffix, fmt))


def draft_print(request: AuthedRequest, dept: int, year: int, month: int) -> HttpResponse:
    department, m = _department_month(request, dept, year, month)
    data = selectors.report_data(department, m)
    return render(
        request,
        "reports/print.html",
        {"layout": layout.build(data, definitions=DEFINITIONS), "draft": True},
    )


def revision_print(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_stats(request)
    revision = selectors.revision_get_visible(user=request.user, pk=pk)
    return render(
        request, "reports/print.html", {"layout": _revision_layout(revision), "draft": False}
    )
