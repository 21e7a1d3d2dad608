"""A small world for the 月报表: the joint task of the results tests (宽城县市场监督管理局 leads,
宽城县旅游和文化广电局 takes part) drawn on 10 November 2026, with sheets published around the end
of November (Beijing time), one problem with its follow-up and one unreachable entity."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from inspections.tests.conftest import (  # noqa: F401  (fixtures re-used as they are)
    category,
    joint,
    media,
    upload,
)

SH = ZoneInfo("Asia/Shanghai")
D = dt.date


def at(year, month, day, hour=0, minute=0, second=0):
    """An aware datetime in Beijing time."""
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=SH)


def _login(inspector, counter=[0]):  # noqa: B006 - a per-process counter for unique names
    from accounts.services import user_create
    from conftest import PASSWORD
    from inspectors.services import inspector_link_account

    if inspector.user_id:
        return inspector.user
    counter[0] += 1
    user = user_create(
        actor=None,
        username=f"rep_insp{counter[0]}",
        full_name=inspector.name,
        department=inspector.department,
        roles=["inspector"],
        password=PASSWORD,
        must_change_password=False,
    )
    inspector_link_account(actor=None, inspector=inspector, user=user)
    inspector.refresh_from_db()
    return user


REPORTED_ON = D(2026, 12, 2)  # the November report is written after the month has ended
INSPECTED_ON = D(2026, 11, 12)  # every sheet's inspection: after the draw, before publication


@pytest.fixture
def reporting_day(clock):
    """The clock on the day the November 2026 report is written (tests of the demo excepted:
    the demo follows whatever today is)."""
    clock.move_to(REPORTED_ON)
    return REPORTED_ON


def publish(j, assignment, *, when, problem=False, unreachable=False):
    """Enter, submit, approve and publish one sheet through the services, then date the
    publication `when` (a month-boundary instant the tests move around)."""

    from inspections import services
    from inspections.models import SheetResult

    members = list(assignment.group.members.filter(active=True).select_related("inspector"))
    by_dept = {m.inspector.department_id: _login(m.inspector) for m in members}
    parts = j["parts"]
    leader = by_dept[parts["market"].department_id]
    culture = by_dept[parts["culture"].department_id]
    services.sheet_notice_set(
        actor=leader,
        assignment=assignment,
        method="phone",
        notified_at=at(2026, 11, 11, 9, 0),
    )
    if unreachable:
        services.sheet_outcome_set(
            actor=leader,
            assignment=assignment,
            outcome="unreachable",
            note="登记住所为空置门面，电话停机",
            on=INSPECTED_ON,
        )
        services.evidence_add(actor=leader, assignment=assignment, **upload())
    else:
        for item in parts["market"].items.order_by("position"):
            bad = problem and item.position == 1
            services.item_result_save(
                actor=leader,
                assignment=assignment,
                part=parts["market"],
                item=item,
                categories=[category("B")] if bad else [category("1")],
                problems="未按规定公示年度报告" if bad else "",
                inspected_on=INSPECTED_ON,
                methods=["on_site"],
                measures=["correct"] if bad else [],
            )
        for item in parts["culture"].items.all():
            services.item_result_save(
                actor=culture,
                assignment=assignment,
                part=parts["culture"],
                item=item,
                categories=[category("1")],
                inspected_on=INSPECTED_ON,
                methods=["on_site"],
            )
        services.sheet_signature_set(
            actor=leader,
            assignment=assignment,
            status="signed",
            signer_name="负责人",
            signed_at=at(2026, 11, 12, 15, 0),
        )
    sheet = services.sheet_submit(actor=leader, assignment=assignment)
    services.sheet_review(actor=j["market_rev"], sheet=sheet, approve=True)
    sheet = services.sheet_publish(actor=j["market_rev"], sheet=sheet)
    SheetResult.objects.filter(pk=sheet.pk).update(published_at=when)
    sheet.refresh_from_db()
    return sheet


@pytest.fixture
def world(clock, joint, people, depts):  # noqa: F811 (the fixture imported above)
    """November 2026 for 宽城县市场监督管理局:

    - the joint task drawn on 2026-11-10 (5 entities of 60 candidates);
    - sheet 1 published 2026-11-30 23:59:59 (Beijing), market found a problem; a follow-up was
      opened on 2026-11-30 and is still open;
    - sheet 2 published 2026-11-15, nothing found;
    - sheet 3 published 2026-11-20, 住所无法联系;
    - sheet 4 published 2026-12-01 00:00:00 (Beijing) — December, not November;
    - sheet 5 not published.
    """
    from inspections import services
    from inspections.models import FollowUp, ItemResult

    j = joint  # drawn on 2026-11-10, the clock on 2026-11-26
    sheets = list(j["draw"].assignments.order_by("sheet_number"))
    assert len(sheets) == 5
    s1 = publish(j, sheets[0], when=at(2026, 11, 30, 23, 59, 59), problem=True)
    publish(j, sheets[1], when=at(2026, 11, 15, 9, 0))
    publish(j, sheets[2], when=at(2026, 11, 20, 9, 0), unreachable=True)
    publish(j, sheets[3], when=at(2026, 12, 1, 0, 0, 0))
    bad = ItemResult.objects.get(sheet=s1, part=j["parts"]["market"], item__position=1)
    followup = services.followup_open(
        actor=j["market_rev"],
        item_result=bad,
        kind="rectify",
        description="责令限期公示年度报告",
        due_on=D(2030, 12, 31),
    )
    FollowUp.objects.filter(pk=followup.pk).update(opened_at=at(2026, 11, 30, 10, 0))
    clock.move_to(REPORTED_ON)
    return {**j, "sheets": sheets, "followup": followup}
