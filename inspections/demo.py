"""Demo inspection results for 宽城满族自治县: a completed single-department task of
县市场监督管理局, "<year>年度个体工商户及小微企业双随机抽查（第三批）", created through the planning
services and drawn at a witnessed ceremony about six weeks before the day the demo is loaded
(the first working day on or after DRAW_DAYS_AGO days back), dispatch confirmed the same day,
and its results entered, reviewed and published through the inspections services by the drawn
inspectors and the bureau's reviewer over the following working days — each step with the
clock at its moment (core.demo.demo_history), so dates, deadlines and the audit log read true on
any day. Every inspection is dated after the draw; every publication within the deadline.

Exact figures this demo produces (a statistics engineer asserts them):

- tasks: 1 (status 已派发), one draw, one inspection group of 2 inspectors
- sheets: 10
- published: 9
- returned (still 审核退回): 1
- unreachable (通过登记的住所（经营场所）无法联系): 1, published
- refusal to sign recorded: 1, published
- problems found: 2 sheets (both published)
- corrections: 1 (approved and published)
- follow-ups: 2 — open 1, closed 1
- evidence files: 4 (the unreachable premises, an on-site photo, two follow-up documents)

Market inspectors without a login are recorded as excluded before the freeze (they are on the
第四批 food task), so the drawn group is made of the three demo inspector accounts
(kc.sj.inspector1..3) and the results are entered by the people the draw chose.
"""

from __future__ import annotations

import datetime as dt
import io
import struct
import zlib

from django.db import transaction
from django.utils import timezone

from accounts.models import Department, User
from catalog.models import InspectionItem
from core.demo import DemoClock, demo_history, demo_today, moment
from core.workdays import Calendar
from inspectors.models import Inspector
from planning import services as planning
from planning.models import Assignment, AssignmentStatus, InspectionTask, TaskKind
from registry.models import GradingScheme

from . import services
from .models import CategoryKind, FollowUp, ResultCategory, SheetResult

TASK = "年度个体工商户及小微企业双随机抽查（第三批）"  # preceded by the year of its draw
DRAW_DAYS_AGO = 42
STRATA = [("A", 2), ("B", 3), ("C", 3), ("D", 1), ("E", 1)]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _png(rgb: tuple[int, int, int]) -> bytes:
    """A real 2x2 PNG of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    raw = b"".join(b"\x00" + bytes(rgb) * 2 for _ in range(2))
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _file(name: str, content: bytes) -> dict[str, object]:
    return {"name": name, "size": len(content), "stream": io.BytesIO(content)}


def task_name(year: int) -> str:
    return f"{year}{TASK}"


def draw_day(today: dt.date) -> dt.date:
    """The 第三批's draw: the first working day on or after DRAW_DAYS_AGO days before today."""
    calendar = Calendar()
    day = today - dt.timedelta(days=DRAW_DAYS_AGO)
    while not calendar.is_workday(day)[0]:
        day += dt.timedelta(days=1)
    return day


def demo_load(*, departments: dict[str, Department]) -> str:
    if InspectionTask.objects.filter(name__endswith=TASK).exists():
        return "检查结果：演示数据已存在"
    today = demo_today()
    drawn_on = draw_day(today)
    with demo_history(moment(drawn_on, 9)) as clock:
        return _load(departments, clock, drawn_on)


