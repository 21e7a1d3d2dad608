"""Scoped reads of archives: a task is archivable by whoever holds `archive.download` over its
lead department or one of its participating departments; others get a 404."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import Department, User
from accounts.scope import Scope
from planning.models import InspectionTask

from .models import Archive


def tasks_archivable(*, user: User) -> QuerySet[InspectionTask]:
    scope = Scope.of(user)
    reachable = Department.objects.filter(scope.departments_q("archive.download", path=None))
    ids = InspectionTask.objects.filter(
        Q(lead_department__in=reachable) | Q(departments__department__in=reachable)
    ).values("pk")
    return (
        InspectionTask.objects.filter(pk__in=ids)
        .select_related("lead_department", "region")
        .order_by("-created_at")
    )


def task_get_archivable(*, user: User, pk: int) -> InspectionTask:
    task = tasks_archivable(user=user).filter(pk=pk).first()
    if task is None:
        raise Http404
    return task


def archives_of(task: InspectionTask) -> QuerySet[Archive]:
    return (
        Archive.objects.filter(task=task)
        .select_related("generated_by")
        .order_by("-generated_at", "-pk")
    )


def archive_get_visible(*, user: User, pk: int) -> Archive:
    archive = (
        Archive.objects.filter(pk=pk, task__in=tasks_archivable(user=user))
        .select_related("task", "task__lead_department", "generated_by")
        .first()
    )
    if archive is None:
        raise Http404
    return archive
