"""Demo data of the 执法检查人员名录库 and 专家名录库 for 宽城满族自治县 (130827).

Eight inspectors in each of the five departments of seed 002's joint inspection, a dozen experts,
a few people on leave or seconded, two certificates expiring within 30 days and one expired,
a few conflict-of-interest declarations, and the demo inspector accounts (kc.<abbr>.inspector1..3)
linked to their records.

执法证号 in the demo: 14 digits = 区划代码 (130827) + 发证年份 (4) + 序号 (4), the sequence's first
digit standing for the department (1 文旅, 2 公安, 3 卫健, 4 市场监管, 5 消防), e.g. 13082720194003.
Only digits are used: the draw certificate accepts letters, digits, - and _ in badge numbers.

Writes go through the services, as the department's organizer account, so the audit log shows
them. Specialty tags are created through registry.services (tag_category_create / tag_create) as
the county administrator when no specialty category exists yet. Idempotent: existing records
(by 执法证号, by department+name+organisation for experts) are left as they are.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from stdnum.cn import ric
from stdnum.cn import uscc as uscc_check

from accounts.models import Department, User
from core.demo import demo_today
from registry.models import Tag, TagCategory

from . import services
from .models import ConflictOfInterest, Expert, Inspector, InspectorStatus

COUNTY = "130827"
SEED = 130827_2026
PREFIX = "宽城满族自治县"

SPECIALTIES = [
    ("SP-CULTURE", "文化市场"),
    ("SP-ENTERTAIN", "娱乐场所"),
    ("SP-NETCAFE", "网吧管理"),
    ("SP-TOURISM", "旅游服务"),
    ("SP-PUBORDER", "治安管理"),
    ("SP-CYBER", "网络安全"),
    ("SP-PUBHEALTH", "公共卫生"),
    ("SP-MEDICAL", "医疗机构"),
    ("SP-FOOD", "食品安全"),
    ("SP-EQUIP", "特种设备"),
    ("SP-PRICE", "价格监督"),
    ("SP-QUALITY", "产品质量"),
    ("SP-FIRE", "消防安全"),
]

# abbreviation, department, law field, sequence digit, specialty codes, posts, other names
DEPARTMENTS = [
    (
        "wl",
        "旅游和文化广电局",
        "文化市场",
        "1",
        ["SP-CULTURE", "SP-ENTERTAIN", "SP-NETCAFE", "SP-TOURISM"],
        ["文化市场综合执法队队长", "执法队员", "执法队员", "副队长"],
        ["刘卫东", "张雅婷", "石振宇", "白玉兰", "齐宏伟"],
    ),
    (
        "ga",
        "公安局",
        "治安管理",
        "2",
        ["SP-PUBORDER", "SP-CYBER", "SP-FIRE"],
        ["治安大队民警", "网安大队民警", "派出所副所长", "治安大队副大队长"],
        ["孟庆林", "付国栋", "常海涛", "武晓光", "崔永刚"],
    ),
    (
        "wj",
        "卫生健康局",
        "卫生健康",
        "3",
        ["SP-PUBHEALTH", "SP-MEDICAL"],
        ["卫生监督员", "卫生监督所副所长", "卫生监督员", "医政股股长"],
        ["姜淑芬", "鲁建新", "贾晓丽", "尹志国", "侯婷婷"],
    ),
    (
        "sj",
        "市场监督管理局",
        "市场监管",
        "4",
        ["SP-FOOD", "SP-EQUIP", "SP-PRICE", "SP-QUALITY"],
        ["市场监管所所长", "执法人员", "稽查大队队员", "食品安全监管股股长"],
        ["于占海", "潘玉梅", "邢建华", "段立新", "毛春雨"],
    ),
    (
        "xf",
        "消防救援大队",
        "消防监督",
        "5",
        ["SP-FIRE"],
        ["防火监督员", "防火监督科科长", "消防救援站站长", "防火监督员"],
        ["秦振华", "康宇航", "郝立军", "聂文杰", "单晓峰"],
    ),
]

# The demo inspector accounts of core.demo (kc.<abbr>.inspector1..3), by name.
ACCOUNT_NAMES = {
    "wl": ["王海燕", "李春生", "陈雪"],
    "ga": ["杨帆", "郭建华", "吴桐"],
    "wj": ["宋磊", "唐敏", "许文博"],
    "sj": ["曹雪梅", "彭涛", "董雅琴"],
    "xf": ["蒋伟", "沈冰", "韩梅"],
}
FEMALE = set(
    [
        "王海燕",
        "陈雪",
        "吴桐",
        "唐敏",
        "曹雪梅",
        "董雅琴",
        "沈冰",
        "韩梅",
        "张雅婷",
        "白玉兰",
        "姜淑芬",
        "贾晓丽",
        "侯婷婷",
        "潘玉梅",
    ]
)

EXPERTS = [
    # department abbr, name, organisation, title, qualification, specialty codes
    ("sj", "李建民", "承德市特种设备监督检验所", "高级工程师", "特种设备检验师", ["SP-EQUIP"]),
    ("sj", "周敏", "承德市食品药品检验检测中心", "主任药师", "食品检验工程师", ["SP-FOOD"]),
    ("sj", "谭志远", "河北某计量检定测试所", "工程师", "注册计量师", ["SP-QUALITY"]),
    ("wj", "马玉琴", "宽城满族自治县医院", "主任医师", "执业医师", ["SP-MEDICAL"]),
    ("wj", "陆宏", "承德市疾病预防控制中心", "副主任医师", "公共卫生执业医师", ["SP-PUBHEALTH"]),
    ("wj", "邱丽华", "宽城满族自治县中医院", "主管护师", "执业护士", ["SP-MEDICAL"]),
    ("xf", "范建国", "承德某消防技术服务有限公司", "高级工程师", "一级注册消防工程师", ["SP-FIRE"]),
    ("xf", "温立新", "河北某建筑设计院承德分院", "工程师", "二级注册消防工程师", ["SP-FIRE"]),
    ("wl", "薛文博", "承德市文化艺术研究所", "副研究馆员", "文物鉴定人员", ["SP-CULTURE"]),
    ("wl", "钱晓雯", "承德某旅行社有限公司", "导游（高级）", "高级导游证", ["SP-TOURISM"]),
    ("ga", "龚志强", "承德某网络安全测评中心", "工程师", "注册信息安全专业人员", ["SP-CYBER"]),
    (
        "ga",
        "严海",
        "宽城满族自治县危险化学品安全协会",
        "高级工程师",
        "注册安全工程师",
        ["SP-PUBORDER"],
    ),
]


def _actor(abbr: str, role: str) -> User | None:
    return User.objects.filter(username=f"kc.{abbr}.{role}").first()


def _id_number(rng: random.Random) -> str:
    # 承德县's area code (in stdnum's table from 1983 on; 130827 is not in that table).
    birth = dt.date(1984, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 16))
    body = f"130821{birth:%Y%m%d}{rng.randrange(1, 999):03d}"
    return body + ric.calc_check_digit(body + "0")


def _uscc(rng: random.Random) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "9213" + "0827" + "MA" + "".join(rng.choice(alphabet) for _ in range(7))
    return body + uscc_check.calc_check_digit(body)


def _specialty_tags() -> dict[str, Tag]:
    """The specialty tags, created through registry.services when missing."""
    from registry.services import tag_category_create, tag_create

    admin = User.objects.filter(username="kc.admin").first()
    category = (
        TagCategory.objects.filter(code="specialty").first()
        or TagCategory.objects.filter(applies_to_inspectors=True).order_by("sort_order").first()
    )
    if category is None:
        if admin is None:
            raise RuntimeError("演示账号 kc.admin 不存在：先运行 load_demo 创建演示账号")
        category = tag_category_create(
            actor=admin,
            code="specialty",
            name="专业领域",
            applies_to_entities=False,
            applies_to_inspectors=True,
            sort_order=20,
        )
    tags = {t.code: t for t in Tag.objects.filter(code__in=[c for c, _ in SPECIALTIES])}
    for code, name in SPECIALTIES:
        if code in tags:
            continue
        existing = Tag.objects.filter(category=category, name=name).first()
        if existing is not None:
            tags[code] = existing
            continue
        if admin is None:
            raise RuntimeError("演示账号 kc.admin 不存在：先运行 load_demo 创建演示账号")
        tags[code] = tag_create(actor=admin, category=category, code=code, name=name)
    return tags


@transaction.atomic
def demo_load(*, departments: dict[str, Department]) -> str:
    rng = random.Random(SEED)
    today = demo_today()  # validity and leave are relative to the day the demo is loaded
    tags = _specialty_tags()
    created = linked = declared = experts_created = 0
    roster: dict[str, list[Inspector]] = {}
    for abbr, short, law_field, digit, specialty_codes, posts, others in DEPARTMENTS:
        department = departments[PREFIX + short]
        actor = _actor(abbr, "organizer")
        names = ACCOUNT_NAMES[abbr] + others
        roster[abbr] = []
        for index, name in enumerate(names, start=1):
            year = 2019 + (index * 3 + int(digit)) % 7
            number = f"{COUNTY}{year}{digit}{index:03d}"
            inspector = Inspector.objects.filter(certificate_no=number).first()
            if inspector is None:
                valid_to = dt.date(max(year + 8, today.year + 1), 12, 31)
                if (abbr, index) in {("sj", 5), ("wl", 6)}:
                    valid_to = today + dt.timedelta(days=12 if abbr == "sj" else 25)
                elif (abbr, index) == ("wj", 8):
                    valid_to = today - dt.timedelta(days=20)  # expired: out of every draw
                if valid_to < dt.date(year, 1, 1):
                    valid_to = dt.date(year, 12, 31)
                chosen = rng.sample(
                    specialty_codes, k=min(len(specialty_codes), rng.choice((1, 2)))
                )
                inspector = services.inspector_create(
                    actor=actor,
                    department=department,
                    name=name,
                    gender="female" if name in FEMALE else "male",
                    post=posts[(index - 1) % len(posts)],
                    certificate_no=number,
                    law_field=law_field,
                    certificate_authority="河北省人民政府",
                    valid_from=dt.date(year, 1, 1),
                    valid_to=valid_to,
                    phone=f"139{rng.randrange(0, 10**8):08d}",
                    id_number=_id_number(rng) if index % 3 else "",
                    specialties=[tags[c] for c in chosen],
                    status_from=dt.date(2024, 1, 1),
                )
                created += 1
                _demo_status(abbr, index, inspector, actor, today)
            roster[abbr].append(inspector)
            if index <= 3 and inspector.user_id is None:
                account = User.objects.filter(username=f"kc.{abbr}.inspector{index}").first()
                if account is not None and not Inspector.objects.filter(user=account).exists():
                    services.inspector_link_account(actor=actor, inspector=inspector, user=account)
                    linked += 1
    declared = _demo_conflicts(roster, rng, today)
    for abbr, name, organisation, title, qualification, codes in EXPERTS:
        department = departments[PREFIX + dict((d[0], d[1]) for d in DEPARTMENTS)[abbr]]
        if Expert.objects.filter(
            department=department, name=name, organisation=organisation
        ).exists():
            continue
        services.expert_create(
            actor=_actor(abbr, "organizer"),
            department=department,
            name=name,
            organisation=organisation,
            title=title,
            qualification=qualification,
            specialties=[tags[c] for c in codes],
            phone=f"138{rng.randrange(0, 10**8):08d}",
        )
        experts_created += 1
    return (
        f"执法检查人员名录库：新增人员 {created} 名（共 {Inspector.objects.count()} 名）、"
        f"专家 {experts_created} 名、回避登记 {declared} 条，关联演示账号 {linked} 个。"
    )


def _demo_status(abbr: str, index: int, inspector: Inspector, actor: User | None, today) -> None:
    """A few people on leave (one ongoing, one planned), seconded, or retired."""
    S = InspectorStatus
    plans = {
        ("wl", 5): (S.LEAVE, today - dt.timedelta(days=3), today + dt.timedelta(days=7), "年休假"),
        ("sj", 6): (S.LEAVE, today + dt.timedelta(days=10), today + dt.timedelta(days=20), "婚假"),
        ("ga", 7): (S.SECONDED, today - dt.timedelta(days=86), None, "借调县委政法委"),
        ("wj", 6): (
            S.SECONDED,
            today - dt.timedelta(days=49),
            today + dt.timedelta(days=125),
            "借调市卫健委",
        ),
        ("xf", 8): (S.RETIRED, today - dt.timedelta(days=148), None, "到龄退休"),
        ("sj", 8): (S.LEAVE, today - dt.timedelta(days=1), today + dt.timedelta(days=60), "产假"),
    }
    plan = plans.get((abbr, index))
    if plan is None:
        return
    status, start, until, reason = plan
    services.inspector_status_change(
        actor=actor,
        inspector=inspector,
        status=status,
        effective_from=start,
        until=until,
        reason=reason,
    )


def _demo_conflicts(roster: dict[str, list[Inspector]], rng: random.Random, today) -> int:
    """Declarations against real demo entities when the registry has them."""
    from registry.models import Entity

    keys = [
        (key, name)
        for key, name in Entity.objects.filter(region__code__startswith=COUNTY)
        .exclude(uscc="")
        .order_by("pk")
        .values_list("uscc", "name")[:40]
        if uscc_check.is_valid(key)
    ]
    if len(keys) < 5:
        keys = [(_uscc(rng), f"宽城县演示商户{i}") for i in range(5)]
    plan = [
        ("wl", 1, 0, "kinship", "配偶的兄弟为该单位经营者"),
        ("wl", 4, 1, "former_employment", "2019 年前在该单位工作"),
        ("sj", 2, 2, "economic", "持有该公司股份"),
        ("sj", 4, 3, "kinship", "父亲为该单位法定代表人"),
        ("wj", 1, 4, "former_employment", "曾在该诊所兼职"),
    ]
    declared = 0
    for abbr, index, key_index, relation, detail in plan:
        inspector = roster[abbr][index - 1]
        key, name = keys[key_index * 7 % len(keys)]
        if ConflictOfInterest.objects.filter(inspector=inspector).exists():
            continue
        services.conflict_declare(
            actor=_actor(abbr, "organizer"),
            inspector=inspector,
            entity_key=key,
            entity_name=name,
            relation=relation,
            detail=detail,
            valid_from=dt.date(2024, 1, 1),
        )
        declared += 1
    return declared