@transaction.atomic
def _load(departments: dict[str, Department], clock: DemoClock, drawn_on: dt.date) -> str:
    calendar = Calendar()

    def workday(n: int) -> dt.date:
        """The n-th working day after the draw."""
        return calendar.add_workdays(drawn_on, n).due

    by_short = {d.short_name: d for d in departments.values()}
    market = by_short["县市场监督管理局"]
    users = {u.username: u for u in User.objects.filter(username__startswith="kc.sj.")}
    org, admin, reviewer = users["kc.sj.organizer"], users["kc.sj.admin"], users["kc.sj.reviewer"]

    # The task, through the planning services.
    task = planning.task_create(
        actor=org,
        lead_department=market,
        name=task_name(drawn_on.year),
        kind=TaskKind.SINGLE,
        window_start=drawn_on,
        window_end=clock.today + dt.timedelta(days=14),
        grading_scheme=GradingScheme.objects.get(is_default=True),
        inspectors_per_group=2,
        notes="对辖区个体工商户及小微企业的登记事项、信息公示和经营资质开展双随机抽查。",
    )
    planning.task_update(
        actor=org,
        task=task,
        filter_entity_types=["individual", "company"],
        group_count=1,
        max_load=80,
    )
    items = list(
        InspectionItem.objects.filter(
            version__status="published", version__item_list__department=market
        ).order_by("position")[:2]
    )
    planning.task_department_save(
        actor=org, task=task, department=market, inspectors_per_group=2, items=items
    )
    planning.task_strata_set(
        actor=org, task=task, rules=[(grade, False, None, count) for grade, count in STRATA]
    )
    for inspector in Inspector.objects.filter(department=market, user__isnull=True).order_by("pk"):
        planning.task_exclude_inspector(
            actor=org,
            task=task,
            inspector=inspector,
            reason="other_duty",
            detail="已安排参加第四批食品经营者抽查",
        )
    draw = planning.draw_commit(
        actor=org,
        task=task,
        witnesses=[
            planning.WitnessInput("韩立新", "supervisor", "宽城满族自治县司法局"),
            planning.WitnessInput("群众代表乙", "public", "个体工商户代表"),
        ],
    )
    clock.at(drawn_on, 9, 30)
    for witness, digits in zip(draw.witnesses.order_by("id"), ["415263", "253614"], strict=True):
        planning.draw_witness_digits(actor=org, draw=draw, witness=witness, digits=digits)
    clock.at(drawn_on, 10)
    draw = planning.draw_run(actor=org, draw=draw)
    clock.at(drawn_on, 16)
    planning.dispatch_confirm(actor=admin, task=task, department=market)

    # Results, by the group the draw chose.
    group = draw.groups.get()
    members = list(group.members.filter(active=True).select_related("inspector__user"))
    leader = next(m.inspector.user for m in members if m.is_leader)
    other = next(m.inspector.user for m in members if not m.is_leader)
    assert leader is not None and other is not None
    part = task.departments.get(department=market)
    category_set = services.category_set_for(task.region)
    cats = list(ResultCategory.objects.filter(category_set=category_set).order_by("position"))
    passed = next(c for c in cats if c.kind == CategoryKind.PASS)
    problems = [c for c in cats if c.kind == CategoryKind.PROBLEM]
    problem = problems[1] if len(problems) > 1 else problems[0]
    sheets = list(
        Assignment.objects.filter(draw=draw, status=AssignmentStatus.ASSIGNED)
        .select_related("entity")
        .order_by("sheet_number")
    )
    assert len(sheets) == 10, len(sheets)

    def enter(a: Assignment, n: int, *, found: str = "", refused: bool = False) -> None:
        """Told by phone in the morning of working day n after the draw, inspected that day."""
        clock.at(workday(n), 8, 30)
        services.sheet_notice_set(
            actor=leader, assignment=a, method="phone", notified_at=timezone.now()
        )
        day = workday(n)
        clock.at(day, 16)
        for n, item in enumerate(items):
            services.item_result_save(
                actor=leader,
                assignment=a,
                part=part,
                item=item,
                categories=[problem] if found and n == 0 else [passed],
                problems=found if n == 0 else "",
                inspected_on=day,
                methods=["on_site", "written"],
                measures=["correct", "record"] if found and n == 0 else [],
            )
        if refused:
            services.sheet_signature_set(
                actor=leader,
                assignment=a,
                status="refused",
                witness="所在村村委会委员 王春生",
                reason="经营者称需与合伙人商量，拒绝在检查记录上签字",
            )
        else:
            services.sheet_signature_set(
                actor=leader,
                assignment=a,
                status="signed",
                signer_name="经营者本人",
                signed_at=moment(day, 15),
            )

    def publish(a: Assignment, n: int) -> None:
        """Submitted, approved and published on working day n after the draw."""
        clock.at(workday(n), 10)
        services.sheet_submit(actor=leader, assignment=a)
        sheet = SheetResult.objects.get(assignment=a)
        clock.at(workday(n), 14)
        services.sheet_review(actor=reviewer, sheet=sheet, approve=True, note="符合要求")
        clock.at(workday(n), 15)
        services.sheet_publish(actor=reviewer, sheet=sheet)

    # 1. 通过登记的住所（经营场所）无法联系, with a photo of the closed premises: visited on
    # working days 1 and 2 after the draw.
    a = sheets[0]
    first_visit, second_visit = workday(1), workday(2)
    clock.at(first_visit, 9)
    services.sheet_notice_set(
        actor=leader, assignment=a, method="phone", notified_at=timezone.now()
    )
    clock.at(second_visit, 16)
    services.sheet_outcome_set(
        actor=leader,
        assignment=a,
        outcome="unreachable",
        note=f"{first_visit:%Y年%-m月%-d日}、{second_visit:%-m月%-d日}两次到登记住所实地核查，"
        "门店已关闭，登记电话停机，向所在村委会了解，该户已于半年前搬离，去向不明。",
        on=second_visit,
    )
    services.evidence_add(
        actor=other,
        assignment=a,
        note="登记住所现状照片",
        **_file("登记住所现状.png", _png((128, 128, 128))),  # type: ignore[arg-type]
    )
    publish(a, 3)
    # 2. Refusal to sign, published.
    enter(sheets[1], 4, refused=True)
    publish(sheets[1], 5)
    # 3. Returned by the reviewer, still 审核退回.
    enter(sheets[2], 6)
    clock.at(workday(7), 10)
    services.sheet_submit(actor=leader, assignment=sheets[2])
    clock.at(workday(7), 15)
    services.sheet_review(
        actor=reviewer,
        sheet=SheetResult.objects.get(assignment=sheets[2]),
        approve=False,
        note="未附现场检查照片，经营场所面积记录与登记不符，请核实后重新提交",
    )
    # 4. Published, then corrected (approved by the department administrator).
    enter(sheets[3], 8)
    publish(sheets[3], 9)
    # 5. A problem found, follow-up opened and closed with the rectification report.
    year = drawn_on.year - 1
    enter(sheets[4], 10, found=f"未按规定公示{year}年度报告")
    services.evidence_add(
        actor=other,
        assignment=sheets[4],
        item_result=SheetResult.objects.get(assignment=sheets[4]).items.order_by("pk")[0],
        note="现场检查照片",
        **_file("现场检查照片.png", _png((200, 40, 40))),  # type: ignore[arg-type]
    )
    publish(sheets[4], 11)
    found_item = SheetResult.objects.get(assignment=sheets[4]).items.order_by("pk")[0]
    followup = services.followup_open(
        actor=reviewer,
        item_result=found_item,
        kind="rectify",
        description=f"责令于十五日内补报并公示{year}年度报告",
        due_on=workday(11) + dt.timedelta(days=15),
    )
    # 6. A problem found, follow-up still open (due after the day the demo is loaded).
    enter(sheets[5], 12, found="未取得食品经营许可从事预包装食品销售")
    publish(sheets[5], 13)
    open_item = SheetResult.objects.get(assignment=sheets[5]).items.order_by("pk")[0]
    services.followup_open(
        actor=reviewer,
        item_result=open_item,
        kind="case",
        description="涉嫌未取得许可从事食品经营，移交执法稽查大队立案查处",
        due_on=clock.today + dt.timedelta(days=30),
    )
    services.evidence_add(
        actor=reviewer,
        assignment=sheets[5],
        followup=FollowUp.objects.get(item_result=open_item),
        note="案件移交单",
        **_file("案件移交单.pdf", PDF + b"%case\n"),  # type: ignore[arg-type]
    )
    # 7–10. Nothing found: inspected on working days 14–17, published together on day 18.
    for n, a in enumerate(sheets[6:], start=14):
        enter(a, n)
    for a in sheets[6:]:
        publish(a, 18)
    # Later: the correction of sheet 4 (days 19–20) and the follow-up of sheet 5 (days 20–21).
    first_item = SheetResult.objects.get(assignment=sheets[3]).items.order_by("pk")[0]
    clock.at(workday(19), 10)
    correction = services.correction_create(
        actor=reviewer,
        item_result=first_item,
        reason="复核现场笔录发现，检查时该户未按规定公示营业执照，录入时误选“未发现问题”",
        categories=[problem],
        problems="营业执照未在经营场所醒目位置悬挂",
    )
    clock.at(workday(20), 10)
    services.correction_review(actor=admin, correction=correction, approve=True, note="同意更正")
    clock.at(workday(20), 11)
    services.followup_update(
        actor=reviewer, followup=followup, text="已电话督促，经营者承诺一周内补报"
    )
    clock.at(workday(21), 10)
    services.evidence_add(
        actor=reviewer,
        assignment=sheets[4],
        followup=followup,
        note="年度报告公示截图及整改说明",
        **_file("整改报告.pdf", PDF),  # type: ignore[arg-type]
    )
    services.followup_close(
        actor=reviewer, followup=followup, note=f"已补报并公示{year}年度报告，整改到位"
    )

    return (
        f"检查结果：{task.name}（{task.number}）已抽取 {len(sheets)} 户，已公示 9 户，退回 1 户，"
        "住所无法联系 1 户，更正 1 件，后续处置 2 件（未完结 1 件）"
    )
