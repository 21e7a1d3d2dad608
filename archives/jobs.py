"""The archive job's state (queued → running → done/failed), kept in the shared progress cache
so the web page can show it while `manage.py db_worker` builds the archive."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from planning.models import InspectionTask

from . import services

STALE_AFTER = dt.timedelta(minutes=30)


def _key(task: InspectionTask) -> str:
    return f"archive:{task.pk}"


def job_state(task: InspectionTask) -> dict[str, Any] | None:
    value: dict[str, Any] | None = caches["progress"].get(_key(task))
    return value


def _put(task: InspectionTask, **values: Any) -> dict[str, Any]:
    state = job_state(task) or {}
    state.update(values, updated_at=timezone.now().isoformat())
    caches["progress"].set(_key(task), state, timeout=7 * 24 * 3600)
    return state


def job_is_running(state: dict[str, Any] | None) -> bool:
    if not state or state.get("status") not in {"queued", "running"}:
        return False
    updated = dt.datetime.fromisoformat(state["updated_at"])
    return timezone.now() - updated < STALE_AFTER


def job_start(*, task: InspectionTask, user: User) -> dict[str, Any]:
    """Queue the archive of `task` (refused while one is being built)."""
    from .tasks import generate_task_archive

    services.authorize_archive(user, task)
    if not task.draws.exists():
        raise services.ArchiveError("任务尚未冻结抽取，没有可归档的材料。")
    if job_is_running(job_state(task)):
        raise services.ArchiveError("本任务的卷宗正在生成，请等待完成后再试。")
    state = _put(
        task,
        status="queued",
        stage="",
        done=0,
        total=None,
        started_by=user.display_name,
        started_at=timezone.now().isoformat(),
        error="",
        archive=None,
    )
    transaction.on_commit(lambda: generate_task_archive.enqueue(task.pk, user.pk))
    return state


def job_run(*, task_pk: int, user_pk: int) -> None:
    task = InspectionTask.objects.select_related("lead_department").get(pk=task_pk)
    user = User.objects.get(pk=user_pk)
    _put(task, status="running")

    def progress(stage: str, done: int, total: int | None) -> None:
        _put(task, status="running", stage=stage, done=done, total=total)

    try:
        archive = services.archive_generate(actor=user, task=task, progress=progress)
    except PermissionDenied:
        _put(task, status="failed", error="权限已变化，不能生成本任务的卷宗。")
        return
    except services.ArchiveError as exc:
        _put(task, status="failed", error=str(exc))
        return
    except Exception:
        _put(task, status="failed", error="生成卷宗时发生系统错误，请联系系统管理员。")
        raise
    _put(task, status="done", archive=archive.pk, finished_at=timezone.now().isoformat())
