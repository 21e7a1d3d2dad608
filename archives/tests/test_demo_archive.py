"""The demo results (inspections/demo.py) on a small demo county — the departments and accounts
of core.demo, a few graded entities, the market bureau's items and inspectors — produce exactly
the figures its docstring promises, load once only, and archive as a 未结案 task."""

import datetime as dt
import json
import zipfile

import pytest

from inspections.tests.conftest import make_items, media  # noqa: F401  (fixture)

D = dt.date


@pytest.fixture
def demo_county(regions, scheme):
    from core.demo import demo_history

    with demo_history():  # set up at the start of the demo's history, as core.demo does
        return _demo_county(regions, scheme)


def _demo_county(regions, scheme):
    from accounts.models import User
    from core.demo import demo_load
    from inspectors.services import inspector_create, inspector_link_account
    from registry.identifiers import uscc_complete
    from registry.services import entity_create, grade_assign

    demo_load()
    from accounts.models import Department

    departments = {d.name: d for d in Department.objects.filter(region__code__startswith="1308")}
    market = departments["宽城满族自治县市场监督管理局"]
    org = User.objects.get(username="kc.sj.organizer")
    levels = {lvl.code: lvl for lvl in scheme.levels.all()}
    for n, grade in enumerate("AAAABBBBBCCCCCDDDEEE"):
        entity = entity_create(
            actor=org,
            name=f"宽城县演示个体户{n:02d}",
            region=regions["130827100"],
            uscc=uscc_complete(f"92130827MA{n:07d}"),
            entity_type="individual" if n % 2 else "company",
            registered_on=D(2020, 1, 1),
        )
        grade_assign(actor=org, entity=entity, level=levels[grade], valid_from=D(2025, 1, 1))
    make_items(market, ["营业执照公示情况", "年度报告公示情况", "食品经营许可"])
    for n in range(5):
        inspector = inspector_create(
            actor=None,
            department=market,
            name=f"市场检查员{n}",
            certificate_no=f"130827201940{n:02d}",
            valid_from=D(2019, 1, 1),
            valid_to=D(2029, 12, 31),
            status_from=D(2019, 1, 1),
        )
        if n < 3:
            user = User.objects.get(username=f"kc.sj.inspector{n + 1}")
            inspector_link_account(actor=None, inspector=inspector, user=user)
    return departments


def test_demo_results_have_the_documented_figures_and_archive(clock, demo_county):
    from django.utils import timezone

    from accounts.models import User
    from archives import services
    from audit.models import AuditEntry
    from inspections import demo
    from inspections.models import (
        CorrectionState,
        Evidence,
        FollowUp,
        ResultCorrection,
        SheetResult,
        SheetState,
    )
    from inspections.services import publication_due
    from planning.models import InspectionTask, InspectorExclusion

    today = clock.today()
    summary = demo.demo_load(departments=demo_county)
    drawn_on = demo.draw_day(today)
    task = InspectionTask.objects.get(name=demo.task_name(drawn_on.year))
    assert summary == (
        f"检查结果：{task.name}（{task.number}）已抽取 10 户，已公示 9 户，退回 1 户，"
        "住所无法联系 1 户，更正 1 件，后续处置 2 件（未完结 1 件）"
    )
    assert today - dt.timedelta(days=42) <= drawn_on < today - dt.timedelta(days=30)
    assert (task.status, task.window_start, task.window_end) == (
        "dispatched",
        drawn_on,
        today + dt.timedelta(days=14),
    )
    sheets = SheetResult.objects.filter(assignment__task=task)
    assert sheets.count() == 10
    assert sheets.filter(state=SheetState.PUBLISHED).count() == 9
    assert sheets.filter(state=SheetState.RETURNED).count() == 1
    assert sheets.filter(outcome="unreachable", state=SheetState.PUBLISHED).count() == 1
    assert sheets.filter(signature_status="refused", state=SheetState.PUBLISHED).count() == 1
    assert [c.state for c in ResultCorrection.objects.filter(sheet__in=sheets)] == [
        CorrectionState.PUBLISHED
    ]
    followups = FollowUp.objects.filter(sheet__in=sheets)
    assert sorted(followups.values_list("status", flat=True)) == ["closed", "open"]
    assert Evidence.objects.filter(sheet__in=sheets).count() == 4
    # The two market inspectors without a login were excluded before the freeze; the drawn
    # group's members are demo accounts, and they entered the results.
    assert InspectorExclusion.objects.filter(task=task).count() == 2
    members = task.draws.get().groups.get().members.filter(active=True)
    entered_by = set(sheets.values_list("items__entered_by__username", flat=True)) - {None}
    assert entered_by <= {m.inspector.user.username for m in members}
    assert demo.demo_load(departments=demo_county) == "检查结果：演示数据已存在"
    assert InspectionTask.objects.filter(name__endswith=demo.TASK).count() == 1

    # A coherent history on any day: drawn in the past at the ceremony, nothing about a sheet
    # dated before the draw or after today, every publication within its deadline, and the
    # audit log in time order.
    draw = task.draws.get()
    assert timezone.localtime(draw.drawn_at).date() == drawn_on
    for sheet in sheets:
        days = [sheet.completed_on, sheet.outcome_on]
        days += [timezone.localtime(t).date() for t in (sheet.notified_at, sheet.signed_at) if t]
        days += list(sheet.items.values_list("inspected_on", flat=True))
        assert all(drawn_on <= day < today for day in days if day), (sheet.pk, days)
        if sheet.notified_at:  # told before (or on the day of) the inspection
            notified_on = timezone.localtime(sheet.notified_at).date()
            assert notified_on <= (sheet.completed_on or sheet.outcome_on), sheet.pk
        if sheet.published_at:
            published_on = timezone.localtime(sheet.published_at).date()
            assert sheet.completed_on <= published_on <= publication_due(sheet).due
            assert published_on < today
    times = list(AuditEntry.objects.order_by("seq").values_list("created_at", flat=True))
    assert times == sorted(times)

    archive = services.archive_generate(
        actor=User.objects.get(username="kc.sj.reviewer"), task=task
    )
    assert archive.is_closed is False
    assert (archive.counts["sheets"], archive.counts["published"]) == (10, 9)
    assert (archive.counts["followups"], archive.counts["followups_open"]) == (2, 1)
    assert (archive.counts["evidence"], archive.counts["evidence_problems"]) == (4, 0)
    with zipfile.ZipFile(services.archive_file(archive)) as z:
        root = z.namelist()[0].split("/", 1)[0]
        index = z.read(f"{root}/目录.txt").decode("utf-8")
        data = json.loads(z.read(f"{root}/03-检查结果/results.json"))
    assert "案卷状态：未结案" in index
    assert index.count("：审核退回") == 1
    assert "后续处置" in index and "未完结（办结期限" in index
    assert len(data["sheets"]) == 10
