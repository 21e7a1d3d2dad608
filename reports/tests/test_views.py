"""The pages: entering and submitting through the browser forms, the region summary, and scope
denials through every door (page, entry, submit, revision, exports)."""

import datetime as dt
import io
import json

import pytest
from django.urls import reverse
from django.utils.html import escape
from openpyxl import load_workbook

from audit.models import AuditEntry
from reports import services
from reports.models import ReportEntry, ReportRevision
from reports.selectors import DEFINITIONS, Month

pytestmark = pytest.mark.usefixtures("reporting_day")

D = dt.date
NOV = Month(2026, 11)


def state():
    return (
        list(ReportEntry.objects.values_list("pk", "title")),
        list(ReportRevision.objects.values_list("pk", "number", "sha256", "data_json")),
        AuditEntry.objects.count(),
    )


def urls(dept, revision=None):
    base = [dept.pk, 2026, 11]
    out = {
        "detail": reverse("reports:detail", args=base),
        "xlsx": reverse("reports:draft_export", args=[*base, "xlsx"]),
        "docx": reverse("reports:draft_export", args=[*base, "docx"]),
        "print": reverse("reports:draft_print", args=base),
    }
    if revision is not None:
        out |= {
            "revision": reverse("reports:revision", args=[revision.pk]),
            "rev_xlsx": reverse("reports:revision_export", args=[revision.pk, "xlsx"]),
            "rev_docx": reverse("reports:revision_export", args=[revision.pk, "docx"]),
            "rev_print": reverse("reports:revision_print", args=[revision.pk]),
        }
    return out


@pytest.fixture
def submitted(world, people, depts):
    org, market = people["kc_market_org"], depts["kc_market"]
    entry = services.entry_add(
        actor=org,
        department=market,
        month=NOV,
        kind="meeting",
        title="全县双随机工作部署会",
        held_on=D(2026, 11, 5),
    )
    revision = services.report_submit(
        actor=org, department=market, month=NOV, contact_name="雷骄", contact_phone="6062345"
    )
    return {"entry": entry, "revision": revision}


