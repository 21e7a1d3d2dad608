"""Versioning: a draft is published, the previous version is superseded and stays readable and
unchanged; published versions are never edited; a bad file is refused whole."""

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Role
from audit.models import AuditEntry
from catalog import services
from catalog.models import (
    Category,
    InspectionItem,
    ItemList,
    LegalBasis,
    ListVersion,
    Regulation,
    VersionStatus,
)
from catalog.tests.conftest import ITEM_HEADER, cli_import, write_xlsx

pytestmark = pytest.mark.django_db

GOOD = [
    ITEM_HEADER,
    [
        1,
        "互联网上网服务营业场所的检查",
        "接纳未成年人情况的检查",
        "互联网上网服务营业场所",
        "重点检查事项",
        "现场检查、网络检查",
        "《互联网上网服务营业场所管理条例》第二十一条",
    ],
    [None, None, None, None, None, None, "《未成年人保护法》第五十八条"],
    [
        None,
        None,
        "营业时间的检查",
        "互联网上网服务营业场所",
        "一般检查事项",
        "现场检查",
        "《互联网上网服务营业场所管理条例》第二十二条",
    ],
    [
        2,
        "娱乐场所的检查",
        "歌舞娱乐场所接纳未成年人情况的检查",
        "歌舞娱乐场所",
        "重点",
        "现场检查",
        "《娱乐场所管理条例》第二十三条",
    ],
]


@pytest.fixture
def culture(make_user):
    return make_user("culture_org", "kc_culture", Role.ORGANIZER)


@pytest.fixture
def published(culture, tmp_path):
    job, out = cli_import("items", write_xlsx(tmp_path / "good.xlsx", GOOD), culture)
    assert job.status == "done", out
    assert job.report["created"] == 3
    version = ListVersion.objects.get()
    return services.version_publish(actor=culture, version=version, reason="首次发布")


def test_first_import_builds_a_department_list(published, culture):
    item_list = published.item_list
    assert item_list.department == culture.department
    assert item_list.code == "130827-culture_tourism"
    items = list(published.items.order_by("category__number", "position"))
    assert [(i.code, i.kind) for i in items] == [
        ("130827-culture_tourism-1-1", "key"),
        ("130827-culture_tourism-1-2", "general"),
        ("130827-culture_tourism-2-1", "key"),
    ]
    assert [b.text for b in items[0].bases.all()] == [
        "《互联网上网服务营业场所管理条例》第二十一条",
        "《未成年人保护法》第五十八条",
    ]
    assert items[1].category.name == "互联网上网服务营业场所的检查"
    assert items[0].category.department_name == culture.department.name
    assert published.status == VersionStatus.PUBLISHED and published.number == 1


def test_new_version_supersedes_and_old_stays_readable(published, culture, tmp_path):
    old_items = list(published.items.values_list("code", "name", "basis_text"))
    draft = services.version_draft_create(actor=culture, item_list=published.item_list)
    assert draft.number == 2 and draft.based_on == published
    assert draft.items.count() == 3
    assert LegalBasis.objects.filter(item__version=draft).count() == 4
    changed = [row[:] for row in GOOD]
    changed[3][2] = "营业时间及上网登记情况的检查"
    changed.append(
        [
            3,
            "电影发行放映的检查",
            "电影放映单位的检查",
            "电影院",
            "一般检查事项",
            "现场检查、书面检查",
            "《电影管理条例》",
        ]
    )
    job, out = cli_import("items", write_xlsx(tmp_path / "v2.xlsx", changed), culture)
    assert (job.report["created"], job.report["updated"], job.report["unchanged"]) == (1, 1, 2)
    assert job.report["version"] == 2
    item = draft.items.get(code="130827-culture_tourism-1-2")
    services.item_update(
        actor=culture, item=item, data={"ratio": "不低于5%", "methods_text": "现场检查、书面检查"}
    )
    services.version_publish(actor=culture, version=draft, reason="增加电影放映检查事项")
    published.refresh_from_db()
    draft.refresh_from_db()
    assert published.status == VersionStatus.SUPERSEDED and published.superseded_at
    assert draft.status == VersionStatus.PUBLISHED and draft.reason == "增加电影放映检查事项"
    # the old version is exactly as it was published
    assert list(published.items.values_list("code", "name", "basis_text")) == old_items
    assert published.items.get(code="130827-culture_tourism-1-2").ratio == ""
    assert draft.items.count() == 4
    entry = AuditEntry.objects.filter(action="catalog.version.publish").order_by("seq").last()
    assert entry.reason == "增加电影放映检查事项" and entry.actor_id == culture.pk


