import pytest
from django.http import Http404

from accounts.models import Role
from audit.models import AuditEntry
from catalog.models import Article, Regulation
from catalog.selectors import article_get, basis_articles, regulation_search
from catalog.tests.conftest import ITEM_HEADER, cli_import, write_xlsx
from conftest import PASSWORD

pytestmark = pytest.mark.django_db

HEADER = ["法规名称", "制定机关", "文号", "效力层级", "施行日期", "时效性", "条号", "条文"]
ROWS = [
    HEADER,
    [
        "中华人民共和国消防法",
        "全国人民代表大会常务委员会",
        "主席令第八十一号",
        "法律",
        "2021-04-29",
        "现行有效",
        "第十六条",
        "机关、团体、企业、事业等单位应当履行下列消防安全职责",
    ],
    [
        "中华人民共和国消防法",
        None,
        None,
        None,
        None,
        None,
        "28",
        "任何单位、个人不得损坏、挪用或者擅自拆除、停用消防设施、器材",
    ],
    [
        "娱乐场所管理条例",
        "国务院",
        "国务院令第458号",
        "行政法规",
        "2006年3月1日",
        "现行有效",
        "第二十八条",
        "每日凌晨2时至上午8时，娱乐场所不得营业。",
    ],
]


@pytest.fixture
def organizer(make_user):
    return make_user("fire_org", "kc_market", Role.ORGANIZER)


def test_import_search_and_reference(organizer, tmp_path):
    # an item cites 《消防法》 first: the regulation is created from the basis, without articles
    items = [
        ITEM_HEADER,
        [1, "消防", "消防安全检查", "场所", "重点检查事项", "现场检查", "《消防法》第十六条"],
    ]
    job, _ = cli_import("items", write_xlsx(tmp_path / "items.xlsx", items), organizer)
    stub = Regulation.objects.get()
    assert (stub.title, stub.auto_created, stub.articles.count()) == ("消防法", True, 0)
    basis = stub.bases.get()
    assert basis_articles(basis) == []

    job, out = cli_import("regulations", write_xlsx(tmp_path / "regs.xlsx", ROWS), organizer)
    assert job.status == "done", out
    assert (job.report["created"], job.report["updated"], job.report["unchanged"]) == (3, 0, 0)
    fire = Regulation.objects.get(short_title="消防法")
    assert fire.pk == stub.pk and fire.title == "中华人民共和国消防法" and not fire.auto_created
    assert fire.level == "law" and str(fire.effective_date) == "2021-04-29"
    assert list(fire.articles.values_list("number", flat=True)) == [16, 28]
    # the basis now shows the library's text of the cited article
    assert [a.number for a in basis_articles(basis)] == [16]
    # stable reference
    article = Article.objects.get(regulation=fire, number=28)
    assert article.ref == f"{fire.pk}:28" and article.label == "第二十八条"
    assert article_get(ref=article.ref) == article
    with pytest.raises(Http404):
        article_get(ref="x:1")
    # keyword search: name or article text
    assert [r.short_title for r in regulation_search(query="消防")] == ["消防法"]
    assert [r.short_title for r in regulation_search(query="凌晨2时")] == ["娱乐场所管理条例"]
    assert [r.short_title for r in regulation_search(query="《娱乐场所管理条例》")] == [
        "娱乐场所管理条例"
    ]
    assert list(regulation_search(query="不存在的词")) == []
    assert [r.short_title for r in regulation_search(level="admin_regulation")] == [
        "娱乐场所管理条例"
    ]
    # idempotent
    job, _ = cli_import("regulations", write_xlsx(tmp_path / "regs.xlsx", ROWS), organizer)
    assert (job.report["created"], job.report["updated"], job.report["unchanged"]) == (0, 0, 3)


def test_bad_regulation_rows(organizer, tmp_path):
    rows = [
        HEADER,
        ["", None, None, "法规", "2021-02-30", "有效", "第十六条", ""],
        ["某条例", None, None, None, None, None, "第十六条、第十七条", "条文"],
    ]
    job, _ = cli_import("regulations", write_xlsx(tmp_path / "bad.xlsx", rows), organizer)
    assert job.status == "invalid"
    messages = {(e["row"], e["column"]): e["message"] for e in job.errors}
    assert messages[(2, "法规名称")] == "法规名称不能为空。"
    assert messages[(2, "施行日期")] == "“2021-02-30”不是有效日期（2021年没有2月30日）"
    assert messages[(2, "条文")] == "填写了条号，但条文为空。"
    assert messages[(3, "条号")] == "条号“第十六条、第十七条”无效，应为一条，如“第十六条”或“16”。"
    assert (2, "时效性") not in messages  # "有效" is accepted
    assert set(messages) == {
        (2, "条文"),
        (2, "效力层级"),
        (2, "施行日期"),
        (2, "法规名称"),
        (3, "条号"),
    }
    assert not Regulation.objects.exists()


def test_regulation_pages_and_denials(organizer, people, client, tmp_path):
    cli_import("regulations", write_xlsx(tmp_path / "regs.xlsx", ROWS), organizer)
    fire = Regulation.objects.get(short_title="消防法")
    assert client.login(username="kc_market_insp", password=PASSWORD)
    html = client.get("/catalog/regulations/", {"q": "凌晨"}).content.decode()
    assert "娱乐场所管理条例" in html and "中华人民共和国消防法" not in html
    detail = client.get(f"/catalog/regulations/{fire.pk}/").content.decode()
    assert "第十六条" in detail and f"{fire.pk}:28" in detail
    assert client.get("/catalog/regulations/export.xlsx").status_code == 200
    # an inspector may not import into the library
    entries = AuditEntry.objects.count()
    assert client.get("/imports/regulations/").status_code == 403
    with open(tmp_path / "regs.xlsx", "rb") as handle:
        assert client.post("/imports/regulations/", {"file": handle}).status_code == 403
    assert AuditEntry.objects.count() == entries
    assert Regulation.objects.count() == 2
