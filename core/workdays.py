"""Working days (工作日) for the deadlines in the seeds: 2 working days to confirm a dispatch,
20 (or 5) working days to publish results.

Sources, in order: the editable CalendarDay table (holidays and make-up working days entered by
an administrator), then the bundled chinesecalendar data (2004–2026), then — for years it does
not cover — Monday to Friday, which is *provisional* until the year is marked complete in
CalendarYear. Deadlines are computed from (start date, number of working days) whenever they
are shown, never stored, so entering next year's schedule corrects every deadline at once.

Counting convention (usual administrative practice): the day of the event is day 0; "within N
working days" ends at the close of the N-th working day after it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import chinese_calendar

from .models import CalendarDay, CalendarDayKind, CalendarYear

LIBRARY_YEARS = range(2004, 2027)


@dataclass(frozen=True)
class Deadline:
    due: dt.date
    provisional: bool  # computed with at least one day from a year whose schedule is incomplete

    def label(self) -> str:
        text = self.due.isoformat()
        return f"{text}（暂按周末推算，待录入该年放假安排后更正）" if self.provisional else text


class Calendar:
    """A snapshot of the calendar tables, so one deadline computation makes two queries."""

    def __init__(self) -> None:
        self.overrides = dict(CalendarDay.objects.values_list("date", "kind"))
        self.complete_years = set(
            CalendarYear.objects.filter(complete=True).values_list("year", flat=True)
        )

    def is_workday(self, day: dt.date) -> tuple[bool, bool]:
        """(is it a working day, is that answer provisional)."""
        kind = self.overrides.get(day)
        if kind is not None:
            return kind == CalendarDayKind.WORKDAY, False
        if day.year in LIBRARY_YEARS:
            return _library_is_workday(day), False
        return day.weekday() < 5, day.year not in self.complete_years

    def add_workdays(self, start: dt.date, count: int) -> Deadline:
        if count < 0:
            raise ValueError("count must be >= 0")
        day, remaining, provisional = start, count, False
        while remaining:
            day += dt.timedelta(days=1)
            working, guess = self.is_workday(day)
            provisional = provisional or guess
            if working:
                remaining -= 1
        return Deadline(day, provisional)

    def workdays_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end` (0 if end <= start)."""
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_workday(day)[0]:
                count += 1
        return count


@lru_cache(maxsize=4096)
def _library_is_workday(day: dt.date) -> bool:
    return bool(chinese_calendar.is_workday(day))


def add_workdays(start: dt.date, count: int) -> Deadline:
    return Calendar().add_workdays(start, count)


def is_workday(day: dt.date) -> bool:
    return Calendar().is_workday(day)[0]
