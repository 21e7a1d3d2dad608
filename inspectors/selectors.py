"""Reads of inspectors, experts and conflicts.

User-facing reads are filtered by scope (inspector.view by the record's department); a record
outside scope is a 404. `inspectors_eligible_on` and `conflicts_in_force_on` are for the draw,
which has authorised the department itself: they answer "as of day D" from the dated histories.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from accounts.models import Department, User
from accounts.scope import Scope
from audit.models import AuditEntry

from .models import (
    ConflictOfInterest,
    Expert,
    Inspector,
    InspectorCertificate,
    InspectorStatus,
    InspectorStatusPeriod,
)

VIEW = "inspector.view"
MANAGE = "inspector.manage"
EXPIRING_DAYS = 30


def _covers(date: dt.date, prefix: str = "") -> Q:
    """Rows whose inclusive valid_from..valid_to range covers `date` (NULL ends are open)."""
    return (
        Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": date})
    ) & (Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": date}))


def status_on_subquery(date: dt.date) -> Subquery:
    periods = InspectorStatusPeriod.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=date),
        inspector=OuterRef("pk"),
        valid_from__lte=date,
    ).order_by("-valid_from", "-id")
    return Subquery(periods.values("status")[:1])


def inspector_status_on(inspector: Inspector, date: dt.date) -> str | None:
    """The inspector's status on `date`, or None before they were registered."""
    period = (
        InspectorStatusPeriod.objects.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=date),
            inspector=inspector,
            valid_from__lte=date,
        )
        .order_by("-valid_from", "-id")
        .first()
    )
    return period.status if period else None


def certificate_valid_on(inspector: Inspector, date: dt.date) -> bool:
    return inspector.certificates.filter(_covers(date)).exists()


def inspectors_eligible_on(*, department: Department, date: dt.date) -> QuerySet[Inspector]:
    """Inspectors of `department` who may be drawn on `date`: record active, status 在岗 on that
    date, and a certificate (current or earlier) valid on that date — the expiry day itself
    still counts, the day after does not."""
    on_duty = InspectorStatusPeriod.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=date),
        inspector=OuterRef("pk"),
        valid_from__lte=date,
        status=InspectorStatus.ON_DUTY,
    )
    certified = InspectorCertificate.objects.filter(_covers(date), inspector=OuterRef("pk"))
    return (
        Inspector.objects.filter(department=department, is_active=True)
        .filter(Exists(on_duty), Exists(certified))
        .order_by("certificate_no")
    )


def conflicts_in_force_on(*, inspector_ids: Iterable[int], date: dt.date) -> dict[int, set[str]]:
    """inspector id → the entity keys (USCC / 注册号) they must not be assigned to on `date`."""
    result: dict[int, set[str]] = defaultdict(set)
    rows = ConflictOfInterest.objects.filter(
        _covers(date), inspector_id__in=list(inspector_ids), withdrawn_at__isnull=True
    ).values_list("inspector_id", "entity_key")
    for inspector_id, key in rows:
        result[inspector_id].add(key)
    return dict(result)


# --- scoped reads ----------------------------------------------------------------------------


def inspector_list_visible(
    *,
    user: User,
    query: str = "",
    department_id: int | None = None,
    status: str = "",
    specialty_id: int | None = None,
    expiring: bool = False,
    active: bool | None = None,
) -> QuerySet[Inspector]:
    """Inspectors `user` may see, with `current_status` (status today) annotated."""
    scope = Scope.of(user)
    today = timezone.localdate()
    inspectors = (
        Inspector.objects.filter(scope.departments_q(VIEW))
        .select_related("department", "department__region", "user")
        .prefetch_related("specialties")
        .annotate(current_status=status_on_subquery(today))
    )
    if query:
        inspectors = inspectors.filter(
            Q(name__icontains=query) | Q(certificate_no__icontains=query.replace(" ", "").upper())
        )
    if department_id:
        inspectors = inspectors.filter(department_id=department_id)
    if status:
        inspectors = inspectors.filter(current_status=status)
    if specialty_id:
        inspectors = inspectors.filter(specialties__id=specialty_id).distinct()
    if expiring:
        inspectors = inspectors.filter(
            valid_to__gte=today, valid_to__lte=today + dt.timedelta(days=EXPIRING_DAYS)
        )
    if active is not None:
        inspectors = inspectors.filter(is_active=active)
    return inspectors.order_by("department__region_id", "department__name", "name", "pk")


def inspector_get_visible(*, user: User, pk: int) -> Inspector:
    try:
        return inspector_list_visible(user=user).get(pk=pk)
    except Inspector.DoesNotExist:
        raise Http404 from None


def inspector_can_see_personal(scope: Scope, inspector: Inspector) -> bool:
    """Phones and ID numbers in full: managers of the inspector's department, and the inspector
    themselves (their linked account)."""
    if inspector.user_id is not None and inspector.user_id == scope.user_id:
        return True
    return scope.can(MANAGE, inspector.department)


def inspector_history(inspector: Inspector, *, limit: int = 50) -> QuerySet[AuditEntry]:
    """The audit entries about this inspector (create, updates, status, certificates, account,
    conflicts), newest first. Shown without the before/after snapshots."""
    return AuditEntry.objects.filter(
        object_type=Inspector._meta.label_lower, object_id=str(inspector.pk)
    ).order_by("-seq")[:limit]


def expert_list_visible(
    *,
    user: User,
    query: str = "",
    department_id: int | None = None,
    status: str = "",
    specialty_id: int | None = None,
) -> QuerySet[Expert]:
    scope = Scope.of(user)
    experts = (
        Expert.objects.filter(scope.departments_q(VIEW))
        .select_related("department", "department__region")
        .prefetch_related("specialties")
    )
    if query:
        experts = experts.filter(Q(name__icontains=query) | Q(organisation__icontains=query))
    if department_id:
        experts = experts.filter(department_id=department_id)
    if status:
        experts = experts.filter(status=status)
    if specialty_id:
        experts = experts.filter(specialties__id=specialty_id).distinct()
    return experts.order_by("department__region_id", "department__name", "name", "pk")


def expert_get_visible(*, user: User, pk: int) -> Expert:
    try:
        return expert_list_visible(user=user).get(pk=pk)
    except Expert.DoesNotExist:
        raise Http404 from None


def expert_history(expert: Expert, *, limit: int = 50) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(
        object_type=Expert._meta.label_lower, object_id=str(expert.pk)
    ).order_by("-seq")[:limit]


def departments_visible(*, user: User) -> QuerySet[Department]:
    """Departments whose inspectors `user` may see (for the filter)."""
    return Department.objects.filter(Scope.of(user).departments_q(VIEW, path=None)).order_by(
        "region_id", "name"
    )


def departments_manageable(*, user: User) -> QuerySet[Department]:
    return Department.objects.filter(Scope.of(user).departments_q(MANAGE, path=None)).order_by(
        "region_id", "name"
    )
