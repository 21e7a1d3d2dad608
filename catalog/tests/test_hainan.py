"""The real provincial list (Hainan 2020) imports faithfully: 16 departments, 122 numbered
categories, 293 items (verified by hand: 285 cells with an item name of their own, plus 8 rows
of category 106 where the merged item name is shared by a second target with a different kind),
every legal basis in order, and no `_x000D_` anywhere."""

import pytest

from audit.models import AuditEntry
from catalog.models import (
    Category,
    InspectionItem,
    ItemList,
    LegalBasis,
    ListVersion,
    Regulation,
    VersionStatus,
)
from catalog.tests.conftest import HAINAN_FILE, cli_import

pytestmark = pytest.mark.django_db

DEPARTMENTS = [
    "省教育厅",
    "省公安厅",
    "省人力资源和社会保障厅",
    "省生态环境厅",
    "省住房和城乡建设厅",
    "省交通运输厅",
    "省农业农村厅",
    "省商务厅",
    "省旅文厅",
    "省卫健委",
    "省应急管理厅",
    "海口海关",
    "国家税务总局海南省税务局",
    "省统计局",
    "省消防救援总队",
    "省市场监管局",
]


@pytest.fixture
def hainan(hainan_office_user):
    job, out = cli_import("items", HAINAN_FILE, hainan_office_user)
    assert job.status == "done", out
    return ListVersion.objects.get(item_list__code="R46")


def test_structure(hainan):
    assert hainan.title == "海南省市场监管领域随机抽查事项清单（2020年版）"
    assert hainan.item_list.name == "海南省市场监管领域随机抽查事项清单"
    assert hainan.item_list.department is None and hainan.item_list.region_id == "46"
    assert hainan.status == VersionStatus.DRAFT
    categories = Category.objects.filter(version=hainan)
    assert categories.count() == 122
    assert sorted(categories.values_list("number", flat=True)) == list(range(1, 123))
    departments = list(
        categories.order_by("number").values_list("department_name", flat=True).distinct()
    )
    assert list(dict.fromkeys(departments)) == DEPARTMENTS
    items = InspectionItem.objects.filter(version=hainan)
    assert items.count() == 293
    assert items.filter(kind="key").count() + items.filter(kind="general").count() == 293
    assert items.filter(kind="key").count() == 30  # counted by hand in the file
    assert not items.filter(methods__isnull=True).exists()
    # categories per department as published
    assert categories.filter(department_name="省市场监管局").count() == 28
    assert categories.get(number=16).name == "社会保险"


def test_items_and_their_bases(hainan):
    items = InspectionItem.objects.filter(version=hainan)
    # continuation rows: four bases for one item, in order
    item = items.get(name="学校（民办中等职业学校）招生、办学情况检查")
    assert item.code == "R46-3-2"
    assert [b.text for b in item.bases.all()] == [
        "《中华人民共和国职业教育法》第十一条",
        "《中华人民共和国民办教育促进法》第四十条",
        "《中华人民共和国民办教育促进法》第四十一条",
        "《中华人民共和国民办教育促进法》第四十二条",
    ]
    basis = item.bases.all()[1]
    assert basis.regulation.title == "中华人民共和国民办教育促进法"
    assert basis.article_ref == "第四十条" and basis.article_numbers == [40]
    # the example of the issue
    textbook = items.get(name="对中小学校课程教材用书情况的监督检查")
    assert [(b.regulation.title, b.article_numbers) for b in textbook.bases.all()] == [
        ("中小学教材管理办法", [36]),
        ("职业院校教材管理办法", [36]),
    ]
    # a multi-line cell with _x000D_ inside a line ("第二十三条_x000D_第一款")
    names = items.get(name="名称规范使用情况的检查")
    texts = [b.text for b in names.bases.all()]
    assert len(texts) == 8
    assert texts[1] == "《个体工商户条例》第二十三条第一款"
    # a basis merged over several items belongs to each of them
    address = items.get(name__startswith="住所（经营场所）或驻在场所的")
    previous = items.get(name__startswith="经营（业务）范围中无需审批的")
    assert [b.text for b in address.bases.all()] == [b.text for b in previous.bases.all()]
    assert len([b.text for b in address.bases.all()]) == 11
    # one item name merged over two targets of different kinds → two items
    licence = items.filter(name="食品经营许可情况的检查").order_by("position")
    assert [(i.target[:7], i.kind) for i in licence] == [
        ("餐饮服务经营者", "general"),
        ("学校、托幼机构", "key"),
    ]
    # a continuation row adding a second 检查主体
    seeds = items.get(name="农作物种子监督抽查")
    assert seeds.subject == "省农业农村厅种业管理处\n省种子总站"
    # methods are a set parsed from the text
    first = items.get(code="R46-1-1")
    assert [m.name for m in first.methods.order_by("name")] == sorted(
        ["现场检查", "书面检查", "网络检查", "专业机构核查"]
    )
    # abbreviated law names link to the same regulation as the full title
    labour = items.get(name__startswith="用人单位制定的劳动规章制度是否违反")
    assert labour.bases.get().regulation.short_title == "劳动法"


