"""Pages and downloads of the 一企一表 / 随机抽查通知书 documents. Scope: whoever can see the
task (planning.selectors) — others get a 404, as for the draw itself."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.http import AuthedRequest

from . import documents as docs
from .models import AssignmentStatus, Draw, DrawStatus
from .selectors import draw_get_visible


def _attachment(name: str, data: bytes, fmt: str) -> HttpResponse:
    response = HttpResponse(data, content_type=docs.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


def _batch_context(request: AuthedRequest, draw: Draw) -> dict[str, object]:
    variant = docs.personal_variant(request.user, draw.task)
    state = docs.batch_state(draw, variant)
    ready = bool(
        state
        and state.get("status") == "done"
        and draw.status == DrawStatus.DRAWN
        and docs.archive_path(draw, variant).exists()
    )
    stale = bool(ready and state and state.get("certificate_sha256") != draw.certificate_sha256)
    return {
        "draw": draw,
        "state": state,
        "running": docs.batch_is_running(state),
        "ready": ready and not stale,
        "masked": variant == "masked",
    }


def draw_documents(request: AuthedRequest, pk: int) -> HttpResponse:
    draw = draw_get_visible(user=request.user, pk=pk)
    assignments = (
        draw.assignments.filter(status=AssignmentStatus.ASSIGNED)
        .select_related("entity", "group", "group__leader")
        .order_by("sheet_number")
        if draw.status == DrawStatus.DRAWN
        else []
    )
    return render(
        request,
        "planning/documents/draw_documents.html",
        {
            **_batch_context(request, draw),
            "task": draw.task,
            "assignments": assignments,
            "formats": [(f, docs.FORMAT_LABELS[f]) for f in docs.FORMATS],
        },
    )


def sheet_download(request: AuthedRequest, pk: int, fmt: str) -> HttpResponse:
    assignment = docs.assignment_get_visible(user=request.user, pk=pk)
    try:
        name, data = docs.sheet_file(assignment=assignment, user=request.user, fmt=fmt)
    except docs.DocumentError as exc:
        raise Http404(str(exc)) from exc
    return _attachment(name, data, fmt)


def notice_download(request: AuthedRequest, pk: int, fmt: str) -> HttpResponse:
    assignment = docs.assignment_get_visible(user=request.user, pk=pk)
    try:
        name, data = docs.notice_file(assignment=assignment, user=request.user, fmt=fmt)
    except docs.DocumentError as exc:
        raise Http404(str(exc)) from exc
    return _attachment(name, data, fmt)


@require_POST
def batch_start(request: AuthedRequest, pk: int) -> HttpResponse:
    draw = draw_get_visible(user=request.user, pk=pk)
    try:
        docs.batch_start(draw=draw, user=request.user, formats=request.POST.getlist("format"))
    except docs.DocumentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "已开始生成全部文书，完成后可在本页下载压缩包。")
    return redirect("planning:draw_documents", pk=draw.pk)


def batch_status(request: AuthedRequest, pk: int) -> HttpResponse:
    draw = draw_get_visible(user=request.user, pk=pk)
    return render(request, "planning/documents/_batch_status.html", _batch_context(request, draw))


def batch_download(request: AuthedRequest, pk: int) -> FileResponse:
    draw = draw_get_visible(user=request.user, pk=pk)
    if not _batch_context(request, draw)["ready"]:
        raise Http404("没有可下载的文书压缩包")
    path = docs.archive_path(draw, docs.personal_variant(request.user, draw.task))
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"{draw.draw_id}-一企一表与通知书.zip",
        content_type="application/zip",
    )
