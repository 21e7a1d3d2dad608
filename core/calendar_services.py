"""Writes to the working-day calendar (platform administrators only; audited)."""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts.models import User
from audit.services import entry_append

from .models import CalendarDay, CalendarYear


def _require_platform_admin(actor: User) -> None:
    if not (actor.is_superuser and actor.is_active):
        raise PermissionDenied("calendar.manage")


@transaction.atomic
def calendar_day_set(*, actor: User, date: dt.date, kind: str, name: str = "") -> CalendarDay:
    _require_platform_admin(actor)
    current = CalendarDay.objects.filter(date=date).first()
    before = {"kind": current.kind, "name": current.name} if current else None
    day = CalendarDay(date=date, kind=kind, name=name)
    day.full_clean(validate_unique=False)
    day.save()
    entry_append(
        actor=actor,
        role="platform_admin",
        action="calendar.day_set",
        instance=day,
        before=before,
        after={"kind": kind, "name": name},
        region_code="",
    )
    return day


@transaction.atomic
def calendar_day_clear(*, actor: User, date: dt.date) -> None:
    _require_platform_admin(actor)
    day = CalendarDay.objects.filter(date=date).first()
    if day is None:
        return
    entry_append(
        actor=actor,
        role="platform_admin",
        action="calendar.day_clear",
        instance=day,
        before={"kind": day.kind, "name": day.name},
        region_code="",
    )
    day.delete()


@transaction.atomic
def calendar_year_mark(*, actor: User, year: int, complete: bool, source: str) -> CalendarYear:
    _require_platform_admin(actor)
    record, _ = CalendarYear.objects.get_or_create(year=year)
    before = {"complete": record.complete, "source": record.source}
    record.complete, record.source = complete, source
    record.full_clean()
    record.save()
    entry_append(
        actor=actor,
        role="platform_admin",
        action="calendar.year_mark",
        instance=record,
        before=before,
        after={"complete": complete, "source": source},
        region_code="",
    )
    return record
