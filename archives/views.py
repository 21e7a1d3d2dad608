"""Pages of 立卷归档: a task's archives, generation (background job, progress via htmx) and the
download of a stored archive. `archive.download` is required (403); a task outside the user's
departments is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.scope import Scope
from core.http import AuthedRequest
from planning.documents import personal_variant
from planning.models import InspectionTask

from . import jobs, selectors, services
from .models import Archive


def _require(request: AuthedRequest) -> None:
    if not Scope.of(request.user).has("archive.download"):
        raise PermissionDenied("archive.download")


def _may_download(request: AuthedRequest, archive: Archive) -> bool:
    return not archive.personal_data or personal_variant(request.user, archive.task) == "full"


def _status_context(request: AuthedRequest, task: InspectionTask) -> dict[str, object]:
    state = jobs.job_state(task)
    archive = None
    if state and state.get("status") == "done" and state.get("archive"):
        archive = Archive.objects.filter(task=task, pk=state["archive"]).first()
    return {
        "task": task,
        "state": state,
        "running": jobs.job_is_running(state),
        "archive": archive,
        # the job's archive may be someone else's with personal data this reader may not fetch
        "archive_downloadable": archive is not None and _may_download(request, archive),
    }


def task_list(request: AuthedRequest) -> HttpResponse:
    _require(request)
    tasks = selectors.tasks_archivable(user=request.user)[:500]
    return render(request, "archives/task_list.html", {"tasks": tasks})


def task_archive(request: AuthedRequest, pk: int) -> HttpResponse:
    _require(request)
    task = selectors.task_get_archivable(user=request.user, pk=pk)
    contents = services.Contents.load(task)
    # each stored zip is re-hashed on view, so a file swapped or damaged on disk shows at once
    archives = [
        (a, _may_download(request, a), services.archive_intact(a))
        for a in selectors.archives_of(task)
    ]
    return render(
        request,
        "archives/task_archive.html",
        {
            **_status_context(request, task),
            "archives": archives,
            "open_matters": contents.open_matters() if contents.draws else [],
            "has_draws": bool(contents.draws),
        },
    )


@require_POST
def generate(request: AuthedRequest, pk: int) -> HttpResponse:
    _require(request)
    task = selectors.task_get_archivable(user=request.user, pk=pk)
    try:
        jobs.job_start(task=task, user=request.user)
    except services.ArchiveError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "已开始生成卷宗，完成后可在本页下载。")
    return redirect("archives:task_archive", pk=task.pk)


def status(request: AuthedRequest, pk: int) -> HttpResponse:
    _require(request)
    task = selectors.task_get_archivable(user=request.user, pk=pk)
    return render(request, "archives/_status.html", _status_context(request, task))


def download(request: AuthedRequest, pk: int) -> FileResponse:
    _require(request)
    archive = selectors.archive_get_visible(user=request.user, pk=pk)
    if not _may_download(request, archive):
        raise PermissionDenied("entity.personal")
    path = services.archive_file(archive)
    if not path.is_file():
        raise Http404("卷宗文件已不存在")
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=archive.filename,
        content_type="application/zip",
    )
    response["X-Archive-SHA256"] = archive.sha256
    return response
