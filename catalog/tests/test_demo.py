import pytest

from accounts.models import Department
from catalog.demo import demo_load
from catalog.models import (
    Article,
    InspectionItem,
    ItemList,
    JointItem,
    ListKind,
    ListVersion,
    Regulation,
    VersionStatus,
)
from core.demo import demo_load as core_demo_load
from regions.models import Region, RegionLevel

pytestmark = pytest.mark.django_db


def test_demo_load_is_idempotent(regions):
    Region.objects.create(code="46", name="海南省", level=RegionLevel.PROVINCE)
    core_demo_load()
    departments = {d.name: d for d in Department.objects.filter(region__code__startswith="1308")}
    summary = demo_load(departments=departments)
    assert "海南省清单 293 项" in summary and "联合抽查事项 3 项" in summary
    lists = ItemList.objects.all()
    assert lists.filter(kind=ListKind.DEPARTMENT).count() == 5
    assert lists.filter(kind=ListKind.REGION, region_id="46").count() == 1
    assert lists.filter(kind=ListKind.JOINT).count() == 1
    assert not ListVersion.objects.exclude(status=VersionStatus.PUBLISHED).exists()
    culture = lists.get(department__name="宽城满族自治县旅游和文化广电局")
    names = set(
        InspectionItem.objects.filter(version__item_list=culture).values_list(
            "category__name", flat=True
        )
    )
    assert names == {"互联网上网服务营业场所的检查", "娱乐场所的检查", "电影发行放映的检查"}
    minors = InspectionItem.objects.get(name="互联网上网服务营业场所接纳未成年人情况的检查")
    basis = minors.bases.get()
    assert basis.regulation.title == "互联网上网服务营业场所管理条例"
    assert Article.objects.get(regulation=basis.regulation, number=21).text.startswith(
        "互联网上网服务营业场所经营单位不得接纳未成年人"
    )
    joint = JointItem.objects.get(name="娱乐场所跨部门联合检查")
    assert joint.initiator.name == "宽城满族自治县旅游和文化广电局"
    assert sorted(d.short_name for d in joint.cooperators.all()) == sorted(
        ["县公安局", "县卫生健康局", "县市场监督管理局", "县消防救援大队"]
    )
    # 《消防法》 in the Hainan list and the curated 中华人民共和国消防法 are one record
    fire = Regulation.objects.get(short_title="消防法")
    assert fire.title == "中华人民共和国消防法" and not fire.auto_created
    counts = (
        ItemList.objects.count(),
        ListVersion.objects.count(),
        InspectionItem.objects.count(),
        Regulation.objects.count(),
        Article.objects.count(),
    )
    second = demo_load(departments=departments)
    assert "海南省清单 0 项" in second and "新增法律法规条目 0 条" in second
    assert counts == (
        ItemList.objects.count(),
        ListVersion.objects.count(),
        InspectionItem.objects.count(),
        Regulation.objects.count(),
        Article.objects.count(),
    )