def test_every_item_has_its_bases_and_no_x000d(hainan):
    items = InspectionItem.objects.filter(version=hainan)
    assert LegalBasis.objects.filter(item__version=hainan).count() == 607
    assert not items.filter(bases__isnull=True).exists()
    for item in items.prefetch_related("bases"):
        texts = [getattr(item, f) for f in ("name", "target", "subject", "basis_text")]
        texts += [b.text for b in item.bases.all()]
        assert all("_x000D_" not in t and "\r" not in t for t in texts), item.code
        assert [b.position for b in item.bases.all()] == list(range(1, item.bases.count() + 1))
    for category in Category.objects.filter(version=hainan):
        assert "_x000D_" not in category.name and category.name.strip() == category.name
    assert not Regulation.objects.filter(title__contains="_x000D_").exists()
    assert not InspectionItem.objects.filter(name__contains="_x000").exists()


def test_reimport_is_idempotent(hainan, hainan_office_user):
    entries = AuditEntry.objects.count()
    regulations = Regulation.objects.count()
    job, out = cli_import("items", HAINAN_FILE, hainan_office_user)
    assert job.report["created"] == 0
    assert job.report["updated"] == 0
    assert job.report["unchanged"] == 293
    assert Regulation.objects.count() == regulations
    assert InspectionItem.objects.count() == 293
    # only the import job's own entries (upload, validate, confirm, commit) were added
    actions = list(AuditEntry.objects.order_by("seq")[entries:].values_list("action", flat=True))
    assert actions == [
        "import.items.upload",
        "import.items.validate",
        "import.items.confirm",
        "import.items.commit",
    ]


def test_reimport_after_publish_opens_no_draft(hainan, hainan_office_user):
    from catalog.services import version_publish

    version_publish(actor=hainan_office_user, version=hainan, reason="2020年版发布")
    job, _out = cli_import("items", HAINAN_FILE, hainan_office_user)
    assert job.report["created"] == 0 and job.report["updated"] == 0
    assert job.report["note"] == "内容与现行版本一致，未生成新草稿。"
    assert ListVersion.objects.count() == 1
    assert ItemList.objects.count() == 1
    assert InspectionItem.objects.count() == 293


def test_export_reimports_unchanged(hainan, hainan_office_user, client, tmp_path):
    from conftest import PASSWORD

    client.login(username="hi_joint", password=PASSWORD)
    response = client.get(f"/catalog/versions/{hainan.pk}/export.xlsx")
    assert response.status_code == 200
    path = tmp_path / "export.xlsx"
    path.write_bytes(response.content)
    job, out = cli_import("items", path, hainan_office_user, list="R46")
    assert job.status == "done", out
    assert (job.report["created"], job.report["updated"], job.report["unchanged"]) == (0, 0, 293)


def test_upload_page_detects_the_published_layout(
    hainan_office_user, client, django_capture_on_commit_callbacks
):
    from conftest import PASSWORD
    from core.models import ImportJob

    client.login(username="hi_joint", password=PASSWORD)
    # the immediate task backend runs the queued validation when the request's transaction commits
    with open(HAINAN_FILE, "rb") as handle, django_capture_on_commit_callbacks(execute=True):
        response = client.post("/imports/items/", {"file": handle})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/job/{job.pk}/"
    assert (job.status, job.total_rows, job.valid_rows, job.error_count) == ("ready", 293, 293, 0)
    page = client.get(f"/imports/job/{job.pk}/").content.decode()
    assert "校验通过：293 行" in page and "省教育厅" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/job/{job.pk}/confirm/")
    job.refresh_from_db()
    assert job.status == "done" and job.report["created"] == 293
    assert InspectionItem.objects.count() == 293
