"""A small published world for the public site, built through the real services: a joint task
drawn and one result published (with a problem, later corrected), a second sheet approved but
not yet published, a single-department task whose first draw was voided and re-drawn, a plan
published and adjusted (plus a draft adjustment), item lists with a current, a superseded and a
draft version — and personal data planted on the drawn entities, which must never show."""

from __future__ import annotations

import datetime as dt

import pytest

from inspections.tests.conftest import (  # noqa: F401  (fixtures used by the tests)
    category,
    drawn_joint_task,
    fill_sheet,
    joint,
    media,
)

D = dt.date

# Personal data planted in the registry and in the sheets; none of it may appear publicly.
OPERATOR = "张大伟"
OPERATOR_ID = "130827198001011234"
OPERATOR_PHONE = "13912340001"
OPERATOR_ADDRESS = "宽城镇幸福路8号"
BARE_NAME = "李小红"
BARE_ID = "13082719850202432X"
BARE_PHONE = "0314-6901234"
COMPANY_LEGAL_REP = "王建国"
COMPANY_PHONE = "13700002222"
SIGNER = "赵签字"
PERSONAL = [
    OPERATOR,
    OPERATOR_ID,
    OPERATOR_PHONE,
    OPERATOR_ADDRESS,
    BARE_NAME,
    BARE_ID,
    BARE_PHONE,
    COMPANY_LEGAL_REP,
    COMPANY_PHONE,
    SIGNER,
    "村委会主任",  # the refusal witness recorded on the sheet
    "13912345678",  # a staff user's phone (conftest people)
    "13800001111",
]


def _plant_personal_data(j):
    from registry.models import Entity, EntityType

    sheet_entity = j["sheet"].entity
    Entity.objects.filter(pk=sheet_entity.pk).update(
        name=f"{OPERATOR}小吃部",
        entity_type=EntityType.INDIVIDUAL,
        representative=OPERATOR,
        id_number=OPERATOR_ID,
        phone=OPERATOR_PHONE,
        address=OPERATOR_ADDRESS,
    )
    others = list(j["draw"].assignments.exclude(pk=j["sheet"].pk).order_by("sheet_number")[:2])
    Entity.objects.filter(pk=others[0].entity_id).update(
        name=BARE_NAME,
        entity_type=EntityType.INDIVIDUAL,
        representative="",
        id_number=BARE_ID,
        phone=BARE_PHONE,
    )
    Entity.objects.filter(pk=others[1].entity_id).update(
        name="宽城县示例商贸有限公司",
        representative=COMPANY_LEGAL_REP,
        phone=COMPANY_PHONE,
        address="宽城镇工业园区1号",
    )


def _publish_with_correction(j):
    from inspections import services
    from inspections.models import SheetResult

    fill_sheet(j, problem=True)
    SheetResult.objects.filter(assignment=j["sheet"]).update(signer_name=SIGNER)
    sheet = services.sheet_submit(actor=j["leader"], assignment=j["sheet"])
    services.sheet_review(actor=j["market_rev"], sheet=sheet, approve=True)
    sheet = services.sheet_publish(actor=j["market_rev"], sheet=sheet)
    result = sheet.items.get(part=j["parts"]["market"], item__position=1)
    correction = services.correction_create(
        actor=j["leader"],
        item_result=result,
        reason="企业已于检查前公示年报，系系统同步延迟",
        categories=[category("1")],
    )
    services.correction_review(actor=j["market_rev"], correction=correction, approve=True)
    # A correction still waiting for review must not show.
    other = sheet.items.get(part=j["parts"]["market"], item__position=2)
    services.correction_create(
        actor=j["leader"],
        item_result=other,
        reason="待审核的更正不应公示",
        categories=[category("E")],
        problems="x",
    )
    return sheet


def _approved_not_published(j):
    """The second sheet, approved but not published (made directly: its state is what counts)."""
    from inspections.category_sets import seed_category_sets
    from inspections.models import ResultCategorySet, SheetResult

    if not ResultCategorySet.objects.filter(code="samr").exists():
        seed_category_sets()  # flushed by an earlier transactional (e2e) test
    return SheetResult.objects.create(
        assignment=j["other_sheet"],
        category_set=ResultCategorySet.objects.get(code="samr"),
        state="approved",
        completed_on=D(2026, 11, 21),
    )


