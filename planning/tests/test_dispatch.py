import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from planning import services
from planning.models import TaskKind, TaskStatus
from planning.selectors import dispatch_overdue, dispatch_pending, my_assignments
from planning.tests.test_draw_flow import WITNESSES

D = dt.date


@pytest.fixture
def joint_draw(people, depts, county, scheme):
    org = people["kc_market_org"]
    task = services.task_create(
        actor=org,
        lead_department=depts["kc_market"],
        name="联合抽查",
        kind=TaskKind.JOINT,
        window_start=D(2026, 12, 1),
        window_end=D(2026, 12, 31),
        grading_scheme=scheme,
        participants=[depts["kc_culture"]],
        inspectors_per_group=1,
    )
    services.task_strata_set(actor=org, task=task, rules=[(g, False, None, 1) for g in "ABCDE"])
    draw = services.draw_commit(actor=org, task=task, witnesses=WITNESSES, as_of=D(2026, 11, 26))
    for w in draw.witnesses.all():
        services.draw_witness_digits(actor=org, draw=draw, witness=w, digits="123456")
    return services.draw_run(actor=org, draw=draw)


def test_each_department_confirms_its_part_then_the_task_is_dispatched(people, depts, joint_draw):
    task = joint_draw.task
    market, culture = people["kc_market_admin"], people["kc_culture_admin"]
    assert [p.part.department for p in dispatch_pending(user=market)] == [depts["kc_market"]]
    assert [p.part.department for p in dispatch_pending(user=culture)] == [depts["kc_culture"]]
    services.dispatch_confirm(actor=market, task=task, department=depts["kc_market"])
    task.refresh_from_db()
    assert task.status == TaskStatus.DRAWN
    with pytest.raises(ValidationError, match="本部门已确认"):
        services.dispatch_confirm(actor=market, task=task, department=depts["kc_market"])
    services.dispatch_confirm(actor=culture, task=task, department=depts["kc_culture"])
    task.refresh_from_db()
    assert task.status == TaskStatus.DISPATCHED
    entry = AuditEntry.objects.filter(action="task.dispatch_confirm").order_by("-seq").first()
    assert entry.after["task_status"] == "dispatched"
    assert entry.after["late"] is False


def test_nobody_confirms_for_another_department(people, depts, joint_draw):
    task = joint_draw.task
    with pytest.raises(PermissionDenied):
        services.dispatch_confirm(
            actor=people["kc_market_admin"], task=task, department=depts["kc_culture"]
        )
    with pytest.raises(PermissionDenied):
        services.dispatch_confirm(
            actor=people["kc_market_org"], task=task, department=depts["kc_market"]
        )
    assert not task.departments.filter(confirmed_at__isnull=False).exists()
    assert not AuditEntry.objects.filter(action="task.dispatch_confirm").exists()


def test_overdue_confirmations_are_flagged_to_the_joint_office(clock, people, depts, joint_draw):
    # Drawn on Thursday 2026-11-26: due Monday 2026-11-30 (2 working days).
    drawn = timezone.make_aware(dt.datetime(2026, 11, 26, 10, 0))
    type(joint_draw).objects.filter(pk=joint_draw.pk).update(drawn_at=drawn)
    with clock.move_to(D(2026, 11, 30)):
        pending = dispatch_pending(user=people["kc_culture_admin"])
        assert [(p.deadline.due, p.overdue, p.due_today) for p in pending] == [
            (D(2026, 11, 30), False, True)
        ]
        assert dispatch_overdue(user=people["kc_joint"]) == []
    with clock.move_to(D(2026, 12, 1)):
        overdue = dispatch_overdue(user=people["kc_joint"])
        assert sorted(p.part.department.name for p in overdue) == [
            "宽城县市场监督管理局",
            "宽城县旅游和文化广电局",
        ]
        assert dispatch_overdue(user=people["kc_market_org"]) == []


def test_a_void_resets_confirmations(people, depts, joint_draw):
    task = joint_draw.task
    services.dispatch_confirm(
        actor=people["kc_market_admin"], task=task, department=depts["kc_market"]
    )
    services.draw_void(
        actor=people["kc_joint"], draw=joint_draw, reason="data_error", detail="人员数据有误"
    )
    assert not task.departments.filter(confirmed_at__isnull=False).exists()
    entry = AuditEntry.objects.filter(action="draw.void").get()
    assert entry.after["confirmations_reset"] == [depts["kc_market"].pk]


def test_inspectors_see_their_groups_sheets(client, people, joint_draw):
    from inspectors.services import inspector_link_account

    member = joint_draw.groups.first().members.first()
    account = (
        people["kc_market_insp"]
        if member.inspector.department.kind == "market"
        else people["kc_culture_insp"]
    )
    inspector_link_account(actor=None, inspector=member.inspector, user=account)
    mine = list(my_assignments(user=account))
    assert mine and all(a.group == member.group for a in mine)
    client.force_login(account)
    page = client.get(reverse("planning:my_work")).content.decode()
    assert mine[0].entity.name in page
    other = (
        people["kc_culture_insp"]
        if account == people["kc_market_insp"]
        else people["kc_market_insp"]
    )
    assert list(my_assignments(user=other)) == []
