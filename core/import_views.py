"""Pages of the shared import pipeline: upload, progress/preview/errors, confirm, templates."""

from io import BytesIO
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from accounts.scope import Scope

from .exports import XLSX_TYPE, xlsx_response
from .http import AuthedRequest
from .importing import (
    MAX_UPLOAD_BYTES,
    import_job_cancel,
    import_job_confirm,
    import_job_create,
    importer_class,
    progress_get,
)
from .models import ImportJob


def _importer_or_404(kind: str):
    try:
        return importer_class(kind)
    except (ValidationError, ImportError, AttributeError):
        raise Http404 from None


def _require(request: AuthedRequest, cls) -> Scope:
    scope = Scope.of(request.user)
    if not scope.can(cls.permission, request.user.department):
        raise PermissionDenied(cls.permission)
    return scope


def _job_or_404(request: AuthedRequest, pk) -> ImportJob:
    job = ImportJob.objects.filter(pk=pk).select_related("uploaded_by", "department").first()
    if job is None:
        raise Http404
    cls = _importer_or_404(job.kind)
    scope = Scope.of(request.user)
    if job.uploaded_by_id != request.user.pk and not scope.can(cls.permission, job.department):
        raise Http404
    return job


@require_http_methods(["GET", "POST"])
def upload(request: AuthedRequest, kind: str) -> HttpResponse:
    cls = _importer_or_404(kind)
    _require(request, cls)
    error = ""
    if request.method == "POST":
        upload_file = request.FILES.get("file")
        if upload_file is None:
            error = "请选择要导入的文件。"
        else:
            try:
                job = import_job_create(
                    actor=request.user,
                    kind=kind,
                    upload=upload_file,
                    filename=upload_file.name or "upload",
                )
            except ValidationError as exc:
                error = "；".join(exc.messages)
            else:
                return redirect("core:import_job", pk=job.pk)
    recent = ImportJob.objects.filter(kind=kind, department=request.user.department)[:10]
    return render(
        request,
        "core/import_upload.html",
        {
            "importer": cls,
            "kind": kind,
            "error": error,
            "recent": recent,
            "max_mb": MAX_UPLOAD_BYTES // 1024 // 1024,
        },
    )


def job_detail(request: AuthedRequest, pk) -> HttpResponse:
    job = _job_or_404(request, pk)
    template = (
        "core/_import_job_body.html"
        if request.headers.get("HX-Request")
        else "core/import_job.html"
    )
    return render(
        request,
        template,
        {"job": job, "importer": importer_class(job.kind), "progress": progress_get(job.pk)},
    )


@require_POST
def job_confirm(request: AuthedRequest, pk) -> HttpResponse:
    job = _job_or_404(request, pk)
    try:
        import_job_confirm(actor=request.user, job=job)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("core:import_job", pk=job.pk)


@require_POST
def job_cancel(request: AuthedRequest, pk) -> HttpResponse:
    job = _job_or_404(request, pk)
    try:
        import_job_cancel(actor=request.user, job=job)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.info(request, "已取消该导入，未写入任何数据。")
    return redirect("core:import_job", pk=job.pk)


def job_errors(request: AuthedRequest, pk) -> HttpResponse:
    job = _job_or_404(request, pk)
    rows = ([e["row"] or "文件", e["column"], e["message"]] for e in job.errors)
    return xlsx_response(
        filename=f"导入错误-{job.original_name}.xlsx",
        title="错误明细",
        headers=["行号", "列", "错误说明"],
        rows=rows,
    )


def template_download(request: AuthedRequest, kind: str) -> HttpResponse:
    cls = _importer_or_404(kind)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = cls.label[:31]
    required_fill = PatternFill("solid", fgColor="FDE2E1")
    for index, column in enumerate(cls.columns, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = Font(bold=True)
        if column.required:
            cell.fill = required_fill
        sheet.cell(row=2, column=index, value=column.example or None)
        sheet.column_dimensions[cell.column_letter].width = max(12, len(column.header) * 2 + 4)
    notes = workbook.create_sheet("填写说明")
    notes.append(["列名", "是否必填", "说明", "示例"])
    for column in cls.columns:
        notes.append(
            [column.header, "必填" if column.required else "选填", column.help, column.example]
        )
    notes.append([])
    notes.append(
        [
            "第 2 行为示例，导入前请删除。带底色的列为必填列。同一文件可重复导入：已存在的记录按唯一标识更新。"
        ]
    )
    buffer = BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{quote(cls.label + '导入模板.xlsx')}"
    )
    return response
