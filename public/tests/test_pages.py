"""The public pages: exact content, only published things, 404s, caching, bounded queries."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.http import Http404
from django.urls import reverse

from public.privacy import public_name
from registry.models import EntityType

pytestmark = pytest.mark.django_db


def get(client, name, *args, query=""):
    response = client.get(reverse(f"public:{name}", args=args) + query)
    assert response.status_code == 200, response.content[:500]
    assert response["Cache-Control"] == "public, max-age=60"
    return response.content.decode()


def text(html):
    """Visible text with tags removed and whitespace collapsed (for exact phrases)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_home_lists_departments_and_the_latest_notices(
    world, client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        html = get(client, "home")
    body = text(html)
    assert "宽城满族自治县“双随机、一公开”公示" in body
    for name in ["宽城县市场监督管理局", "宽城县旅游和文化广电局", "宽城县司法局"]:
        assert name in body
    assert (
        "宽城县市场监督管理局：2026年度随机抽查工作计划（第 2 版，调整原因：增加网吧联合抽查批次）"
        in body
    )
    assert "抽查任务公告：2026年网吧联合抽查（宽城县市场监督管理局）" in body
    assert "抽取结果作废：2026年食品经营单部门抽查 名录库中 2 户已注销未同步" in body
    assert "检查结果公示：2026年网吧联合抽查 本日公示 1 户" in body
    assert (
        "检查结果更正：2026年网吧联合抽查 更正原因：企业已于检查前公示年报，系系统同步延迟" in body
    )
    assert "不应公示" not in body
    # The city above and the township below are one click away; the parents chain is shown.
    assert 'href="?region=1308"' in html and 'href="?region=130827100"' in html


def test_unknown_codes_are_404(world, client):
    w = world
    for url in [
        reverse("public:home") + "?region=99",
        reverse("public:lists") + "?region=130827&dept=999999",
        reverse("public:lists") + "?region=130827&dept=abc",
        # a department of another region
        reverse("public:tasks") + f"?region=130827&dept={w['parts']['market'].department_id + 0}x",
        reverse("public:task_detail", args=[999999]),
        reverse("public:task_detail", args=[w["single"]["hidden"].pk]),
        reverse("public:task_results", args=[w["single"]["hidden"].pk]),
        reverse("public:task_results", args=[w["task"].pk]) + "?page=0",
        reverse("public:task_results", args=[w["task"].pk]) + "?page=2",
        reverse("public:list_version", args=[w["lists"]["draft"].pk]),
        reverse("public:plan_detail", args=[999999]),
        reverse("public:entity_detail", args=["91130827MA00000000"]),
        reverse("public:entity_detail", args=["not-a-code"]),
        reverse("public:certificate", args=[999999]),
    ]:
        assert client.get(url).status_code == 404, url


def test_department_of_another_region_is_404(world, client, depts):
    url = reverse("public:tasks") + f"?region=130827&dept={depts['cd_market'].pk}"
    assert client.get(url).status_code == 404
    url = reverse("public:tasks") + f"?region=1308&dept={depts['cd_market'].pk}"
    assert client.get(url).status_code == 200


def test_item_lists_show_current_and_past_versions_with_reasons_never_drafts(world, client):
    w = world["lists"]
    body = text(get(client, "lists"))
    assert "宽城县市场监督管理局抽查事项清单" in body
    assert "第 2 版 第一版 现行版本 2026-03-01 新增食品经营许可事项" in body
    assert "第 1 版 2025年版 已被替代 2025-03-01 —" in body
    assert "草稿" not in body and "不应公示" not in body
    old = text(get(client, "list_version", w["old"].pk))
    assert "旧版营业执照检查" in old and "营业执照公示情况" not in old
    assert "全部版本： 第 2 版（现行版本） · 第 1 版" in old
    current = text(get(client, "list_version", w["current"].pk))
    assert "1 " + f"{w['current'].items.get(position=1).code} 日常监管 营业执照公示情况" in current
    assert "食品经营许可" in current and "草稿事项不应公示" not in current
    # Filtered by department: the culture department sees only its own list.
    culture = world["parts"]["culture"].department
    body = text(get(client, "lists", query=f"?region=130827&dept={culture.pk}"))
    assert "宽城县旅游和文化广电局抽查事项清单" in body
    assert "宽城县市场监督管理局抽查事项清单" not in body


def test_plans_show_every_published_version_and_its_reason(world, client):
    p = world["plans"]
    listing = text(get(client, "plans"))
    assert "2026 宽城县市场监督管理局 2026年度随机抽查工作计划" in listing
    assert "第 2 版 · 已公示" in listing
    assert "第 1 版 · 已调整（旧版本）" in listing
    assert "调整原因：增加网吧联合抽查批次" in listing
    assert "不应公示" not in listing and "2027" not in listing
    detail = text(get(client, "plan_detail", p["plan"].pk))
    assert "本计划共公示 2 个版本" in detail
    assert "第 2 版：2026年度随机抽查工作计划 已公示" in detail
    assert "调整原因 增加网吧联合抽查批次" in detail
    assert (
        "2 第二批网吧联合抽查 全县互联网上网服务营业场所 5 户 2026-11-01 至 2026-12-31 否" in detail
    )
    assert "1 第一批食品经营抽查 全县食品经营者 5% 2026-03-01 至 2026-06-30 否" in detail
    assert "第 1 版：2026年度随机抽查工作计划 已调整（旧版本）" in detail
    assert "草稿" not in detail and "不应公示" not in detail
    unpublished = world["plans"]["plan"].__class__.objects.get(year=2027)
    assert client.get(reverse("public:plan_detail", args=[unpublished.pk])).status_code == 404


def test_task_notice_shows_scope_items_draw_and_drawn_entities(
    world, client, django_assert_max_num_queries
):
    task, draw = world["task"], world["draw"]
    draw.refresh_from_db()
    with django_assert_max_num_queries(14):
        html = get(client, "task_detail", task.pk)
    body = text(html)
    assert "2026年网吧联合抽查 抽查任务公告" in body
    assert "任务类型 部门联合抽查" in body
    assert "检查时间 2026-11-01 至 2026-12-31" in body
    assert "结果公示时限 检查完成之日起 5 个工作日内" in body
    assert "宽城县市场监督管理局 牵头 营业执照公示情况；食品经营许可" in body
    assert "宽城县旅游和文化广电局 网吧接纳未成年人" in body
    assert f"承诺摘要（SHA-256） {draw.manifest_sha256}" in body
    assert f"证书摘要（SHA-256） {draw.certificate_sha256}" in body
    assert "公证人：王公证（宽城县公证处）" in body
    assert "监督人：李监督（县司法局）" in body
    for stratum in "ABCDE":
        assert f"{stratum} " in body
    assert "A 20 1 5" in body and "E 4 1 3" in body
    assert "抽取对象 5 户" in body
    published = world["sheet"].sheet_number
    for a in draw.assignments.select_related("entity"):
        state = "结果已公示" if a.sheet_number == published else "检查中"
        assert (
            f"{a.sheet_number} {public_name(a.entity)} {a.entity_key} {a.stratum} {state}" in body
        )
    assert body.count("结果已公示") == 1
    assert reverse("public:certificate", args=[draw.pk]) in html
    assert reverse("public:verify_py") in html


def test_voided_draw_stays_visible_with_reason_and_the_replacing_draw(world, client):
    s = world["single"]
    html = get(client, "task_detail", s["task"].pk)
    body = text(html)
    assert "第 1 次抽取 已作废" in body
    assert "作废原因：抽取所依据的数据有误——名录库中 2 户已注销未同步" in body
    assert f'href="#draw-{s["redraw"].pk}"' in html
    assert "取代它的抽取： 第 2 次抽取" in body
    assert "本次抽取取代已作废的 第 1 次抽取" in body
    assert f'href="#draw-{s["voided"].pk}"' in html
    # Both certificates stay downloadable.
    assert reverse("public:certificate", args=[s["voided"].pk]) in html
    assert reverse("public:certificate", args=[s["redraw"].pk]) in html
    # The drawn list is the live draw's; the voided draw's sheets are not listed.
    assert f"{s['redraw'].draw_id}-0001" in body
    assert f"{s['voided'].draw_id}-0001" not in body
    # A member of the public among the witnesses is named by role, the name masked.
    assert "群众/企业代表：孙**（个体户代表）" in body
    assert "孙群众" not in body


def test_result_notice_shows_published_results_with_corrections_side_by_side(
    world, client, django_assert_max_num_queries
):
    w = world
    sheet = w["published"]
    with django_assert_max_num_queries(12):
        html = get(client, "task_results", w["task"].pk)
    body = text(html)
    key = w["sheet"].entity_key
    assert f"1 张**小吃部 {key} 2026-11-20 未发现问题" in body
    assert "宽城县市场监督管理局·营业执照公示情况：未发现问题" in body
    assert "宽城县旅游和文化广电局·网吧接纳未成年人：未发现问题" in body
    assert (
        f"更正 {sheet.corrections.get(state='published').reviewed_at:%Y-%m-%d} "
        "宽城县市场监督管理局·营业执照公示情况 原结果 未按规定公示应当公示的信息 "
        "更正后 未发现问题 更正原因：企业已于检查前公示年报，系系统同步延迟"
    ) in body
    # Approved but not published, and a correction still under review: absent.
    assert w["other_sheet"].entity_key not in body
    assert "待审核的更正不应公示" not in body
    assert "发现问题经责令已改正" not in body


def test_result_pages_hold_fifty_and_do_not_count(world):
    from inspections.models import SheetResult
    from public import selectors

    w = world
    SheetResult.objects.filter(pk=w["pending"].pk).update(state="published")
    first = selectors.task_results(w["task"], 1, size=1)
    assert [r.key for r in first.rows] == [w["sheet"].entity_key]
    assert first.has_next and not first.has_previous
    second = selectors.task_results(w["task"], 2, size=1)
    assert [r.key for r in second.rows] == [w["other_sheet"].entity_key]
    assert not second.has_next and second.has_previous
    # The next link's cursor gives the same page without an OFFSET.
    assert first.after == w["sheet"].sheet_number
    by_cursor = selectors.task_results(w["task"], 2, size=1, after=first.after)
    assert [r.key for r in by_cursor.rows] == [w["other_sheet"].entity_key]
    assert not by_cursor.has_next and by_cursor.after == w["other_sheet"].sheet_number
    with pytest.raises(Http404):
        selectors.task_results(w["task"], 2, size=1, after="x' OR 1=1")
    with pytest.raises(Http404):
        selectors.task_results(w["task"], 3, size=1, after=by_cursor.after)
    assert selectors.PAGE_SIZE == 50
    assert len(selectors.task_results(w["task"], 1).rows) == 2


def test_search_redirects_an_exact_code_and_lists_names(
    world, client, django_assert_max_num_queries
):
    from registry.models import Entity

    w = world
    key = w["sheet"].entity_key
    url = reverse("public:entity_detail", args=[key])
    with django_assert_max_num_queries(3):
        response = client.get(reverse("public:search"), {"q": key})
    assert response.status_code == 302 and response["Location"] == url
    # Lower case and spaces are forgiven.
    response = client.get(reverse("public:search"), {"q": f" {key[:9].lower()} {key[9:]} "})
    assert response.status_code == 302 and response["Location"] == url
    # A 15-digit 注册号.
    legacy = Entity.objects.create(
        name="宽城县老字号商店", reg_no="130827000012345", region_id="130827"
    )
    response = client.get(reverse("public:search"), {"q": "130827000012345"})
    assert response["Location"] == reverse("public:entity_detail", args=["130827000012345"])
    # An unknown full code: a list saying nothing was found.
    body = text(client.get(reverse("public:search"), {"q": "91130827MA00000000"}).content.decode())
    assert "没有找到“91130827MA00000000”" in body
    # Names: a 3+ character fragment (trigram index), a 2 character prefix, 1 character refused.
    body = text(get(client, "search", query="?q=示例商贸"))
    other = w["draw"].assignments.get(entity__name="宽城县示例商贸有限公司")
    assert f"宽城县示例商贸有限公司 {other.entity_key} 企业 宽城镇" in body
    body = text(get(client, "search", query="?q=宽城"))
    assert "宽城县老字号商店 130827000012345" in body
    assert "宽城县测试商店" in body
    assert "张**小吃部" not in body  # a prefix match: the name does not start with 宽城
    body = text(get(client, "search", query="?q=宽"))
    assert "请至少输入 2 个字的名称" in body
    # A leading part of a code lists in code order.
    # (17 characters: which entity the draw picked varies with the nonce, and a 10-character
    # prefix matches more than the 50 listed in the fixture county)
    body = text(get(client, "search", query=f"?q={key[:17]}"))
    assert key in body
    legacy.delete()


def test_entity_page_lists_its_published_results_only(world, client, django_assert_max_num_queries):
    w = world
    with django_assert_max_num_queries(10):
        body = text(get(client, "entity_detail", w["sheet"].entity_key))
    assert "张**小吃部" in body
    assert f"统一社会信用代码 {w['sheet'].entity_key} 主体类型 个体工商户 所属区域 宽城镇" in body
    assert (
        "2026年网吧联合抽查 130827-2026-0001 宽城县市场监督管理局、宽城县旅游和文化广电局 "
        "2026-11-20 未发现问题"
    ) in body
    assert "原结果 未按规定公示应当公示的信息 更正后 未发现问题" in body
    pending = text(get(client, "entity_detail", w["other_sheet"].entity_key))
    assert "暂无已公示的抽查检查结果" in pending


def test_how_to_verify_and_screen_pages(world, client):
    body = text(get(client, "how_to_verify"))
    assert "python3 verify.py certificate.json ." in body
    assert "结论 VERDICT: 通过 PASS" in body
    html = get(client, "screen")
    assert 'hx-trigger="load, every 60s"' in html and "public/screen.js" in html
    assert "<script>" not in html
    data = text(get(client, "screen_data"))
    assert "正在进行的抽查任务" in data and "2026年网吧联合抽查 宽城县市场监督管理局" in data
    assert f"张**小吃部 {world['sheet'].entity_key} 2026年网吧联合抽查 未发现问题 已更正" in data


@pytest.mark.parametrize(
    ("name", "entity_type", "operator", "shown"),
    [
        ("张大伟小吃部", EntityType.INDIVIDUAL, "张大伟", "张**小吃部"),
        ("张大伟", EntityType.INDIVIDUAL, "张大伟", "张**"),
        ("李小红", EntityType.INDIVIDUAL, "", "李**"),
        ("欧阳小明", EntityType.INDIVIDUAL, "", "欧***"),
        ("宽城县红红小吃店", EntityType.INDIVIDUAL, "", "宽城县红红小吃店"),
        ("王记面馆", EntityType.INDIVIDUAL, "王建国", "王记面馆"),
        ("王建国商贸有限公司", EntityType.COMPANY, "王建国", "王建国商贸有限公司"),
    ],
)
def test_public_name(name, entity_type, operator, shown):
    entity = SimpleNamespace(name=name, entity_type=entity_type, representative=operator)
    assert public_name(entity) == shown


def test_without_the_demo_county_the_home_page_picks_a_region_with_departments(client):
    from accounts.models import DepartmentKind
    from accounts.services import department_create
    from regions.models import Region, RegionLevel

    assert client.get(reverse("public:home")).status_code == 404  # no regions at all
    Region.objects.create(code="35", name="福建省", level=RegionLevel.PROVINCE)
    county = Region.objects.create(
        code="350521", name="惠安县", level=RegionLevel.COUNTY, parent_id="35"
    )
    department_create(
        actor=None, name="惠安县市场监督管理局", kind=DepartmentKind.MARKET, region=county
    )
    body = text(get(client, "home"))
    assert "惠安县“双随机、一公开”公示" in body and "惠安县市场监督管理局" in body


def test_a_commitment_is_public_before_the_draw_runs(world, client, people, depts, scheme):
    from planning import services as planning
    from planning.models import TaskKind
    from planning.tests.test_draw_flow import WITNESSES

    from .conftest import D

    org = people["kc_market_org"]
    task = planning.task_create(
        actor=org,
        lead_department=depts["kc_market"],
        name="承诺已公布待抽取的任务",
        kind=TaskKind.SINGLE,
        window_start=D(2026, 12, 1),
        window_end=D(2026, 12, 20),
        grading_scheme=scheme,
        inspectors_per_group=2,
    )
    planning.task_strata_set(actor=org, task=task, rules=[(g, False, None, 1) for g in "ABCDE"])
    draw = planning.draw_commit(actor=org, task=task, witnesses=WITNESSES, as_of=D(2026, 11, 26))
    html = get(client, "task_detail", task.pk)
    body = text(html)
    assert "第 1 次抽取 已承诺，待抽取" in body
    assert draw.manifest_sha256 in body
    assert "抽取时间 —" in body
    assert reverse("public:certificate", args=[draw.pk]) not in html
    assert draw.server_nonce not in html
    assert client.get(reverse("public:certificate", args=[draw.pk])).status_code == 404


def test_overall_result_names_the_findings_only():
    from public.selectors import PublicItem, PublicResult

    def result(*items):
        sheet = SimpleNamespace(outcome="inspected")
        return PublicResult(sheet=sheet, entity=None, key="", task=None, items=list(items))  # type: ignore[arg-type]

    ok = PublicItem(department="市场监管局", item="甲", labels=["未发现问题"], problem=False)
    bad = PublicItem(
        department="市场监管局", item="乙", labels=["未按规定公示应当公示的信息"], problem=True
    )
    assert result(ok, bad).overall == "未按规定公示应当公示的信息"
    assert result(ok, ok).overall == "未发现问题"
    assert result().overall == "—"
