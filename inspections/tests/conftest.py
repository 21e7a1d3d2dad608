"""A drawn joint task (market leads, culture takes part) whose inspectors have logins: the
starting point of every results test."""

import datetime as dt
import io

import pytest

D = dt.date
# The results world is fixed in time: the joint task is drawn on Tuesday 10 November 2026 and
# the tests run "today" = Thursday 26 November 2026 (the clock is moved there, see conftest.py).
DRAWN_ON = D(2026, 11, 10)
AS_OF = D(2026, 11, 26)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n% test\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """A fresh MEDIA_ROOT per test, so "nothing stored" is checked on an empty directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def make_items(department, names):
    """A published department item list with the given items (catalog rows made directly:
    the catalog's importer is tested in its own app)."""
    from catalog.models import Category, InspectionItem, ItemList, ListKind, ListVersion

    item_list = ItemList.objects.create(
        code=f"T-{department.pk}",
        name=f"{department.name}抽查事项清单",
        kind=ListKind.DEPARTMENT,
        region=department.region,
        department=department,
    )
    version = ListVersion.objects.create(
        item_list=item_list, number=1, title="第一版", status="published"
    )
    category = Category.objects.create(version=version, number=1, name="日常监管")
    return [
        InspectionItem.objects.create(
            version=version,
            category=category,
            code=f"{department.pk}-{n}",
            position=n,
            name=name,
            kind="general",
        )
        for n, name in enumerate(names, start=1)
    ]


WINDOW_START = D(2026, 11, 1)


def drawn_joint_task(
    clock, people, depts, scheme, *, window_start=WINDOW_START, drawn_on=DRAWN_ON, today=AS_OF
):
    """The joint task, created and drawn on `drawn_on`; the clock is left at `today`."""
    from planning import services as planning
    from planning.models import TaskKind
    from planning.tests.test_draw_flow import WITNESSES

    clock.move_to(drawn_on, 9)
    org = people["kc_market_org"]
    task = planning.task_create(
        actor=org,
        lead_department=depts["kc_market"],
        name="2026年网吧联合抽查",
        kind=TaskKind.JOINT,
        window_start=window_start,
        window_end=D(2026, 12, 31),
        grading_scheme=scheme,
        participants=[depts["kc_culture"]],
        inspectors_per_group=1,
        result_deadline_workdays=5,
    )
    market_items = make_items(depts["kc_market"], ["营业执照公示情况", "食品经营许可"])
    culture_items = make_items(depts["kc_culture"], ["网吧接纳未成年人"])
    planning.task_department_save(
        actor=org,
        task=task,
        department=depts["kc_market"],
        inspectors_per_group=1,
        items=market_items,
    )
    planning.task_department_save(
        actor=org,
        task=task,
        department=depts["kc_culture"],
        inspectors_per_group=1,
        items=culture_items,
    )
    planning.task_strata_set(actor=org, task=task, rules=[(g, False, None, 1) for g in "ABCDE"])
    draw = planning.draw_commit(actor=org, task=task, witnesses=WITNESSES, as_of=drawn_on)
    for w in draw.witnesses.all():
        planning.draw_witness_digits(actor=org, draw=draw, witness=w, digits="123456")
    draw = planning.draw_run(actor=org, draw=draw)
    clock.move_to(today)
    return draw


@pytest.fixture
def joint(clock, people, depts, county, scheme, make_user):
    """The draw, its first sheet, and logins for that sheet's group: `leader` (market, group
    leader), `culture` (the culture member), plus `other_market` (a market inspector in another
    group) and reviewers of both departments."""
    from inspectors.services import inspector_link_account

    draw = drawn_joint_task(clock, people, depts, scheme)
    groups = list(draw.groups.order_by("code"))
    sheet = draw.assignments.filter(group=groups[0]).order_by("sheet_number").first()
    short = {depts["kc_market"].pk: "market", depts["kc_culture"].pk: "culture"}
    members = {short[m.inspector.department_id]: m for m in groups[0].members.filter(active=True)}
    leader_member = members["market"]
    assert leader_member.is_leader
    leader = make_user("insp_leader", "kc_market", "inspector")
    culture = make_user("insp_culture", "kc_culture", "inspector")
    inspector_link_account(actor=None, inspector=leader_member.inspector, user=leader)
    inspector_link_account(actor=None, inspector=members["culture"].inspector, user=culture)
    other_member = groups[1].members.get(inspector__department=depts["kc_market"])
    other_market = make_user("insp_other", "kc_market", "inspector")
    inspector_link_account(actor=None, inspector=other_member.inspector, user=other_market)
    return {
        "draw": draw,
        "task": draw.task,
        "sheet": sheet,
        "other_sheet": draw.assignments.filter(group=groups[1]).first(),
        "leader": leader,
        "culture": culture,
        "other_market": other_market,
        "market_rev": make_user("market_rev", "kc_market", "reviewer"),
        "culture_rev": make_user("culture_rev", "kc_culture", "reviewer"),
        "parts": {short[p.department_id]: p for p in draw.task.departments.all()},
    }


def category(code, set_code="samr"):
    from inspections.category_sets import seed_category_sets
    from inspections.models import ResultCategory

    # seeded by a data migration, which a transactional (e2e) test before this one flushed
    if not ResultCategory.objects.filter(category_set__code=set_code).exists():
        seed_category_sets()
    return ResultCategory.objects.get(category_set__code=set_code, code=code)


def upload(content=PNG, name="现场照片.png"):
    return {"name": name, "size": len(content), "stream": io.BytesIO(content)}


def fill_sheet(j, *, problem=False):
    """Everything the sheet needs before submission, entered by the right people."""
    from django.utils import timezone

    from inspections import services

    a, parts = j["sheet"], j["parts"]
    services.sheet_notice_set(
        actor=j["leader"],
        assignment=a,
        method="phone",
        notified_at=timezone.now() - dt.timedelta(days=3),
    )
    for item in parts["market"].items.order_by("position"):
        services.item_result_save(
            actor=j["leader"],
            assignment=a,
            part=parts["market"],
            item=item,
            categories=[category("B")] if problem and item.position == 1 else [category("1")],
            problems="未按规定公示年度报告" if problem and item.position == 1 else "",
            inspected_on=D(2026, 11, 20),
            methods=["on_site"],
            measures=["correct"] if problem and item.position == 1 else [],
        )
    for item in parts["culture"].items.all():
        services.item_result_save(
            actor=j["culture"],
            assignment=a,
            part=parts["culture"],
            item=item,
            categories=[category("1")],
            inspected_on=D(2026, 11, 20),
            methods=["on_site", "written"],
        )
    services.sheet_signature_set(
        actor=j["leader"],
        assignment=a,
        status="refused",
        witness="村委会主任 张三",
        reason="负责人称需请示总公司，拒绝签字",
    )
