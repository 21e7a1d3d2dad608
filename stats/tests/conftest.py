"""A small county where every statistic is known by construction.

Three tasks of 2026, drawn through the real planning services on Monday 2026-11-02 and looked
at on Thursday 2026-11-26 (the test clock is moved to each):

- T1 joint (market leads, culture takes part): one entity per grade A–E, the same count for
  every grade (so *not* credit-risk based by the definition), results within 5 working days.
- T2 market only: grade A count 1, grade B count 2 (credit-risk based), yearly cap 1.
- T3 culture only: one entity of grade C, yearly cap 1; its first draw is voided and drawn
  again.

Caps of 1 keep T2's and T3's entities apart from T1's (the draw excludes entities already at
their cap), so 9 distinct entities are drawn. All 60 county entities are supervised by both the
market and the culture bureau. The results, confirmation dates and follow-ups are set on the
records directly (their own workflows are tested in inspections and planning): this app only
reads them.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

D = dt.date
TODAY = D(2026, 11, 26)
AS_OF = D(2026, 11, 2)  # the draws' registry date: the day they are made


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour))


def _ceremony(org, task):
    from planning import services
    from planning.tests.test_draw_flow import WITNESSES

    draw = services.draw_commit(actor=org, task=task, witnesses=WITNESSES, as_of=AS_OF)
    for witness, digits in zip(draw.witnesses.order_by("id"), ["315264", "642153"], strict=True):
        services.draw_witness_digits(actor=org, draw=draw, witness=witness, digits=digits)
    return services.draw_run(actor=org, draw=draw)


def _single_task(org, department, name, scheme, strata):
    from planning import services
    from planning.models import TaskKind

    task = services.task_create(
        actor=org,
        lead_department=department,
        name=name,
        kind=TaskKind.SINGLE,
        window_start=D(2026, 11, 1),
        window_end=D(2026, 12, 31),
        grading_scheme=scheme,
        inspectors_per_group=2,
    )
    services.task_update(actor=org, task=task, yearly_cap=1, group_count=1)
    services.task_strata_set(actor=org, task=task, rules=strata)
    return task


@pytest.fixture
def world(clock, people, depts, county, scheme, make_user):
    from inspections.models import (
        FollowUp,
        FollowUpStatus,
        ItemResult,
        ResultCategorySet,
        SheetResult,
        SheetState,
    )
    from inspections.tests.conftest import drawn_joint_task
    from planning import services
    from planning.models import TaskDepartment

    for entity in county["entities"]:
        entity.departments.add(depts["kc_market"], depts["kc_culture"])
    market_org = people["kc_market_org"]
    culture_org = make_user("kc_culture_org", "kc_culture", "organizer")

    # Every draw is made on Monday 2026-11-02 (confirmation due Wednesday 11-04); the world is
    # then looked at on TODAY (the clock stays there for the test).
    drawn_on = D(2026, 11, 2)
    # T1: the joint task of the inspections tests (5 working days to publish).
    d1 = drawn_joint_task(clock, people, depts, scheme, drawn_on=drawn_on, today=drawn_on)
    t1 = d1.task
    # T2: market, differentiated by grade.
    t2 = _single_task(
        market_org,
        depts["kc_market"],
        "2026年食品经营抽查",
        scheme,
        [("A", False, None, 1), ("B", False, None, 2)] + [(g, False, None, 0) for g in "CDE"],
    )
    d2 = _ceremony(market_org, t2)
    # T3: culture, one grade; voided once and drawn again.
    t3 = _single_task(
        culture_org,
        depts["kc_culture"],
        "2026年娱乐场所抽查",
        scheme,
        [("C", False, None, 1)] + [(g, False, None, 0) for g in "ABDE"],
    )
    first = _ceremony(culture_org, t3)
    services.draw_void(
        actor=people["kc_culture_admin"], draw=first, reason="other", detail="见证人未到场"
    )
    d3 = _ceremony(culture_org, t3)

    # Replacements in T2: one inspector, one entity (from the published reserve).
    member = d2.groups.order_by("code").first().members.filter(active=True).order_by("position")[0]
    services.draw_replace_inspector(
        actor=market_org, draw=d2, inspector=member.inspector, reason="illness", detail="住院"
    )
    replaced = d2.assignments.order_by("sheet_number").first()
    services.draw_replace_target(
        actor=market_org, draw=d2, assignment=replaced, reason="data_error", detail="地址有误"
    )

    clock.move_to(TODAY)
    # Dispatch confirmations (drawn Monday 2026-11-02, due Wednesday 11-04).
    TaskDepartment.objects.filter(task=t1, department=depts["kc_market"]).update(
        confirmed_at=at(D(2026, 11, 3))
    )  # on time
    TaskDepartment.objects.filter(task=t1, department=depts["kc_culture"]).update(
        confirmed_at=at(D(2026, 11, 6))
    )  # late
    TaskDepartment.objects.filter(task=t3).update(confirmed_at=at(D(2026, 11, 4), 17))  # last day
    # T2's market part stays unconfirmed: overdue on 2026-11-26.

    # Results of T1 (deadline: completed on Mon 11-02 + 5 working days = Mon 11-09).
    # seeded by a data migration; a transactional (e2e) test before this one flushed it
    from inspections.category_sets import seed_category_sets

    if not ResultCategorySet.objects.filter(code="samr").exists():
        seed_category_sets()
    samr = ResultCategorySet.objects.get(code="samr")
    sheets = list(d1.assignments.order_by("sheet_number"))
    completed = D(2026, 11, 2)

    def sheet(assignment, state, completed_on, published=None):
        return SheetResult.objects.create(
            assignment=assignment,
            category_set=samr,
            state=state,
            completed_on=completed_on,
            published_at=at(published) if published else None,
        )

    on_time = sheet(sheets[0], SheetState.PUBLISHED, completed, D(2026, 11, 6))
    late = sheet(sheets[1], SheetState.PUBLISHED, completed, D(2026, 11, 13))
    sheet(sheets[2], SheetState.APPROVED, completed)  # overdue, not published
    sheet(sheets[3], SheetState.SUBMITTED, D(2026, 11, 25))  # due 12-02: not yet due
    # sheets[4]: nothing entered.

    parts = {p.department_id: p for p in t1.departments.all()}
    item = ItemResult.objects.create(
        sheet=late,
        part=parts[depts["kc_market"].pk],
        methods=["on_site"],
        inspected_on=completed,
        entered_by=people["kc_market_org"],
        entered_at=at(completed),
    )

    def followup(department, due_on, closed_on=None):
        return FollowUp.objects.create(
            sheet=late,
            item_result=item,
            department=department,
            kind="rectify",
            description="责令整改",
            due_on=due_on,
            status=FollowUpStatus.CLOSED if closed_on else FollowUpStatus.OPEN,
            opened_by=people["kc_market_org"],
            opened_at=at(D(2026, 11, 13)),
            closed_at=at(closed_on) if closed_on else None,
        )

    followup(depts["kc_market"], D(2026, 11, 30), closed_on=D(2026, 11, 20))  # closed on time
    followup(depts["kc_market"], D(2026, 11, 20))  # open, overdue
    followup(depts["kc_culture"], D(2026, 12, 31))  # open, not yet due
    return {
        "t1": t1,
        "t2": t2,
        "t3": t3,
        "d1": d1,
        "d2": d2,
        "d3": d3,
        "voided": first,
        "on_time": on_time,
        "culture_org": culture_org,
    }
