"""Every KPI of the world in conftest.py, asserted exactly, for each kind of reader."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from stats import selectors
from stats.tests.conftest import TODAY

pytestmark = pytest.mark.django_db


def board(user, params=None):
    flt = selectors.filter_build(user=user, params={"year": "2026", **(params or {})})
    return selectors.dashboard(user=user, flt=flt, today=TODAY)


def numbers(b):
    return {k.key: k.numbers for k in b.kpis}


def met(b, key):
    return [c.met for c in b.kpi(key).checks]


def test_supervisor_sees_every_figure_of_the_county(world, people, depts):
    b = board(people["kc_supervisor"])
    n = numbers(b)
    assert n["coverage"] == {"live": 60, "drawn": 9, "covered": 9, "inspected": 4}
    assert b.kpi("coverage").value == "15.00%"
    assert met(b, "coverage") == [True, True]
    assert n["rounds"]["per_department"] == {
        depts["kc_justice"].pk: 0,
        depts["kc_market"].pk: 2,
        depts["kc_culture"].pk: 2,
        depts["kc_town_market"].pk: 0,
    }
    assert n["rounds"]["met"] == 2 and met(b, "rounds") == [False]
    assert n["per_entity"] == {"distribution": {1: 9}, "over": 0}
    assert met(b, "per_entity") == [True]
    assert n["joint"] == {"tasks": 3, "joint_tasks": 1, "entities": 9, "joint_entities": 5}
    assert b.kpi("joint").value == "次数 33.33%，户数 55.56%"
    assert met(b, "joint") == [True, True]
    assert n["credit"] == {"total": 9, "credit_based": 3, "credit_tasks": 1}
    assert met(b, "credit") == [False]
    assert n["publication"] == {"due": 3, "published": 2, "on_time": 1, "overdue": 1}
    assert b.kpi("publication").value == "公示率 66.67%，按期公示率 33.33%"
    assert met(b, "publication") == [False, False]
    assert n["dispatch"] == {"due": 4, "on_time": 2, "late": 1, "overdue": 1, "pending": 0}
    assert met(b, "dispatch") == [False]
    assert n["followups"] == {"opened": 3, "closed": 1, "overdue": 1, "closed_late": 0}
    assert met(b, "followups") == [False]
    assert n["changes"] == {"voided": 1, "inspector_replacements": 1, "target_replacements": 1}
    changes = b.kpi("changes").tables
    per_task = {row[0]: row[3:] for row in changes[0].rows}
    assert per_task == {
        world["t1"].number: [1, 0, 0, 0],
        world["t2"].number: [1, 0, 1, 1],
        world["t3"].number: [2, 1, 0, 0],
    }
    assert changes[1].rows == [
        ["宽城县市场监督管理局", 0, 1, 1],
        ["宽城县旅游和文化广电局", 1, 0, 0],
    ]
    # every target cites the document it comes from, by title
    assert all(c.target.seed.startswith(("《", "本平台")) for k in b.kpis for c in k.checks)


def test_drill_down_rows_are_the_lower_regions_and_the_departments(world, people, depts):
    b = board(people["kc_supervisor"])
    assert [(r.label, r.coverage, r.tasks) for r in b.regions] == [("宽城镇", "0.00%", 0)]
    rows = {r.label: (r.coverage, r.tasks, r.joint, r.published) for r in b.departments}
    assert rows["宽城县市场监督管理局"] == ("13.33%", 2, "50.00%", "66.67%")
    assert rows["宽城县旅游和文化广电局"] == ("10.00%", 2, "50.00%", "66.67%")
    assert rows["宽城县司法局"] == ("—", 0, "—", "—")
    market = next(r for r in b.departments if r.label == "宽城县市场监督管理局")
    assert market.query["department"] == str(depts["kc_market"].pk)


def test_a_department_sees_only_its_own_tasks(world, people, depts):
    b = board(people["kc_market_admin"])
    n = numbers(b)
    assert [t.pk for t in b.tasks] == [world["t1"].pk, world["t2"].pk]
    # department-limited reader: the denominator is the entities the market supervises
    assert n["coverage"] == {"live": 60, "drawn": 8, "covered": 8, "inspected": 4}
    assert n["joint"] == {"tasks": 2, "joint_tasks": 1, "entities": 8, "joint_entities": 5}
    assert n["dispatch"] == {"due": 2, "on_time": 1, "late": 0, "overdue": 1, "pending": 0}
    assert n["followups"] == {"opened": 2, "closed": 1, "overdue": 1, "closed_late": 0}
    assert n["changes"] == {"voided": 0, "inspector_replacements": 1, "target_replacements": 1}
    culture = board(people["kc_culture_admin"])
    assert [t.pk for t in culture.tasks] == [world["t1"].pk, world["t3"].pk]
    assert numbers(culture)["coverage"]["covered"] == 6
    assert numbers(culture)["followups"] == {
        "opened": 1,
        "closed": 0,
        "overdue": 0,
        "closed_late": 0,
    }
    # another department of the same region, and one above, are out of reach
    with pytest.raises(Http404):
        selectors.filter_build(
            user=people["kc_market_admin"], params={"department": depts["kc_culture"].pk}
        )
    with pytest.raises(Http404):
        selectors.filter_build(
            user=people["kc_market_admin"], params={"department": depts["cd_market"].pk}
        )


def test_choosing_a_department_narrows_a_supervisor_to_it(world, people, depts):
    b = board(people["kc_supervisor"], {"department": str(depts["kc_culture"].pk)})
    assert [t.pk for t in b.tasks] == [world["t1"].pk, world["t3"].pk]
    assert numbers(b)["coverage"] == {"live": 60, "drawn": 6, "covered": 6, "inspected": 4}
    assert numbers(b)["changes"]["voided"] == 1
    assert b.regions == [] and b.departments == []


def test_upper_levels_see_below_and_other_counties_see_nothing(world, people, make_user):
    city = board(people["cd_market_admin"])  # same kind below: the county market bureau
    assert [t.pk for t in city.tasks] == [world["t1"].pk, world["t2"].pk]
    xl = make_user("xl_supervisor", "xl_market", "supervisor")
    other = board(xl)
    assert other.flt.region.code == "130822"
    assert other.tasks == []
    assert numbers(other)["coverage"] == {"live": 0, "drawn": 0, "covered": 0, "inspected": 0}
    # nothing to judge, except that the county's market bureau has run no round this year
    assert {k.key: [c.met for c in k.checks] for k in other.kpis} == {
        "coverage": [None, None],
        "rounds": [False],
        "per_entity": [None],
        "joint": [None, None],
        "credit": [None],
        "publication": [None, None],
        "dispatch": [None],
        "followups": [None],
        "changes": [],
    }
    with pytest.raises(Http404):
        selectors.filter_build(user=xl, params={"region": "130827"})
    with pytest.raises(Http404):
        selectors.task_sheets(user=xl, pk=world["t1"].pk)
    with pytest.raises(Http404):
        selectors.task_sheets(user=people["kc_market_admin"], pk=world["t3"].pk)


def test_inspectors_have_no_statistics(world, people):
    with pytest.raises(PermissionDenied):
        selectors.filter_build(user=people["kc_market_insp"], params={})
    with pytest.raises(PermissionDenied):
        selectors.task_sheets(user=people["kc_market_insp"], pk=world["t1"].pk)


def test_periods_select_by_the_draw_date(world, people):
    q4 = board(people["kc_supervisor"], {"period": "quarter", "quarter": "4"})
    assert numbers(q4)["joint"]["tasks"] == 3
    # per-year targets are not judged on part of a year
    assert met(q4, "coverage") == [None, None]
    q3 = board(people["kc_supervisor"], {"period": "quarter", "quarter": "3"})
    assert numbers(q3)["joint"]["tasks"] == 0
    nov = board(people["kc_supervisor"], {"period": "month", "month": "11"})
    assert numbers(nov)["coverage"]["drawn"] == 9
    day = board(
        people["kc_supervisor"], {"period": "range", "start": "2026-11-02", "end": "2026-11-02"}
    )
    assert numbers(day)["publication"]["due"] == 3
    before = board(
        people["kc_supervisor"], {"period": "range", "start": "2026-01-01", "end": "2026-11-01"}
    )
    assert numbers(before)["changes"]["voided"] == 0


def test_entities_over_the_yearly_cap_are_listed(world, people):
    from planning.models import Assignment

    # A record drawn twice in 2026 where one task allowed once (e.g. data entered before the
    # platform enforced the cap): T2's sheet now points at one of T1's entities.
    t1_entity = world["d1"].assignments.order_by("sheet_number").first().entity
    t2_sheet = world["d2"].assignments.filter(status="assigned").order_by("sheet_number").first()
    Assignment.objects.filter(pk=t2_sheet.pk).update(entity=t1_entity)
    b = board(people["kc_supervisor"])
    assert numbers(b)["per_entity"] == {"distribution": {1: 7, 2: 1}, "over": 1}
    assert met(b, "per_entity") == [False]
    assert b.kpi("per_entity").tables[1].rows == [[t1_entity.name, t1_entity.uscc, 2026, 2, 1]]


def test_task_sheets_show_each_deadline(world, people):
    view = selectors.task_sheets(user=people["kc_supervisor"], pk=world["t1"].pk, today=TODAY)
    assert len(view.figures) == 5
    first = view.figures[0]
    assert first.inspected_on == dt.date(2026, 11, 2)
    assert first.deadline is not None and first.deadline.due == dt.date(2026, 11, 9)
    assert first.on_time
    assert [(x.due, x.on_time) for x in view.figures] == [
        (True, True),
        (True, False),
        (True, False),
        (False, False),
        (False, False),
    ]
    assert view.kpis[0].numbers == {"due": 3, "published": 2, "on_time": 1, "overdue": 1}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "week"}, "period"),
        ({"year": "abc"}, "year"),
        ({"period": "quarter", "quarter": "5"}, "quarter"),
        ({"period": "range", "start": "2026-12-01", "end": "2026-11-01"}, "end"),
        ({"period": "range", "start": "昨天", "end": "2026-11-01"}, "start"),
    ],
)
def test_bad_periods_name_the_field(params, field):
    with pytest.raises(ValidationError) as exc:
        selectors.period_parse(params, today=TODAY)
    assert field in exc.value.message_dict


def test_periods():
    p = selectors.period_parse({"period": "month", "year": "2024", "month": "2"}, today=TODAY)
    assert (p.start, p.end, p.label, p.whole_year) == (
        dt.date(2024, 2, 1),
        dt.date(2024, 2, 29),
        "2024年2月",
        False,
    )
    q = selectors.period_parse({"period": "quarter", "year": "2026", "quarter": "4"})
    assert (q.start, q.end) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    y = selectors.period_parse({}, today=TODAY)
    assert (y.start, y.end, y.whole_year) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31), True)