def _plans(people, depts):
    from planning import services as planning

    org, admin = people["kc_market_org"], people["kc_market_admin"]
    v1 = planning.plan_create(
        actor=org, department=depts["kc_market"], year=2026, title="2026年度随机抽查工作计划"
    )
    planning.plan_batch_save(
        actor=org,
        version=v1,
        name="第一批食品经营抽查",
        target_scope="全县食品经营者",
        window_start=D(2026, 3, 1),
        window_end=D(2026, 6, 30),
        ratio_bp=500,
    )
    planning.plan_submit(actor=org, version=v1)
    planning.plan_review(actor=admin, version=v1, approve=True)
    v2 = planning.plan_adjust(actor=org, plan=v1.plan, reason="增加网吧联合抽查批次")
    planning.plan_batch_save(
        actor=org,
        version=v2,
        name="第二批网吧联合抽查",
        target_scope="全县互联网上网服务营业场所",
        window_start=D(2026, 11, 1),
        window_end=D(2026, 12, 31),
        count=5,
    )
    planning.plan_submit(actor=org, version=v2)
    planning.plan_review(actor=admin, version=v2, approve=True)
    draft = planning.plan_adjust(actor=org, plan=v1.plan, reason="草稿调整原因不应公示")
    planning.plan_version_update(
        actor=org, version=draft, title="草稿计划标题不应公示", body="", reason=draft.reason
    )
    # A plan that was never published.
    planning.plan_create(
        actor=org,
        department=depts["kc_market"],
        year=2027,
        title="2027年草稿计划不应公示",
    )
    v1.refresh_from_db()
    v2.refresh_from_db()
    return {"plan": v1.plan, "v1": v1, "v2": v2, "draft": draft}


def _lists(depts):
    """The market list made by drawn_joint_task is version 1 (published); add a superseded
    version before it and a draft after it."""
    from catalog.models import Category, InspectionItem, ItemList, ListVersion

    market = ItemList.objects.get(department=depts["kc_market"])
    current = market.versions.get(status="published")
    current.number = 2
    current.reason = "新增食品经营许可事项"
    current.published_at = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)
    current.save()
    old = ListVersion.objects.create(
        item_list=market,
        number=1,
        title="2025年版",
        status="superseded",
        published_at=dt.datetime(2025, 3, 1, 9, tzinfo=dt.UTC),
    )
    cat = Category.objects.create(version=old, number=1, name="日常监管")
    InspectionItem.objects.create(
        version=old, category=cat, code="old-1", position=1, name="旧版营业执照检查", kind="general"
    )
    draft = ListVersion.objects.create(
        item_list=market, number=3, title="草稿版本", status="draft", reason="草稿清单不应公示"
    )
    cat = Category.objects.create(version=draft, number=1, name="草稿类别")
    InspectionItem.objects.create(
        version=draft, category=cat, code="draft-1", position=1, name="草稿事项不应公示", kind="key"
    )
    return {"list": market, "current": current, "old": old, "draft": draft}


def _voided_and_redrawn(people, depts, scheme):
    from planning import services as planning
    from planning.models import TaskKind
    from planning.tests.test_draw_flow import WITNESSES

    org = people["kc_market_org"]
    task = planning.task_create(
        actor=org,
        lead_department=depts["kc_market"],
        name="2026年食品经营单部门抽查",
        kind=TaskKind.SINGLE,
        window_start=D(2026, 12, 1),
        window_end=D(2026, 12, 20),
        grading_scheme=scheme,
        inspectors_per_group=2,
    )
    planning.task_strata_set(actor=org, task=task, rules=[(g, False, None, 1) for g in "ABCDE"])

    def ceremony():
        draw = planning.draw_commit(
            actor=org,
            task=task,
            witnesses=[
                *WITNESSES,
                planning.WitnessInput("孙群众", "public", "个体户代表"),
            ],
            as_of=D(2026, 11, 26),
        )
        for w in draw.witnesses.all():
            planning.draw_witness_digits(actor=org, draw=draw, witness=w, digits="654321")
        return planning.draw_run(actor=org, draw=draw)

    first = ceremony()
    voided = planning.draw_void(
        actor=people["kc_market_admin"],
        draw=first,
        reason="data_error",
        detail="名录库中 2 户已注销未同步",
    )
    task.refresh_from_db()
    second = ceremony()
    # A task that was never drawn (only committed) must not be public.
    hidden = planning.task_create(
        actor=org,
        lead_department=depts["kc_market"],
        name="未抽取的任务不应公示",
        kind=TaskKind.SINGLE,
        window_start=D(2026, 12, 1),
        window_end=D(2026, 12, 20),
        grading_scheme=scheme,
    )
    return {"task": task, "voided": voided, "redraw": second, "hidden": hidden}


@pytest.fixture
def world(joint, people, depts, scheme):  # noqa: F811 (the imported fixture)
    j = joint
    _plant_personal_data(j)
    sheet = _publish_with_correction(j)
    pending = _approved_not_published(j)
    return {
        **j,
        "published": sheet,
        "pending": pending,
        "plans": _plans(people, depts),
        "lists": _lists(depts),
        "single": _voided_and_redrawn(people, depts, scheme),
    }