def test_organiser_enters_and_submits_through_the_pages(client, world, people, depts):
    market = depts["kc_market"]
    client.force_login(people["kc_market_org"])
    page = client.get(reverse("reports:detail", args=[market.pk, 2026, 11]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "本月尚未报送" in html and "本月公示抽查结果 3 户" in html
    for _label, text in DEFINITIONS:  # the 口径 are on the page, verbatim
        assert escape(text) in html
    add = reverse("reports:entry_add", args=[market.pk, 2026, 11])
    before = state()
    bad = client.post(
        add,
        {
            "kind": "training",
            "title": "",
            "held_on": "2026-11-12",
            "attendees": "-5",
            "content": "",
        },
    )
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "请填写培训班名称" in text and "培训人员数量不能为负数" in text
    assert "请填写培训内容" in text
    assert state() == before
    ok = client.post(
        add,
        {
            "kind": "training",
            "title": "双随机业务培训班",
            "held_on": "2026-11-12",
            "attendees": "35",
            "content": "抽查流程",
        },
    )
    assert ok.status_code == 302
    assert ReportEntry.objects.get().attendees == 35
    submit = reverse("reports:submit", args=[market.pk, 2026, 11])
    missing = client.post(submit, {"contact_name": "", "contact_phone": ""})
    assert missing.status_code == 400
    assert "请填写联系人" in missing.content.decode()
    assert not ReportRevision.objects.exists()
    done = client.post(submit, {"contact_name": "雷骄", "contact_phone": "0314-6062345"})
    rev1 = ReportRevision.objects.get()
    assert done.url == reverse("reports:revision", args=[rev1.pk])
    page = client.get(done.url).content.decode()
    assert rev1.sha256 in page and "内容与摘要一致" in page
    assert "双随机业务培训班（2026年11月12日），培训 35 人" in page
    frozen = (rev1.data_json, rev1.sha256)

    # Entries change after submission; the revision does not. Re-submitting needs a reason.
    entry = ReportEntry.objects.get()
    assert client.post(reverse("reports:entry_delete", args=[entry.pk])).status_code == 302
    again = client.post(submit, {"contact_name": "雷骄", "contact_phone": "0314-6062345"})
    assert again.status_code == 400
    assert "重新报送须说明原因" in again.content.decode()
    client.post(
        submit,
        {"contact_name": "雷骄", "contact_phone": "0314-6062345", "reason": "培训为市局组织，删去"},
    )
    rev2 = ReportRevision.objects.get(number=2)
    assert rev2.previous_id == rev1.pk and rev2.data["entries"]["trainings"] == []
    rev1.refresh_from_db()
    assert (rev1.data_json, rev1.sha256) == frozen
    # The revision's page has no form that changes it: a POST renders it unchanged.
    client.post(reverse("reports:revision", args=[rev1.pk]), {"reason": "x", "data_json": "{}"})
    rev1.refresh_from_db()
    assert (rev1.data_json, rev1.sha256, rev1.reason) == (*frozen, "")
    assert (
        "已被第 2 版取代"
        in client.get(reverse("reports:revision", args=[rev1.pk])).content.decode()
    )


@pytest.mark.parametrize(
    "user_key", ["kc_supervisor", "kc_joint", "kc_admin", "cd_market_admin", "kc_market_admin"]
)
def test_readers_see_and_download_but_cannot_write(client, submitted, people, depts, user_key):
    market = depts["kc_market"]
    client.force_login(people[user_key])
    for name, url in urls(market, submitted["revision"]).items():
        assert client.get(url).status_code == 200, name
    if user_key == "kc_market_admin":
        return  # the department's own administrator may also write (tested in services)
    before = state()
    add = reverse("reports:entry_add", args=[market.pk, 2026, 11])
    assert (
        client.post(add, {"kind": "meeting", "title": "x", "held_on": "2026-11-05"}).status_code
        == 403
    )
    submit = reverse("reports:submit", args=[market.pk, 2026, 11])
    assert (
        client.post(
            submit, {"contact_name": "x", "contact_phone": "6062345", "reason": "x"}
        ).status_code
        == 403
    )
    delete = reverse("reports:entry_delete", args=[submitted["entry"].pk])
    assert client.post(delete).status_code == 403
    assert state() == before
    assert "添加会议" not in client.get(urls(market)["detail"]).content.decode()


@pytest.mark.parametrize(
    ("user_key", "status"),
    [
        ("xl_market_admin", 404),  # another county
        ("kc_culture_admin", 404),  # another department of the same county
        ("town_market_admin", 404),  # a township office does not see its county bureau
        ("kc_market_insp", 403),  # an inspector has no stats.view
    ],
)
def test_outsiders_are_refused_everywhere(client, submitted, people, depts, user_key, status):
    market = depts["kc_market"]
    client.force_login(people[user_key])
    before = state()
    for name, url in urls(market, submitted["revision"]).items():
        assert client.get(url).status_code == status, name
    add = reverse("reports:entry_add", args=[market.pk, 2026, 11])
    assert (
        client.post(add, {"kind": "meeting", "title": "x", "held_on": "2026-11-05"}).status_code
        == status
    )
    submit = reverse("reports:submit", args=[market.pk, 2026, 11])
    assert (
        client.post(submit, {"contact_name": "x", "contact_phone": "6062345"}).status_code == status
    )
    delete = reverse("reports:entry_delete", args=[submitted["entry"].pk])
    assert client.post(delete).status_code == status
    assert state() == before


def test_summary_shows_who_has_submitted(client, submitted, people):
    client.force_login(people["kc_joint"])
    page = client.get(reverse("reports:summary"), {"month": "2026-11", "region": "130827"})
    html = page.content.decode()
    rows = [r for r in html.split("<tr>")[2:]]
    names = [r.split("<td>")[1].split("</td>")[0] for r in rows]
    assert names == ["宽城县司法局", "宽城县市场监督管理局", "宽城县旅游和文化广电局"]
    status = dict(zip(names, ["未报送" in r for r in rows], strict=True))
    assert status == {
        "宽城县司法局": True,
        "宽城县市场监督管理局": False,
        "宽城县旅游和文化广电局": True,
    }
    assert 'id="submitted-count">1<' in html and 'id="missing-count">2<' in html
    assert "第 1 版" in html
    # The township is below the county: the joint office may look at it; a sibling county not.
    assert (
        "宽城镇市场监管所"
        in client.get(
            reverse("reports:summary"), {"month": "2026-11", "region": "130827100"}
        ).content.decode()
    )
    sibling = client.get(reverse("reports:summary"), {"month": "2026-11", "region": "130822"})
    assert "兴隆县" not in sibling.content.decode()
    book = load_workbook(
        io.BytesIO(
            client.get(
                reverse("reports:summary_export"), {"month": "2026-11", "region": "130827"}
            ).content
        )
    )
    sheet = book.active
    values = [[c.value for c in row][:3] for row in sheet.iter_rows()]
    assert values == [
        ["部门", "状态", "最新版本"],
        ["宽城县司法局", "未报送", None],
        ["宽城县市场监督管理局", "已报送", "第 1 版"],
        ["宽城县旅游和文化广电局", "未报送", None],
    ]
    # A December view shows nobody submitted.
    dec = client.get(reverse("reports:summary"), {"month": "2026-12", "region": "130827"})
    assert 'id="submitted-count">0<' in dec.content.decode()


def test_index_and_definitions(client, people, depts):
    client.force_login(people["kc_market_org"])
    page = client.get(reverse("reports:index"), {"month": "2026-11"}).content.decode()
    # A county bureau sees itself and its township offices (same kind, below).
    assert '宽城县市场监督管理局 <span class="badge">本部门</span>' in page
    assert "宽城镇市场监管所" in page and "宽城县司法局" not in page
    # With one department only, the index goes straight to its report.
    client.force_login(people["town_market_admin"])
    index = client.get(reverse("reports:index"), {"month": "2026-11"})
    assert index.url == reverse("reports:detail", args=[depts["kc_town_market"].pk, 2026, 11])
    client.force_login(people["kc_supervisor"])
    page = client.get(reverse("reports:index"), {"month": "2026-11"}).content.decode()
    assert "宽城县市场监督管理局" in page and "兴隆县" not in page
    page = client.get(reverse("reports:definitions")).content.decode()
    assert "Asia/Shanghai" in page
    client.force_login(people["kc_market_insp"])
    assert client.get(reverse("reports:index")).status_code == 403
    assert client.get(reverse("reports:summary")).status_code == 403


def test_a_tampered_revision_shows_as_not_matching_its_digest(client, submitted, people):
    revision = submitted["revision"]
    client.force_login(people["kc_supervisor"])
    url = reverse("reports:revision", args=[revision.pk])
    assert "内容与摘要一致" in client.get(url).content.decode()
    # Someone edits the database behind the application's back.
    data = revision.data
    data["figures"]["results"]["published"] = 30
    ReportRevision.objects.filter(pk=revision.pk).update(data_json=json.dumps(data))
    page = client.get(url).content.decode()
    assert "内容与摘要不一致" in page