def test_published_version_is_never_edited(published, culture, tmp_path):
    item = published.items.order_by("code").first()
    name_before = item.name
    entries = AuditEntry.objects.count()
    with pytest.raises(ValidationError, match="已发布的版本不能修改"):
        services.item_update(actor=culture, item=item, data={"name": "改名"})
    with pytest.raises(ValidationError):
        services.item_delete(actor=culture, item=item)
    with pytest.raises(ValidationError):
        services.version_publish(actor=culture, version=published, reason="再发布")
    with pytest.raises(ValidationError):
        services.items_upsert(actor=culture, version=published, records=[])
    item.refresh_from_db()
    assert item.name == name_before
    assert AuditEntry.objects.count() == entries
    # only one draft at a time
    services.version_draft_create(actor=culture, item_list=published.item_list)
    with pytest.raises(ValidationError, match="已有未发布的草稿"):
        services.version_draft_create(actor=culture, item_list=published.item_list)


def test_publish_needs_a_reason(published, culture):
    draft = services.version_draft_create(actor=culture, item_list=published.item_list)
    with pytest.raises(ValidationError, match="调整说明"):
        services.version_publish(actor=culture, version=draft, reason="  ")
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT


def test_other_department_cannot_write(published, people, make_user):
    market = make_user("market_org", "kc_market", Role.ORGANIZER)
    entries = AuditEntry.objects.count()
    for actor in (market, people["kc_culture_insp"], people["kc_admin"]):
        with pytest.raises(PermissionDenied):
            services.version_draft_create(actor=actor, item_list=published.item_list)
    assert ListVersion.objects.count() == 1
    assert AuditEntry.objects.count() == entries


def test_bad_file_is_refused_whole(published, culture, tmp_path):
    draft = services.version_draft_create(actor=culture, item_list=published.item_list)
    counts = (
        InspectionItem.objects.count(),
        Category.objects.count(),
        LegalBasis.objects.count(),
        Regulation.objects.count(),
    )
    bad = [
        ITEM_HEADER,
        [None, None, None, None, None, None, "《某条例》第一条"],
        [1, "互联网上网服务营业场所的检查", "新事项", "网吧", "重要事项", "现场检查", ""],
        ["一A", "娱乐场所的检查", "", "歌舞厅", "一般检查事项", "", ""],
        [
            3,
            "电影发行放映的检查",
            "电影放映单位的检查",
            "电影院",
            "一般检查事项",
            "现场检查",
            "《电影管理条例》",
        ],
    ]
    entries = AuditEntry.objects.count()
    job, out = cli_import("items", write_xlsx(tmp_path / "bad.xlsx", bad), culture)
    assert job.status == "invalid"
    assert [(e["row"], e["column"], e["message"]) for e in job.errors] == [
        (2, "抽查事项", "此行没有抽查事项，也不在某个事项的下方，无法判断属于哪个事项。"),
        (3, "事项类别", "事项类别“重要事项”无效，应为“重点检查事项”或“一般检查事项”。"),
        (4, "序号", "序号“一A”不是正整数。"),
        (4, "抽查事项", "抽查事项不能为空。"),
        (4, "检查方式", "检查方式不能为空，如“现场检查、书面检查”。"),
    ]
    assert "第 3 行【事项类别】" in out
    assert counts == (
        InspectionItem.objects.count(),
        Category.objects.count(),
        LegalBasis.objects.count(),
        Regulation.objects.count(),
    )
    assert draft.items.count() == 3
    new = AuditEntry.objects.order_by("seq")[entries:]
    assert [e.action for e in new] == ["import.items.upload", "import.items.validate"]


def test_missing_columns_and_duplicate_codes(culture, tmp_path):
    job, _ = cli_import(
        "items", write_xlsx(tmp_path / "cols.xlsx", [["抽查事项", "检查对象"], ["a", "b"]]), culture
    )
    assert (
        job.errors[0]["message"].startswith("找不到表头行")
        or "缺少必填列" in job.errors[0]["message"]
    )
    rows: list[list[Any]] = [["事项编码", *ITEM_HEADER]]
    rows.append(["A-1", 1, "类别", "事项一", "对象", "一般检查事项", "现场检查", ""])
    rows.append(["A-1", 1, "类别", "事项二", "对象", "一般检查事项", "现场检查", ""])
    job, _ = cli_import("items", write_xlsx(tmp_path / "dup.xlsx", rows), culture)
    assert job.status == "invalid"
    assert job.errors == [
        {"row": 3, "column": "事项编码", "message": "事项编码“A-1”与第 2 行重复。"}
    ]
    assert not ItemList.objects.exists()
