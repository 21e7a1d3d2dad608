"""The hand count of issue 7: the statistics of the demo county equal the figures the demo
loaders state in their docstrings (planning/demo.py: one joint task, 60 entities drawn;
inspections/demo.py: a completed market task — 10 sheets, 9 published, 1 returned, follow-ups 2,
open 1, closed 1, one draw, dispatch confirmed) — and so does the market bureau's 月报表 of the month."""

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import timezone

from inspections import demo
from stats import selectors

pytestmark = pytest.mark.django_db


def test_kpis_match_the_hand_count_of_the_demo(tmp_path, settings):
    from accounts.models import Department, User
    from inspections.models import SheetState
    from planning.models import InspectionTask
    from regions.services import regions_load

    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    regions_load(directory=django_settings.DIVISIONS_DIR, only_province="13")
    regions_load(directory=django_settings.DIVISIONS_DIR, only_province="46")
    call_command("load_demo")
    today = timezone.localdate()
    supervisor = User.objects.get(username="kc.supervisor")  # 宽城满族自治县司法局
    market = Department.objects.get(region_id="130827", short_name="县市场监督管理局")
    # The demo's history: the 第三批 drawn about six weeks ago (perhaps last year), the joint
    # task today; a period from the 第三批's draw to today holds both.
    drawn_on = demo.draw_day(today)
    year = {"period": "range", "start": drawn_on.isoformat(), "end": today.isoformat()}

    # The county: two drawn tasks (the joint one of seed 002 and the market's 第三批), one of
    # them joint; 60 + 10 sheets, all from tasks differentiated by credit-risk grade.
    county = selectors.dashboard(
        user=supervisor, flt=selectors.filter_build(user=supervisor, params=year), today=today
    )
    joint = county.kpi("joint").numbers
    assert (joint["tasks"], joint["joint_tasks"]) == (2, 1)
    assert county.kpi("credit").numbers == {"total": 70, "credit_based": 70, "credit_tasks": 2}
    assert county.kpi("changes").numbers == {
        "voided": 0,
        "inspector_replacements": 0,
        "target_replacements": 0,
    }
    assert county.kpi("followups").numbers["opened"] == 2

    # The market task, sheet by sheet.
    task = InspectionTask.objects.get(name=demo.task_name(drawn_on.year))
    view = selectors.task_sheets(user=supervisor, pk=task.pk, today=today)
    assert len(view.figures) == 10
    assert sum(1 for x in view.figures if x.published_on is not None) == 9
    returned = [x for x in view.figures if x.sheet and x.sheet.state == SheetState.RETURNED]
    assert len(returned) == 1 and returned[0].published_on is None
    publication, dispatch, followups = (k.numbers for k in view.kpis)
    assert publication["published"] == 9
    # every published sheet on time; the returned one counts as due once its deadline passed
    late = int(today > returned[0].deadline.due)
    assert (publication["due"], publication["overdue"]) == (9 + late, late)
    assert publication["on_time"] == 9
    assert dispatch == {"due": 1, "on_time": 1, "late": 0, "overdue": 0, "pending": 0}
    assert followups["opened"] == 2 and followups["closed"] == 1
    assert followups["opened"] - followups["closed"] == 1

    # The market bureau's own view: its two tasks (it takes part in the joint one).
    own = selectors.dashboard(
        user=supervisor,
        flt=selectors.filter_build(user=supervisor, params={**year, "department": market.pk}),
        today=today,
    )
    assert [t.pk for t in own.tasks] == sorted(
        [task.pk, InspectionTask.objects.get(kind="joint").pk],
        key=lambda pk: InspectionTask.objects.get(pk=pk).number,
    )
    assert own.kpi("publication").numbers["published"] == 9

    # The monthly reports (月报表, seed 003) of the market bureau over the months of the demo's
    # history add up to the same figures (the 第三批 and its results may span two months).
    from reports.selectors import Month, compute_figures

    months, month = [], Month(drawn_on.year, drawn_on.month)
    while month.first_day <= today:
        months.append(compute_figures(market, month))
        month = month.next()

    def total(section, key):
        return sum(figures[section][key] for figures in months)

    tasks = {k: total("tasks", k) for k in ("count", "joint", "joint_lead", "joint_participant")}
    assert tasks == {"count": 2, "joint": 1, "joint_lead": 0, "joint_participant": 1}
    published = {k: total("results", k) for k in ("published", "inspected", "problem")}
    assert published == {"published": 9, "inspected": 8, "problem": 2}
    assert (total("results", "unreachable"), total("results", "uncooperative")) == (1, 0)
    assert total("results", "joint") == 0
    assert (total("followups", "opened"), total("followups", "closed")) == (2, 1)
    assert months[-1]["followups"]["open_at_end"] == 1
