"""Demo data for the 检查对象名录库 of 宽城满族自治县 (130827): ~30,000 entities spread over its
townships, deterministic (fixed seed), written in bulk, loaded once (skipped when present).

Identifiers are valid: USCCs carry correct check characters (92… 个体工商户, 91… companies,
93… cooperatives, with a valid embedded 组织机构代码), and ~4 % of 个体工商户 are legacy
entries with only a 15-digit 注册号. Grades follow the Hebei A–E scheme (A 30 %, B 40 %,
C 20 %, D 7 %, E 3 %), a fifth with an earlier grade; flags, complaints and the tags of seed 002
(互联网上网服务营业场所, 娱乐场所, 电影发行放映, a few hundred each) plus 公共场所 and 食品经营.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Department, DepartmentKind
from audit.services import entry_append
from regions.models import Region, RegionLevel

from .identifiers import USCC_ALPHABET, org_code_complete, reg_no_complete, uscc_complete
from .models import (
    ChangeSource,
    Complaint,
    ComplaintSource,
    Entity,
    EntityChange,
    EntityFlag,
    EntityGrade,
    EntityStatus,
    EntityTag,
    EntityType,
    FlagKind,
    GradeLevel,
    GradingScheme,
    Tag,
    TagCategory,
)
from .services import current_grades_refresh

COUNTY = "130827"
TOTAL = 30_000
SEED = 20241126
K = DepartmentKind

TAGS = [
    # code, name, description
    ("netbar", "互联网上网服务营业场所", "网吧（seed 002 联合抽查对象）"),
    ("entertainment", "娱乐场所", "歌舞、游艺娱乐场所（seed 002 联合抽查对象）"),
    ("cinema", "电影发行放映", "电影院、放映点（seed 002 联合抽查对象）"),
    ("public_place", "公共场所", "住宿、沐浴、美容美发等公共场所（卫生监督）"),
    ("food", "食品经营", "餐饮服务、食品销售"),
    ("special_equipment", "特种设备使用单位", "电梯、锅炉、压力容器等"),
]

# kind of business: (weight, entity type, industry section, detail, name suffixes, tags,
#                    supervising department kinds)
BUSINESSES: list[tuple[int, str, str, str, list[str], list[str], list[str]]] = [
    (
        300,
        "individual",
        "R",
        "互联网上网服务",
        ["网吧", "网咖"],
        ["netbar"],
        [K.CULTURE_TOURISM, K.PUBLIC_SECURITY, K.FIRE, K.MARKET],
    ),
    (
        320,
        "individual",
        "R",
        "歌舞娱乐活动",
        ["歌厅", "KTV", "游艺厅"],
        ["entertainment"],
        [K.CULTURE_TOURISM, K.PUBLIC_SECURITY, K.FIRE, K.MARKET],
    ),
    (
        220,
        "company",
        "R",
        "电影放映",
        ["影城有限公司", "电影院有限公司", "影视文化传媒有限公司"],
        ["cinema"],
        [K.CULTURE_TOURISM, K.FIRE, K.MARKET],
    ),
    (
        1400,
        "individual",
        "H",
        "旅游饭店及一般旅馆",
        ["宾馆", "旅馆", "招待所"],
        ["public_place"],
        [K.HEALTH, K.PUBLIC_SECURITY, K.FIRE, K.MARKET],
    ),
    (
        1100,
        "individual",
        "O",
        "理发及美容服务",
        ["理发店", "美容美发店", "浴池"],
        ["public_place"],
        [K.HEALTH, K.MARKET],
    ),
    (
        6000,
        "individual",
        "H",
        "正餐服务",
        ["饭店", "农家院", "烧烤店", "面馆"],
        ["food"],
        [K.MARKET, K.FIRE],
    ),
    (
        8000,
        "individual",
        "F",
        "食杂店零售",
        ["超市", "便利店", "食杂店", "小卖部"],
        ["food"],
        [K.MARKET],
    ),
    (
        4200,
        "individual",
        "O",
        "汽车、摩托车维修",
        ["汽车修理部", "电动车维修部", "五金店"],
        [],
        [K.MARKET],
    ),
    (
        4000,
        "company",
        "C",
        "制造业",
        ["矿业有限公司", "建材有限公司", "农产品加工有限公司", "机械制造有限公司"],
        ["special_equipment"],
        [K.MARKET],
    ),
    (
        3300,
        "company",
        "F",
        "批发业",
        ["商贸有限公司", "农资有限公司", "物资经销有限公司"],
        [],
        [K.MARKET],
    ),
    (
        1160,
        "cooperative",
        "A",
        "板栗、山楂种植",
        ["板栗种植专业合作社", "山楂种植专业合作社", "中药材种植专业合作社", "养殖专业合作社"],
        [],
        [K.MARKET],
    ),
]
TRADE_NAMES = list(
    [
        "鑫源",
        "宏达",
        "兴旺",
        "龙腾",
        "金鼎",
        "顺发",
        "福满",
        "华盛",
        "瑞丰",
        "恒通",
        "永盛",
        "万家",
        "德润",
        "嘉和",
        "盛世",
        "天成",
        "宏远",
        "聚福",
        "祥云",
        "明珠",
        "新星",
        "好运",
        "富民",
        "吉祥",
        "安康",
        "隆昌",
        "双赢",
        "美佳",
        "春晖",
        "长城",
        "燕山",
        "滦河",
        "都山",
        "青松",
        "红叶",
        "银河",
        "喜来",
        "乐家",
        "百川",
        "合众",
    ]
)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁于蒋蔡"
GIVEN = [
    "建国",
    "秀英",
    "志强",
    "丽娟",
    "春生",
    "海燕",
    "立军",
    "桂兰",
    "永明",
    "红梅",
    "国庆",
    "淑珍",
    "振华",
    "玉兰",
    "文博",
    "晓梅",
    "德胜",
]
GRADE_SHARES = [("A", 30), ("B", 40), ("C", 20), ("D", 7), ("E", 3)]
_RIC_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))


def _org_body(index: int) -> str:
    """Eight characters "MA" + base-31 digits of index: unique per demo entity."""
    digits = []
    n = index + 31**4  # keep six characters with a non-zero start
    for _ in range(6):
        n, r = divmod(n, 31)
        digits.append(USCC_ALPHABET[r])
    return "MA" + "".join(reversed(digits))


def _id_number(rng: random.Random) -> str:
    birth = dt.date(1955, 1, 1) + dt.timedelta(days=rng.randrange(0, 45 * 365))
    body = f"{COUNTY}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    total = sum(int(c) * w for c, w in zip(body, _RIC_WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def demo_load(*, departments: dict[str, Department]) -> str:
    townships = list(
        Region.objects.filter(code__startswith=COUNTY, level=RegionLevel.TOWNSHIP).order_by("code")
    ) or list(Region.objects.filter(code=COUNTY))
    if not townships:
        return "检查对象名录库：缺少宽城满族自治县区划，未载入演示数据。"
    marker = uscc_complete("92" + COUNTY + org_code_complete(_org_body(0)))
    if (
        Entity.objects.filter(uscc=marker).exists()
        or Entity.objects.filter(reg_no=reg_no_complete(f"{COUNTY}6{0:07d}")).exists()
    ):
        return "检查对象名录库：演示数据已存在，跳过。"
    return _load(townships, departments)


@transaction.atomic
def _load(townships: list[Region], departments: dict[str, Department]) -> str:
    rng = random.Random(SEED)
    now = timezone.now()
    today = timezone.localdate()
    scheme = GradingScheme.objects.get(code="hebei-a-e")
    levels = {lv.code: lv for lv in GradeLevel.objects.filter(scheme=scheme)}
    category, _ = TagCategory.objects.get_or_create(
        code="business", defaults={"name": "经营业态", "sort_order": 1}
    )
    tags = {}
    for code, name, description in TAGS:
        tags[code], _ = Tag.objects.get_or_create(
            code=code, defaults={"category": category, "name": name, "description": description}
        )
    by_kind: dict[str, Department] = {}
    for department in departments.values():
        if department.region_id == COUNTY:
            by_kind.setdefault(department.kind, department)

    weights = [b[0] for b in BUSINESSES]
    entities: list[Entity] = []
    plans: list[dict[str, Any]] = []
    for index in range(TOTAL):
        # entity #0 is always a 92… 个体工商户: its USCC marks the demo as loaded
        business = BUSINESSES[0] if index == 0 else rng.choices(BUSINESSES, weights)[0]
        _w, etype, section, detail, suffixes, tag_codes, dept_kinds = business
        town = rng.choice(townships)
        trade = rng.choice(TRADE_NAMES)
        suffix = rng.choice(suffixes)
        town_name = town.name if town.code != COUNTY else ""
        if etype == EntityType.COMPANY:
            name = f"宽城满族自治县{trade}{suffix}"
        elif etype == EntityType.COOPERATIVE:
            name = f"宽城满族自治县{town_name}{trade}{suffix}"
        else:
            name = f"宽城县{town_name}{trade}{suffix}"
        category_digit = {"company": "1", "individual": "2", "cooperative": "3"}[etype]
        legacy = etype == EntityType.INDIVIDUAL and rng.random() < 0.04 and index > 0
        uscc = (
            ""
            if legacy
            else uscc_complete("9" + category_digit + COUNTY + org_code_complete(_org_body(index)))
        )
        reg_no = ""
        if legacy or rng.random() < 0.3:
            reg_no = reg_no_complete(
                f"{COUNTY}{'6' if etype == EntityType.INDIVIDUAL else '2'}{index:07d}"
            )
        person = rng.choice(SURNAMES) + rng.choice(GIVEN)
        registered = dt.date(1998, 1, 1) + dt.timedelta(days=rng.randrange(0, 26 * 365))
        status_roll = rng.random()
        status = (
            EntityStatus.ACTIVE
            if status_roll < 0.9
            else EntityStatus.CANCELLED
            if status_roll < 0.95
            else EntityStatus.REVOKED
            if status_roll < 0.98
            else EntityStatus.SUSPENDED
        )
        entities.append(
            Entity(
                uscc=uscc,
                reg_no=reg_no,
                name=name,
                entity_type=etype,
                industry_code=section,
                industry_detail=detail,
                representative=person,
                id_number=_id_number(rng),
                phone=f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
                address=f"宽城满族自治县{town_name}{rng.choice(['', '北', '南', '东', '西'])}"
                f"{rng.choice(['大街', '新村', '村', '街道'])}{rng.randrange(1, 300)}号",
                region_id=town.code,
                registered_on=min(registered, today),
                status=status,
            )
        )
        plans.append({"tags": tag_codes, "kinds": dept_kinds})
    Entity.objects.bulk_create(entities, batch_size=2000)

    entry = entry_append(
        actor=None,
        actor_username="demo",
        action="registry.demo_load",
        object_type="registry.entity",
        object_repr="宽城满族自治县演示检查对象",
        after={"entities": len(entities), "seed": SEED},
        region_code=COUNTY,
    )
    EntityChange.objects.bulk_create(
        [
            EntityChange(
                entity=e,
                at=now,
                action="demo.create",
                source=ChangeSource.DEMO,
                audit_seq=entry.seq,
            )
            for e in entities
        ],
        batch_size=5000,
    )

    entity_tags, links, grades, flags, complaints = [], [], [], [], []
    through = Entity.departments.through
    codes = [c for c, _s in GRADE_SHARES]
    shares = [s for _c, s in GRADE_SHARES]
    counts = {"abnormal": 0, "serious": 0, "blacklist": 0}
    for entity, plan in zip(entities, plans, strict=True):
        entity_tags += [EntityTag(entity=entity, tag=tags[c]) for c in plan["tags"]]
        links += [
            through(entity_id=entity.pk, department_id=by_kind[k].pk)
            for k in plan["kinds"]
            if k in by_kind
        ]
        if entity.status != EntityStatus.ACTIVE:
            continue
        code = rng.choices(codes, shares)[0]
        start = dt.date(2025, 7, 1) if rng.random() < 0.2 else dt.date(2024, 1, 1)
        if start.year == 2025:
            earlier = rng.choices(codes, shares)[0]
            if earlier != code:
                grades.append(
                    EntityGrade(
                        entity=entity,
                        scheme=scheme,
                        level=levels[earlier],
                        valid_from=dt.date(2024, 1, 1),
                        valid_to=start,
                        reason="河北省企业信用风险分级分类管理系统（演示）",
                    )
                )
            else:
                start = dt.date(2024, 1, 1)
        grades.append(
            EntityGrade(
                entity=entity,
                scheme=scheme,
                level=levels[code],
                valid_from=start,
                reason="河北省企业信用风险分级分类管理系统（演示）",
            )
        )
        roll = rng.random()
        if roll < 0.03:
            listed = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randrange(0, 900))
            cleared = listed + dt.timedelta(days=rng.randrange(60, 400))
            closed = cleared < today and rng.random() < 0.3
            flags.append(
                EntityFlag(
                    entity=entity,
                    kind=FlagKind.ABNORMAL,
                    valid_from=listed,
                    valid_to=cleared if closed else None,
                    reason=rng.choice(
                        ["未按规定期限公示年度报告", "通过登记的住所或经营场所无法联系"]
                    ),
                    recording_unit="宽城满族自治县市场监督管理局",
                    document=f"宽市监异列〔{listed.year}〕{rng.randrange(1, 999)}号",
                    clear_reason="已补报年度报告并公示" if closed else "",
                )
            )
            counts["abnormal"] += 1
        elif roll < 0.033:
            flags.append(
                EntityFlag(
                    entity=entity,
                    kind=FlagKind.SERIOUS,
                    valid_from=dt.date(2024, 3, 1) + dt.timedelta(days=rng.randrange(0, 300)),
                    reason="列入经营异常名录届满3年仍未履行相关义务",
                    recording_unit="承德市市场监督管理局",
                    document=f"承市监严列〔2024〕{rng.randrange(1, 99)}号",
                )
            )
            counts["serious"] += 1
        if code == "E" and rng.random() < 0.02:
            flags.append(
                EntityFlag(
                    entity=entity,
                    kind=FlagKind.BLACKLIST,
                    valid_from=dt.date(2025, 5, 10),
                    reason="无证经营且拒不整改",
                    penalty="列入黑名单，两年内每次抽查必查，限制参与评先评优",
                    recording_unit="宽城满族自治县旅游和文化广电局",
                    document="宽文旅罚〔2025〕7号",
                )
            )
            counts["blacklist"] += 1
        if rng.random() < 0.05:
            for _ in range(rng.randint(1, 3)):
                complaints.append(
                    Complaint(
                        entity=entity,
                        received_on=today - dt.timedelta(days=rng.randrange(1, 720)),
                        source=rng.choice(ComplaintSource.values),
                        summary=rng.choice(
                            ["消费者反映价格欺诈", "噪音扰民", "食品过期", "未成年人进入网吧"]
                        ),
                    )
                )
    EntityTag.objects.bulk_create(entity_tags, batch_size=5000)
    through.objects.bulk_create(links, batch_size=5000)
    EntityGrade.objects.bulk_create(grades, batch_size=5000)
    current_grades_refresh([e.pk for e in entities])
    EntityFlag.objects.bulk_create(flags, batch_size=5000)
    Complaint.objects.bulk_create(complaints, batch_size=5000)
    return (
        f"检查对象名录库：载入 {len(entities)} 户检查对象（{len(grades)} 条信用等级记录，"
        f"经营异常 {counts['abnormal']}、严重违法失信 {counts['serious']}、"
        f"黑名单 {counts['blacklist']}，投诉举报 {len(complaints)} 条）。"
    )
