from datetime import date, datetime, time

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import User
from accounts.scope import Scope

from .models import AuditEntry


def entry_list_visible(
    *,
    user: User,
    action: str = "",
    actor: str = "",
    object_type: str = "",
    department_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEntry]:
    scope = Scope.of(user)
    entries = AuditEntry.objects.filter(scope.departments_q("audit.view")).select_related(
        "department"
    )
    if action:
        entries = entries.filter(action__startswith=action)
    if actor:
        entries = entries.filter(
            Q(actor_username__icontains=actor) | Q(actor_name__icontains=actor)
        )
    if object_type:
        entries = entries.filter(object_type=object_type)
    if department_id:
        entries = entries.filter(department_id=department_id)
    tz = timezone.get_current_timezone()
    if date_from:
        entries = entries.filter(created_at__gte=datetime.combine(date_from, time.min, tz))
    if date_to:
        entries = entries.filter(created_at__lte=datetime.combine(date_to, time.max, tz))
    return entries.order_by("-seq")
