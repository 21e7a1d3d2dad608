"""Demo plans and tasks for 宽城满族自治县: the joint inspection of seed 002 (internet cafés,
entertainment venues and cinemas, led by 县旅游和文化广电局 with four departments, two
inspectors per department per group), already drawn at a witnessed ceremony, and a draft
single-department task of 县市场监督管理局 ready for its preview and ceremony. Both are made on the
day the demo is loaded, their inspection windows starting then (core.demo: the demo's history
ends today)."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import Department, User
from catalog.models import InspectionItem
from registry.models import GradingScheme, Tag

from . import services
from .models import InspectionTask, PlanStatus, TaskKind

# Both names are preceded by the year the demo is loaded.
JOINT_TASK = "年度互联网上网服务营业场所、娱乐场所、电影发行放映经营主体双随机联合抽查"
MARKET_TASK = "年度食品经营者双随机抽查（第四批）"
STRATA = [("A", 300), ("B", 500), ("C", 1000), ("D", 2000), ("E", 3000), ("N", 500)]


def _items(department: Department, limit: int = 3) -> list[InspectionItem]:
    return list(
        InspectionItem.objects.filter(
            version__status="published", version__item_list__department=department
        ).order_by("position")[:limit]
    )


@transaction.atomic
def demo_load(*, departments: dict[str, Department]) -> str:
    if InspectionTask.objects.filter(name__endswith=JOINT_TASK).exists():
        return "计划与抽取：演示数据已存在"
    users = {u.username: u for u in User.objects.filter(username__startswith="kc.")}
    by_short = {d.short_name: d for d in departments.values()}
    culture = by_short["县旅游和文化广电局"]
    others = [
        by_short[n] for n in ["县公安局", "县卫生健康局", "县市场监督管理局", "县消防救援大队"]
    ]
    scheme = GradingScheme.objects.get(is_default=True)
    today = timezone.localdate()
    year = today.year

    # The culture bureau's annual plan, with the joint batch of seed 002, published.
    version = services.plan_create(
        actor=users["kc.wl.organizer"],
        department=culture,
        year=year,
        title=f"{year}年度县旅游和文化广电局双随机抽查工作计划",
        body="按照信用风险分级分类监管要求，对互联网上网服务营业场所、娱乐场所、电影发行放映等经营主体"
        "开展双随机抽查，全年抽查比例不低于辖区主体的 5%，跨部门联合抽查占比不低于 25%。",
    )
    batch = services.plan_batch_save(
        actor=users["kc.wl.organizer"],
        version=version,
        name="文化市场经营主体跨部门联合抽查",
        target_scope="2024年6月1日前登记的互联网上网服务营业场所、娱乐场所、电影发行放映经营主体",
        window_start=today,
        window_end=today + dt.timedelta(days=30),
        ratio_bp=500,
        is_joint=True,
        participants=others,
        items=_items(culture),
        result_deadline_workdays=5,
    )
    services.plan_submit(actor=users["kc.wl.organizer"], version=version)
    version = services.plan_review(
        actor=users["kc.wl.reviewer"], version=version, approve=True, note="同意，按程序公示"
    )

    # The joint task, drawn at a witnessed ceremony.
    org = users["kc.wl.organizer"]
    task = services.task_create(
        actor=org,
        lead_department=culture,
        name=f"{year}{JOINT_TASK}",
        kind=TaskKind.JOINT,
        window_start=batch.window_start,
        window_end=batch.window_end,
        grading_scheme=scheme,
        batch=batch,
        participants=others,
        inspectors_per_group=2,
        result_deadline_workdays=5,
        notes="依据宽双随机办〔2024〕号实施方案，每个参与部门每组抽取执法人员 2 人。",
    )
    services.task_update(
        actor=org,
        task=task,
        filter_registered_before=dt.date(2024, 6, 1),
        # the market inspectors already carry the 第三批's ten sheets
        max_load=40,
        filter_tags=list(Tag.objects.filter(code__in=["netbar", "entertainment", "cinema"])),
    )
    for department in [culture, *others]:
        services.task_department_save(
            actor=org,
            task=task,
            department=department,
            inspectors_per_group=2,
            items=_items(department),
        )
    services.task_strata_set(
        actor=org, task=task, rules=[(grade, False, ratio, None) for grade, ratio in STRATA]
    )
    draw = services.draw_commit(
        actor=org,
        task=task,
        witnesses=[
            services.WitnessInput("宋文华", "notary", "宽城满族自治县公证处"),
            services.WitnessInput("韩立新", "supervisor", "宽城满族自治县司法局"),
            services.WitnessInput("群众代表甲", "public", "网吧经营者代表"),
        ],
    )
    for witness, digits in zip(
        draw.witnesses.order_by("id"), ["352614", "146253", "631425"], strict=True
    ):
        services.draw_witness_digits(actor=org, draw=draw, witness=witness, digits=digits)
    draw = services.draw_run(actor=org, draw=draw)

    # A draft single-department task, ready for its preview.
    market = by_short["县市场监督管理局"]
    draft = services.task_create(
        actor=users["kc.sj.organizer"],
        lead_department=market,
        name=f"{year}{MARKET_TASK}",
        kind=TaskKind.SINGLE,
        window_start=today + dt.timedelta(days=5),
        window_end=today + dt.timedelta(days=35),
        grading_scheme=scheme,
        inspectors_per_group=2,
    )
    services.task_update(
        actor=users["kc.sj.organizer"],
        task=draft,
        filter_tags=list(Tag.objects.filter(code="food")),
    )
    services.task_department_save(
        actor=users["kc.sj.organizer"],
        task=draft,
        department=market,
        inspectors_per_group=2,
        items=_items(market),
    )
    services.task_strata_set(
        actor=users["kc.sj.organizer"],
        task=draft,
        rules=[(grade, False, ratio, None) for grade, ratio in STRATA],
    )
    selected = draw.assignments.count()
    status = PlanStatus(version.status).label
    return (
        f"计划与抽取：年度计划 1 份（{status}），联合抽查任务 1 个（已抽取 {selected} 户，"
        f"{draw.groups.count()} 个检查组），待抽取任务 1 个"
    )
