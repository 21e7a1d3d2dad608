"""Computed figures of the 月报表 from a small world, and the month boundaries (Beijing time)."""

import datetime as dt

import pytest

from inspections.models import SheetResult
from planning.models import Draw
from reports.selectors import Month, compute_figures

from .conftest import at

pytestmark = pytest.mark.usefixtures("reporting_day")

NOV = Month(2026, 11)


def task_row(lead):
    return {
        "number": "130827-2026-0001",
        "name": "2026年网吧联合抽查",
        "kind": "部门联合抽查",
        "joint": True,
        "lead": lead,
        "lead_department": "宽城县市场监督管理局",
        "planned": False,
        "region": "宽城满族自治县",
        "drawn_on": "2026-11-10",
        "population": 60,
        "drawn": 5,
    }


def test_november_figures_of_the_lead_department(world, depts):
    assert compute_figures(depts["kc_market"], NOV) == {
        "tasks": {
            "count": 1,
            "planned": 0,
            "joint": 1,
            "joint_lead": 1,
            "joint_participant": 0,
            "list": [task_row(True)],
        },
        "scope": {"population": 60, "drawn": 5, "ratio": "8.33%"},
        "items": {"major": 1, "minor": 2, "joint_items": 0},
        "results": {
            "published": 3,
            "inspected": 2,
            "problem": 1,
            "no_problem": 1,
            "unreachable": 1,
            "uncooperative": 0,
            "joint": 3,
            "site": "本平台“一公开”公示专栏（/public/）",
        },
        "followups": {"opened": 1, "closed": 0, "open_at_end": 1},
        "system": {
            "units_total": 2,
            "units_active": 1,
            "tasks": 1,
            "drawn": 5,
            "published": 3,
            "units": [
                {"name": "宽城县市场监督管理局", "tasks": 1, "drawn": 5, "published": 3},
                {"name": "宽城镇市场监管所", "tasks": 0, "drawn": 0, "published": 0},
            ],
        },
    }


def test_a_participant_counts_its_own_items_and_problems(world, depts):
    f = compute_figures(depts["kc_culture"], NOV)
    assert f["tasks"]["list"] == [task_row(False)]
    assert (f["tasks"]["joint_lead"], f["tasks"]["joint_participant"]) == (0, 1)
    assert f["items"] == {"major": 1, "minor": 1, "joint_items": 0}
    # The market's problem is not the culture department's: its own items all passed.
    assert (f["results"]["problem"], f["results"]["no_problem"]) == (0, 2)
    assert f["followups"] == {"opened": 0, "closed": 0, "open_at_end": 0}
    assert f["system"]["units_total"] == 1


def test_a_department_without_activity_reports_zeros(world, depts):
    f = compute_figures(depts["kc_justice"], NOV)
    assert f["tasks"]["count"] == 0
    assert f["scope"] == {"population": 0, "drawn": 0, "ratio": "—"}
    assert f["results"]["published"] == 0


def test_month_boundaries_are_beijing_dates(world, depts, settings):
    market = depts["kc_market"]
    dec = compute_figures(market, Month(2026, 12))
    # Sheet 4 was published at 2026-12-01 00:00:00 Beijing (= 2026-11-30 16:00 UTC).
    assert dec["results"]["published"] == 1
    assert dec["tasks"]["count"] == 0
    assert dec["followups"] == {"opened": 0, "closed": 0, "open_at_end": 1}
    assert compute_figures(market, Month(2026, 10))["results"]["published"] == 0

    # The last second of November counts in November, the first of December does not.
    sheet1 = world["sheets"][0].result
    SheetResult.objects.filter(pk=sheet1.pk).update(published_at=at(2026, 12, 1, 0, 0, 0))
    assert compute_figures(market, NOV)["results"]["published"] == 2
    assert compute_figures(market, Month(2026, 12))["results"]["published"] == 2

    draw = Draw.objects.filter(pk=world["draw"].pk)
    draw.update(drawn_at=at(2026, 12, 1, 0, 0, 0))
    assert compute_figures(market, NOV)["tasks"]["count"] == 0
    assert compute_figures(market, Month(2026, 12))["tasks"]["count"] == 1
    draw.update(drawn_at=at(2026, 11, 30, 23, 59, 59))
    assert compute_figures(market, NOV)["tasks"]["count"] == 1
    # Independent of the server's time zone setting.
    settings.TIME_ZONE = "UTC"
    draw.update(drawn_at=dt.datetime(2026, 11, 30, 16, 0, tzinfo=dt.UTC))
    assert compute_figures(market, NOV)["tasks"]["count"] == 0


def test_a_voided_draw_is_not_counted(world, depts):
    Draw.objects.filter(pk=world["draw"].pk).update(status="voided")
    f = compute_figures(depts["kc_market"], NOV)
    assert f["tasks"]["count"] == 0
    assert f["scope"]["drawn"] == 0
    # Results already published stay published.
    assert f["results"]["published"] == 3
