"""Pages and scope: published versions are public to every account; drafts follow catalog.view;
writes follow catalog.manage (own department) — denials change nothing and log nothing."""

import pytest

from accounts.models import Role
from audit.models import AuditEntry
from catalog import services
from catalog.models import InspectionItem, ListVersion, VersionStatus
from catalog.tests.conftest import cli_import, write_xlsx
from catalog.tests.test_versions import GOOD
from conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(people, make_user, tmp_path):
    culture = make_user("culture_org", "kc_culture", Role.ORGANIZER)
    job, _ = cli_import("items", write_xlsx(tmp_path / "good.xlsx", GOOD), culture)
    published = services.version_publish(
        actor=culture, version=ListVersion.objects.get(), reason="首次发布"
    )
    draft = services.version_draft_create(actor=culture, item_list=published.item_list)
    return {"culture": culture, "published": published, "draft": draft}


def login(client, username):
    assert client.login(username=username, password=PASSWORD)
    return client


def test_published_is_public(setup, client):
    published = setup["published"]
    item = published.items.get(code="130827-culture_tourism-1-1")
    for username in ("xl_market_admin", "kc_market_insp", "cd_market_admin"):
        client.logout()
        login(client, username)
        page = client.get("/catalog/").content.decode()
        assert "宽城县旅游和文化广电局随机抽查事项清单" in page
        assert "第 2 版草稿" not in page
        response = client.get(f"/catalog/versions/{published.pk}/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "互联网上网服务营业场所的检查" in html and "《未成年人保护法》第五十八条" in html
        assert client.get(f"/catalog/items/{item.pk}/").status_code == 200
        assert client.get(f"/catalog/versions/{published.pk}/export.xlsx").status_code == 200
        history = client.get(f"/catalog/lists/{published.item_list.code}/").content.decode()
        assert "第 1 版" in history and "第 2 版" not in history


def test_draft_follows_scope(setup, client):
    draft = setup["draft"]
    item = draft.items.first()
    # own department, the city's department of the same kind, the county's supervisor
    for username in ("kc_culture_insp", "cd_culture_admin", "kc_supervisor"):
        client.logout()
        login(client, username)
        assert client.get(f"/catalog/versions/{draft.pk}/").status_code == 200
        assert "第 2 版草稿" in client.get("/catalog/").content.decode()
    for username in ("kc_market_admin", "xl_market_admin", "cd_market_admin", "kc_market_insp"):
        client.logout()
        login(client, username)
        assert client.get(f"/catalog/versions/{draft.pk}/").status_code == 404
        assert client.get(f"/catalog/versions/{draft.pk}/export.xlsx").status_code == 404
        assert client.get(f"/catalog/items/{item.pk}/").status_code == 404
        assert "第 2 版草稿" not in client.get("/catalog/").content.decode()


def test_write_denials_change_nothing(setup, client):
    draft, published = setup["draft"], setup["published"]
    item = draft.items.get(code="130827-culture_tourism-1-1")
    entries = AuditEntry.objects.count()
    # sees the draft, may not change it (inspector)
    login(client, "kc_culture_insp")
    page = client.get(f"/catalog/versions/{draft.pk}/").content.decode()
    assert "发布本版本" not in page and "导入到本草稿" not in page
    assert client.post(f"/catalog/items/{item.pk}/edit/", {"name": "x"}).status_code == 403
    assert client.post(f"/catalog/items/{item.pk}/delete/").status_code == 403
    assert (
        client.post(
            f"/catalog/versions/{draft.pk}/publish/", {"title": "t", "reason": "r"}
        ).status_code
        == 403
    )
    assert client.post(f"/catalog/versions/{draft.pk}/discard/").status_code == 403
    assert client.post(f"/catalog/lists/{published.item_list.code}/draft/").status_code == 403
    assert client.get("/imports/items/").status_code == 403
    # another department's manager does not even see the draft
    client.logout()
    login(client, "kc_market_admin")
    assert client.post(f"/catalog/items/{item.pk}/edit/", {"name": "x"}).status_code == 404
    assert (
        client.post(
            f"/catalog/versions/{draft.pk}/publish/", {"title": "t", "reason": "r"}
        ).status_code
        == 404
    )
    # the published version's items cannot be edited even by their owner
    client.logout()
    login(client, "culture_org")
    old = published.items.get(code="130827-culture_tourism-1-1")
    old_name = old.name
    response = client.post(
        f"/catalog/items/{old.pk}/edit/",
        {"name": "改", "kind": "general", "methods_text": "现场检查"},
    )
    assert "已发布的版本不能修改" in response.content.decode()
    item.refresh_from_db()
    old.refresh_from_db()
    draft.refresh_from_db()
    assert item.name == "接纳未成年人情况的检查" and old.name == old_name
    assert draft.status == VersionStatus.DRAFT
    assert AuditEntry.objects.count() == entries


def test_owner_edits_and_publishes_through_pages(setup, client):
    draft = setup["draft"]
    item = draft.items.get(code="130827-culture_tourism-1-2")
    login(client, "culture_org")
    response = client.post(
        f"/catalog/items/{item.pk}/edit/",
        {
            "name": "营业时间及上网登记情况的检查",
            "kind": "general",
            "methods_text": "现场检查、书面检查",
            "basis_text": "《互联网上网服务营业场所管理条例》第二十二条\n《互联网上网服务营业场所管理条例》第二十三条",
            "ratio": "5%",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert [b.article_numbers for b in item.bases.all()] == [[22], [23]]
    assert sorted(m.name for m in item.methods.all()) == ["书面检查", "现场检查"]
    response = client.post(
        f"/catalog/versions/{draft.pk}/publish/",
        {"title": "2025年版", "reason": "调整营业时间事项"},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == VersionStatus.PUBLISHED and draft.title == "2025年版"
    setup["published"].refresh_from_db()
    assert setup["published"].status == VersionStatus.SUPERSEDED


def test_keyword_kind_method_filters(setup, client):
    published = setup["published"]
    login(client, "kc_market_insp")
    url = f"/catalog/versions/{published.pk}/"

    def codes(**params):
        html = client.get(url, params).content.decode()
        return sorted(
            i.code for i in InspectionItem.objects.filter(version=published) if i.code in html
        )

    assert codes(q="未成年人") == ["130827-culture_tourism-1-1", "130827-culture_tourism-2-1"]
    assert codes(q="营业时间") == ["130827-culture_tourism-1-2"]
    assert codes(kind="key") == ["130827-culture_tourism-1-1", "130827-culture_tourism-2-1"]
    assert codes(method="网络检查") == ["130827-culture_tourism-1-1"]
    assert codes(q="第二十三条") == ["130827-culture_tourism-2-1"]
