import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from audit.models import AuditEntry
from core.calendar_services import calendar_day_set, calendar_year_mark
from core.models import CalendarDay
from core.workdays import Calendar, add_workdays, is_workday

D = dt.date


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 10, 1), False),
        (D(2026, 10, 8), True),
        (D(2026, 10, 10), True),  # 补班 Saturday
        (D(2026, 9, 20), True),
        (D(2026, 2, 14), True),
        (D(2026, 11, 28), False),
        (D(2025, 1, 26), True),
    ],
)
def test_library_years_follow_the_official_schedule(db, day, expected):
    assert is_workday(day) is expected


def test_day_zero_is_the_event_day(db):
    # Thursday 2026-11-26 + 2 working days = Monday 2026-11-30 (Sat/Sun skipped)
    assert add_workdays(D(2026, 11, 26), 2).due == D(2026, 11, 30)
    assert add_workdays(D(2026, 11, 26), 0).due == D(2026, 11, 26)


def test_national_day_week_is_skipped(db):
    # Published 2026-09-30 (Wed); 5 working days: Oct 1–7 off, Oct 8, 9, 10 (补班), 12, 13
    deadline = add_workdays(D(2026, 9, 30), 5)
    assert deadline.due == D(2026, 10, 13)
    assert deadline.provisional is False


def test_beyond_the_bundled_data_deadlines_are_provisional_until_the_year_is_entered(db, people):
    deadline = add_workdays(D(2026, 12, 21), 20)
    assert deadline.provisional is True
    # 2026-12-21 (Mon) + 20 working days, 2027 counted Monday–Friday for now
    assert deadline.due == D(2027, 1, 18)
    assert deadline.label() == "2027-01-18（暂按周末推算，待录入该年放假安排后更正）"


def test_entering_next_years_schedule_corrects_deadlines(db, people, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="Root-Passw0rd!x")
    calendar_day_set(actor=admin, date=D(2027, 1, 1), kind="holiday", name="元旦")
    calendar_year_mark(actor=admin, year=2027, complete=True, source="国办发明电〔2026〕号（示例）")
    deadline = add_workdays(D(2026, 12, 21), 20)
    assert deadline == add_workdays(D(2026, 12, 21), 20)
    assert deadline.provisional is False
    assert deadline.due == D(2027, 1, 19)  # 2027-01-01 is now a holiday
    assert AuditEntry.objects.filter(action__startswith="calendar.").count() == 2


def test_overrides_win_over_the_library(db, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="Root-Passw0rd!x")
    calendar_day_set(actor=admin, date=D(2026, 11, 27), kind="holiday", name="地方性假日")
    assert is_workday(D(2026, 11, 27)) is False
    assert Calendar().workdays_between(D(2026, 11, 26), D(2026, 11, 30)) == 1


def test_only_platform_admins_edit_the_calendar(people):
    with pytest.raises(PermissionDenied):
        calendar_day_set(actor=people["kc_admin"], date=D(2027, 1, 1), kind="holiday")
    assert CalendarDay.objects.count() == 0
    assert not AuditEntry.objects.filter(action__startswith="calendar.").exists()
