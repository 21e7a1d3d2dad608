"""Demo data of the catalog, loaded by `make run` (core/demo.py) — idempotent.

- Hainan's published 2020 provincial list (catalog/data), owned by region 46 (海南省);
- published item lists of the five departments of seed 002's joint inspection in 宽城满族自治县
  (internet cafés, entertainment venues, cinemas; public security; public-place hygiene; market
  supervision; fire safety), with their legal bases;
- the county's 部门联合抽查事项清单 for that joint inspection, owned by the 县双随机办;
- a small regulation library with a few articles of the laws those items cite.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, cast

from django.db import transaction

from accounts.models import Department, DepartmentKind
from core.importing import ImportContext
from regions.models import Region

from .importers import ItemImporter
from .legal import split_bases
from .models import ItemList, ListKind, VersionStatus
from .services import (
    ItemData,
    JointData,
    RegulationData,
    item_list_create,
    items_upsert,
    joint_items_upsert,
    regulations_upsert,
    version_draft_create,
    version_publish,
)

HAINAN_FILE = Path(__file__).resolve().parent / "data" / "hainan-2020-random-inspection-items.xlsx"
COUNTY = "宽城满族自治县"
REASON = "依据2024年度全县跨部门抽查计划编制，经县双随机办审核后发布（演示数据）。"

# (short title, full title, issuer, doc number, level, effective date, articles {number: text})
REGULATIONS: list[tuple[str, str, str, str, str, dt.date, dict[int, str]]] = [
    (
        "消防法",
        "中华人民共和国消防法",
        "全国人民代表大会常务委员会",
        "主席令第八十一号",
        "law",
        dt.date(2021, 4, 29),
        {
            16: "机关、团体、企业、事业等单位应当履行下列消防安全职责：（一）落实消防安全责任制，"
            "制定本单位的消防安全制度、消防安全操作规程，制定灭火和应急疏散预案；（二）按照国家标准、"
            "行业标准配置消防设施、器材，设置消防安全标志，并定期组织检验、维修，确保完好有效；"
            "（三）对建筑消防设施每年至少进行一次全面检测，确保完好有效，检测记录应当完整准确，"
            "存档备查；（四）保障疏散通道、安全出口、消防车通道畅通，保证防火防烟分区、防火间距符合"
            "消防技术标准；（五）组织防火检查，及时消除火灾隐患；（六）组织进行有针对性的消防演练；"
            "（七）法律、法规规定的其他消防安全职责。\n单位的主要负责人是本单位的消防安全责任人。",
            28: "任何单位、个人不得损坏、挪用或者擅自拆除、停用消防设施、器材，不得埋压、圈占、遮挡"
            "消火栓或者占用防火间距，不得占用、堵塞、封闭疏散通道、安全出口、消防车通道。人员密集场所"
            "的门窗不得设置影响逃生和灭火救援的障碍物。",
        },
    ),
    (
        "互联网上网服务营业场所管理条例",
        "互联网上网服务营业场所管理条例",
        "国务院",
        "国务院令第363号",
        "admin_regulation",
        dt.date(2002, 11, 15),
        {
            21: "互联网上网服务营业场所经营单位不得接纳未成年人进入营业场所。\n互联网上网服务营业"
            "场所经营单位应当在营业场所入口处的显著位置悬挂未成年人禁入标志。",
            22: "互联网上网服务营业场所每日营业时间限于8时至24时。",
            23: "互联网上网服务营业场所经营单位应当对上网消费者的身份证等有效证件进行核对、登记，并"
            "记录有关上网信息。登记内容和记录备份保存时间不得少于60日，并在文化行政部门、公安机关依法"
            "查询时予以提供。登记内容和记录备份在保存期内不得修改或者删除。",
        },
    ),
    (
        "娱乐场所管理条例",
        "娱乐场所管理条例",
        "国务院",
        "国务院令第458号",
        "admin_regulation",
        dt.date(2006, 3, 1),
        {
            23: "歌舞娱乐场所不得接纳未成年人。除国家法定节假日外，游艺娱乐场所设置的电子游戏机不得"
            "向未成年人提供。",
            28: "每日凌晨2时至上午8时，娱乐场所不得营业。",
        },
    ),
    (
        "公共场所卫生管理条例",
        "公共场所卫生管理条例",
        "国务院",
        "国发〔1987〕24号",
        "admin_regulation",
        dt.date(1987, 4, 1),
        {
            7: "公共场所直接为顾客服务的人员，持有“健康合格证”方能从事本职工作。患有痢疾、伤寒、"
            "病毒性肝炎、活动性肺结核、化脓性或者渗出性皮肤病以及其他有碍公共卫生的疾病的，治愈前"
            "不得从事直接为顾客服务的工作。",
        },
    ),
    (
        "电影产业促进法",
        "中华人民共和国电影产业促进法",
        "全国人民代表大会常务委员会",
        "主席令第五十四号",
        "law",
        dt.date(2017, 3, 1),
        {},
    ),
    (
        "企业信息公示暂行条例",
        "企业信息公示暂行条例",
        "国务院",
        "国务院令第654号",
        "admin_regulation",
        dt.date(2014, 10, 1),
        {
            8: "企业应当于每年1月1日至6月30日，通过企业信用信息公示系统向工商行政管理部门报送上一"
            "年度年度报告，并向社会公示。\n当年设立登记的企业，自下一年起报送并公示年度报告。",
        },
    ),
    (
        "价格法",
        "中华人民共和国价格法",
        "全国人民代表大会常务委员会",
        "主席令第九十二号",
        "law",
        dt.date(1998, 5, 1),
        {
            13: "经营者销售、收购商品和提供服务，应当按照政府价格主管部门的规定明码标价，注明商品的"
            "品名、产地、规格、等级、计价单位、价格或者服务的项目、收费标准等有关情况。\n经营者不得在"
            "标价之外加价出售商品，不得收取任何未予标明的费用。",
        },
    ),
    (
        "市场主体登记管理条例",
        "中华人民共和国市场主体登记管理条例",
        "国务院",
        "国务院令第746号",
        "admin_regulation",
        dt.date(2022, 3, 1),
        {
            36: "市场主体应当将营业执照置于住所或者主要经营场所的醒目位置。从事电子商务经营的市场"
            "主体应当在其首页显著位置持续公示营业执照信息或者相关链接标识。",
        },
    ),
]

# department full name → [(category name, [(item name, target, kind, methods, subject, bases,
#                                            content, ratio, frequency)])]
Item = tuple[str, str, str, str, str, list[str], str, str, str]
DEPARTMENT_ITEMS: dict[str, list[tuple[str, list[Item]]]] = {
    f"{COUNTY}旅游和文化广电局": [
        (
            "互联网上网服务营业场所的检查",
            [
                (
                    "互联网上网服务营业场所接纳未成年人情况的检查",
                    "互联网上网服务营业场所",
                    "重点检查事项",
                    "现场检查、网络检查",
                    "县级以上文化和旅游行政部门",
                    ["《互联网上网服务营业场所管理条例》第二十一条"],
                    "是否接纳未成年人进入营业场所；入口处是否悬挂未成年人禁入标志。",
                    "不低于5%",
                    "每年不少于1次",
                ),
                (
                    "互联网上网服务营业场所营业时间及上网登记情况的检查",
                    "互联网上网服务营业场所",
                    "一般检查事项",
                    "现场检查、书面检查",
                    "县级以上文化和旅游行政部门",
                    [
                        "《互联网上网服务营业场所管理条例》第二十二条",
                        "《互联网上网服务营业场所管理条例》第二十三条",
                    ],
                    "营业时间是否在8时至24时；是否核对、登记上网消费者有效证件并留存记录60日以上。",
                    "不低于5%",
                    "每年1次",
                ),
            ],
        ),
        (
            "娱乐场所的检查",
            [
                (
                    "歌舞娱乐场所接纳未成年人情况的检查",
                    "歌舞娱乐场所",
                    "重点检查事项",
                    "现场检查",
                    "县级以上文化和旅游行政部门",
                    ["《娱乐场所管理条例》第二十三条"],
                    "歌舞娱乐场所是否接纳未成年人。",
                    "不低于5%",
                    "每年不少于1次",
                ),
                (
                    "娱乐场所营业时间及播放、表演内容的检查",
                    "歌舞娱乐场所、游艺娱乐场所",
                    "一般检查事项",
                    "现场检查、书面检查",
                    "县级以上文化和旅游行政部门",
                    ["《娱乐场所管理条例》第二十八条", "《娱乐场所管理办法》"],
                    "是否在凌晨2时至上午8时营业；播放、表演的节目是否含有禁止内容。",
                    "不低于5%",
                    "每年1次",
                ),
            ],
        ),
        (
            "电影发行放映的检查",
            [
                (
                    "电影放映单位放映取得公映许可证电影情况的检查",
                    "电影院、电影放映单位",
                    "一般检查事项",
                    "现场检查、书面检查",
                    "县级以上电影主管部门",
                    ["《中华人民共和国电影产业促进法》", "《电影管理条例》"],
                    "放映的电影是否取得电影公映许可证；是否按规定如实统计、上报电影销售收入。",
                    "不低于5%",
                    "每年1次",
                ),
            ],
        ),
    ],
    f"{COUNTY}公安局": [
        (
            "互联网上网服务营业场所信息网络安全的检查",
            [
                (
                    "互联网上网服务营业场所信息网络安全和治安管理情况的检查",
                    "互联网上网服务营业场所",
                    "一般检查事项",
                    "现场检查、网络检查",
                    "县级以上公安机关",
                    [
                        "《互联网上网服务营业场所管理条例》第二十三条",
                        "《互联网上网服务营业场所管理条例》第二十四条",
                    ],
                    "是否落实信息网络安全技术措施；上网登记内容和记录备份是否按规定保存。",
                    "不低于3%",
                    "每年1次",
                ),
            ],
        ),
        (
            "娱乐场所治安管理的检查",
            [
                (
                    "娱乐场所治安管理情况的检查",
                    "歌舞娱乐场所、游艺娱乐场所",
                    "一般检查事项",
                    "现场检查、书面检查",
                    "县级以上公安机关",
                    ["《娱乐场所管理条例》第二十五条", "《娱乐场所治安管理办法》"],
                    "是否建立巡查制度、安装闭路电视监控设备并保存录像资料。",
                    "不低于3%",
                    "每年1次",
                ),
            ],
        ),
    ],
    f"{COUNTY}卫生健康局": [
        (
            "公共场所卫生的检查",
            [
                (
                    "公共场所卫生许可证及从业人员健康合格证明的检查",
                    "住宿、沐浴、美容美发场所，歌舞厅、游艺厅、影剧院等公共场所",
                    "一般检查事项",
                    "现场检查、书面检查",
                    "县级以上卫生健康行政部门",
                    [
                        "《公共场所卫生管理条例》第四条",
                        "《公共场所卫生管理条例》第七条",
                        "《公共场所卫生管理条例实施细则》第二十二条",
                    ],
                    "是否取得卫生许可证；直接为顾客服务的从业人员是否持有有效健康合格证明。",
                    "不低于5%",
                    "每年1次",
                ),
                (
                    "公共场所空气质量、公共用品用具卫生状况的检查",
                    "歌舞厅、游艺厅、影剧院、互联网上网服务营业场所等",
                    "一般检查事项",
                    "现场检查、抽样检测",
                    "县级以上卫生健康行政部门",
                    ["《公共场所卫生管理条例》第三条", "《公共场所卫生管理条例实施细则》"],
                    "室内空气质量、通风设施运行、公共用品用具清洗消毒情况。",
                    "不低于5%",
                    "每年1次",
                ),
            ],
        ),
    ],
    f"{COUNTY}市场监督管理局": [
        (
            "登记事项及公示信息检查",
            [
                (
                    "营业执照规范使用情况的检查",
                    "企业、个体工商户、农民专业合作社",
                    "一般检查事项",
                    "现场检查、网络检查",
                    "县级以上市场监管部门",
                    ["《中华人民共和国市场主体登记管理条例》第三十六条"],
                    "营业执照是否置于住所或主要经营场所醒目位置。",
                    "不低于3%",
                    "每年1次",
                ),
                (
                    "年度报告公示信息的检查",
                    "企业、农民专业合作社",
                    "一般检查事项",
                    "书面检查、网络检查、现场检查",
                    "县级以上市场监管部门",
                    ["《企业信息公示暂行条例》第八条、第十四条"],
                    "是否按时报送并公示年度报告，公示信息是否真实。",
                    "不低于3%",
                    "每年1次",
                ),
            ],
        ),
        (
            "价格行为检查",
            [
                (
                    "明码标价情况的检查",
                    "经营者（含互联网上网服务营业场所、娱乐场所、电影院）",
                    "一般检查事项",
                    "现场检查",
                    "县级以上市场监管部门",
                    ["《中华人民共和国价格法》第十三条", "《明码标价和禁止价格欺诈规定》"],
                    "是否按规定明码标价，是否在标价之外加价或收取未标明的费用。",
                    "不低于3%",
                    "每年1次",
                ),
            ],
        ),
    ],
    f"{COUNTY}消防救援大队": [
        (
            "消防安全检查",
            [
                (
                    "人员密集场所消防安全情况的检查",
                    "互联网上网服务营业场所、娱乐场所、电影院等公众聚集场所",
                    "重点检查事项",
                    "现场检查",
                    "县级以上消防救援机构",
                    ["《中华人民共和国消防法》第十六条", "《中华人民共和国消防法》第二十八条"],
                    "消防设施器材是否完好有效，疏散通道、安全出口是否畅通，是否开展防火检查和演练。",
                    "不低于5%",
                    "每年不少于1次",
                ),
                (
                    "娱乐场所消防安全责任落实情况的检查",
                    "歌舞娱乐场所、游艺娱乐场所",
                    "一般检查事项",
                    "现场检查、书面检查",
                    "县级以上消防救援机构",
                    ["《娱乐场所管理条例》第二十条", "《中华人民共和国消防法》第十六条"],
                    "是否制定安全工作方案和应急疏散预案，是否定期检查、维护消防设施。",
                    "不低于5%",
                    "每年1次",
                ),
            ],
        ),
    ],
}

JOINT_ITEMS: list[tuple[str, str, str, str, list[str]]] = [
    # name, target, initiator, cooperators, bases
    (
        "互联网上网服务营业场所跨部门联合检查",
        "互联网上网服务营业场所",
        "县旅游和文化广电局",
        "县公安局、县卫生健康局、县市场监督管理局、县消防救援大队",
        ["《互联网上网服务营业场所管理条例》第二十一条", "《中华人民共和国消防法》第十六条"],
    ),
    (
        "娱乐场所跨部门联合检查",
        "歌舞娱乐场所、游艺娱乐场所",
        "县旅游和文化广电局",
        "县公安局、县卫生健康局、县市场监督管理局、县消防救援大队",
        ["《娱乐场所管理条例》第二十三条", "《公共场所卫生管理条例》第七条"],
    ),
    (
        "电影发行放映单位跨部门联合检查",
        "电影院、电影放映单位",
        "县旅游和文化广电局",
        "县市场监督管理局、县消防救援大队",
        ["《中华人民共和国电影产业促进法》", "《中华人民共和国消防法》第二十八条"],
    ),
]


def _published(item_list: ItemList | None) -> bool:
    return bool(item_list and item_list.versions.filter(status=VersionStatus.PUBLISHED).exists())


def _load_regulations() -> int:
    records = []
    for _short, title, issuer, doc, level, effective, articles in REGULATIONS:
        base: dict[str, Any] = {
            "title": title,
            "issuer": issuer,
            "doc_number": doc,
            "level": level,
            "effective_date": effective,
            "status": "in_force",
        }
        if not articles:
            records.append(RegulationData(row=0, **base))
        for number, text in articles.items():
            records.append(RegulationData(row=0, article_number=number, article_text=text, **base))
    return regulations_upsert(actor=None, records=records).created


def _load_hainan() -> int:
    region = Region.objects.filter(code="46").first()
    if region is None:
        return 0
    item_list = ItemList.objects.filter(kind=ListKind.REGION, region=region).first()
    if _published(item_list):
        return 0
    importer = ItemImporter(ImportContext(actor=cast(Any, None), department=None))
    records = [r for _n, r, errors in importer.iter_parsed(HAINAN_FILE, HAINAN_FILE.name) if r]
    if item_list is None:
        item_list = item_list_create(
            actor=None,
            kind=ListKind.REGION,
            region=region,
            name="海南省市场监管领域随机抽查事项清单",
        )
    draft = item_list.versions.filter(status=VersionStatus.DRAFT).first()
    draft = draft or version_draft_create(
        actor=None, item_list=item_list, title=importer.sheet_title
    )
    items_upsert(actor=None, version=draft, records=records, source=HAINAN_FILE.name)
    version_publish(
        actor=None, version=draft, reason="海南省2020年版随机抽查事项清单（公开文件，样例）"
    )
    return len(records)


def _load_department(department: Department, categories: list[tuple[str, list[Item]]]) -> int:
    item_list = ItemList.objects.filter(kind=ListKind.DEPARTMENT, department=department).first()
    if _published(item_list):
        return 0
    if item_list is None:
        item_list = item_list_create(
            actor=None, kind=ListKind.DEPARTMENT, region=department.region, department=department
        )
    draft = item_list.versions.filter(status=VersionStatus.DRAFT).first() or version_draft_create(
        actor=None, item_list=item_list, title=f"{department.name}2024年度随机抽查事项清单"
    )
    records = []
    for number, (category, items) in enumerate(categories, start=1):
        for item_no, (
            name,
            target,
            kind,
            methods,
            subject,
            bases,
            content,
            ratio,
            freq,
        ) in enumerate(items, start=1):
            basis_text = "\n".join(bases)
            records.append(
                ItemData(
                    row=0,
                    department=department.name,
                    category_no=number,
                    category=category,
                    item_no=item_no,
                    name=name,
                    target=target,
                    kind="key" if kind == "重点检查事项" else "general",
                    methods=methods.split("、"),
                    methods_text=methods,
                    subject=subject,
                    basis_text=basis_text,
                    bases=split_bases(basis_text),
                    content=content,
                    ratio=ratio,
                    frequency=freq,
                    level="县级",
                )
            )
    items_upsert(actor=None, version=draft, records=records, source="demo")
    version_publish(actor=None, version=draft, reason=REASON)
    return len(records)


def _load_joint(office: Department) -> int:
    item_list = ItemList.objects.filter(kind=ListKind.JOINT, department=office).first()
    if _published(item_list):
        return 0
    if item_list is None:
        item_list = item_list_create(
            actor=None, kind=ListKind.JOINT, region=office.region, department=office
        )
    draft = item_list.versions.filter(status=VersionStatus.DRAFT).first() or version_draft_create(
        actor=None, item_list=item_list, title=f"{COUNTY}2024年度部门联合抽查事项清单"
    )
    records = []
    for number, (name, target, initiator, cooperators, bases) in enumerate(JOINT_ITEMS, start=1):
        basis_text = "\n".join(bases)
        records.append(
            JointData(
                row=0,
                number=number,
                field="文化市场",
                name=name,
                target=target,
                initiator_name=initiator,
                cooperator_names=cooperators,
                level="县级",
                basis_text=basis_text,
                bases=split_bases(basis_text),
                content="各参与部门依据各自法定职责或抽查事项清单确定本部门的抽查事项（宽双随机办〔2024〕号方案）。",
            )
        )
    joint_items_upsert(actor=None, version=draft, records=records, source="demo")
    version_publish(actor=None, version=draft, reason=REASON)
    return len(records)


@transaction.atomic
def demo_load(*, departments: dict[str, Department]) -> str:
    regulations = _load_regulations()
    hainan = _load_hainan()
    items = 0
    for name, categories in DEPARTMENT_ITEMS.items():
        department = departments.get(name)
        if department is not None:
            items += _load_department(department, categories)
    office = next(
        (
            d
            for d in departments.values()
            if d.kind == DepartmentKind.LEADING_OFFICE and d.region_id == "130827"
        ),
        None,
    )
    joint = _load_joint(office) if office is not None else 0
    return (
        f"抽查事项清单：海南省清单 {hainan} 项、演示县部门清单 {items} 项、联合抽查事项 {joint} 项，"
        f"新增法律法规条目 {regulations} 条（已有的保持不变）。"
    )
