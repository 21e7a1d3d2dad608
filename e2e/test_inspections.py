"""Issue 6 end to end on a phone-sized screen (390×844): inspectors of two departments enter a
joint sheet with a photo and a refusal to sign, another sheet is closed as 通过登记的住所无法联系;
the leader submits both; the reviewer returns one and approves and publishes the other; a
correction is reviewed and shown beside the original; a follow-up is opened and closed."""

import os
import struct
import zlib
from pathlib import Path

import pytest

from conftest import PASSWORD
from inspections.tests.conftest import joint, media  # noqa: F401  (fixtures)

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("SUIJI_E2E_SHOTS", "var/e2e"))
PHONE = {"width": 390, "height": 844}


def tiny_png() -> bytes:
    """A real 2×2 red PNG, so the browser can draw it inline."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def login(page, base, username):
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("账号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")


def messages(page) -> str:
    return " ".join(page.locator(".messages").all_inner_texts())


def test_results_from_entry_to_publication_correction_and_follow_up(
    live_server,
    transactional_db,
    joint,  # noqa: F811  # noqa: F811  (the fixture imported above)
    page,
):
    from inspections.models import Evidence, FollowUp, SheetResult

    base = live_server.url
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(PHONE)
    j = joint
    sheet_a = j["sheet"]
    sheet_b = j["draw"].assignments.filter(group=sheet_a.group).exclude(pk=sheet_a.pk).get()
    market, culture = j["parts"]["market"], j["parts"]["culture"]
    m1, m2 = list(market.items.order_by("position"))
    c1 = culture.items.get()

    # 1. The group leader (market) opens the workspace and the first sheet.
    login(page, base, "insp_leader")
    page.goto(f"{base}/inspections/my/")
    assert page.locator(".sheet-cards li").count() == 2
    page.get_by_role("link", name=sheet_a.entity.name).click()
    page.wait_for_url(f"**/inspections/sheets/{sheet_a.pk}/")
    notice = page.locator("#notice")
    notice.get_by_label("告知方式").select_option(label="电话")
    notice.get_by_label("告知时间").fill("2026-11-20T09:00")
    notice.get_by_role("button", name="保存告知情况").click()
    assert "已记录告知情况" in messages(page)

    # Item 1 with a problem, item 2 without.
    block = page.locator(f"#item-{market.pk}-{m1.pk}")
    block.get_by_label("未按规定公示应当公示的信息").check()
    block.get_by_label("发现问题情况").fill("2025 年度报告未公示")
    block.get_by_label("责令改正").check()
    block.get_by_label("检查日期").fill("2026-11-20")
    block.get_by_role("button", name="保存本事项").click()
    assert "已保存" in messages(page)
    block = page.locator(f"#item-{market.pk}-{m2.pk}")
    block.get_by_label("未发现问题").check()
    block.get_by_label("检查日期").fill("2026-11-20")
    block.get_by_role("button", name="保存本事项").click()
    # The culture item is not editable for the market leader.
    assert page.locator(f"#item-{culture.pk}-{c1.pk} form").count() == 0

    # A photo of the premises, attached to item 1; a wrong file is refused first.
    evidence = page.locator("#evidence")
    evidence.get_by_label("证据文件").set_input_files(
        {"name": "门头.jpg", "mimeType": "image/jpeg", "buffer": b"MZ\x90\x00not a photo"}
    )
    evidence.get_by_role("button", name="上传").click()
    assert "不支持的文件类型：只能上传 jpg、jpeg、png、pdf、mp3、m4a、mp4 格式的文件。" in (
        page.locator("#evidence").inner_text()
    )
    assert not Evidence.objects.exists()
    evidence = page.locator("#evidence")
    evidence.get_by_label("证据文件").set_input_files(
        {"name": "门头.png", "mimeType": "image/png", "buffer": tiny_png()}
    )
    evidence.get_by_label("关联事项").select_option(label=f"{market.department.name}：{m1.name}")
    evidence.get_by_role("button", name="上传").click()
    assert "已上传：门头.png" in messages(page)
    image = page.locator("#evidence img")
    # wait for the thumbnail to load (evaluating right after the swap raced with it)
    loaded = "img => img.complete ? img.naturalWidth : new Promise(r => img.onload = () => r(img.naturalWidth))"
    assert image.evaluate(loaded) == 2

    # The entity's representative refuses to sign: recorded with a witness.
    signature = page.locator("#signature")
    signature.get_by_label("拒绝签字").check()
    signature.get_by_label("拒签见证人").fill("社区网格员 李四")
    signature.get_by_label("拒签情形").fill("负责人称需请示总公司，拒绝签字")
    signature.get_by_role("button", name="保存签字情况").click()
    assert "拒绝签字" in page.locator("#signature").inner_text()

    # Submission waits for the culture department's item.
    page.get_by_role("button", name="组长提交审核").click()
    assert "宽城县旅游和文化广电局：网吧接纳未成年人" in messages(page)

    # 2. The culture member enters their own item.
    login(page, base, "insp_culture")
    page.goto(f"{base}/inspections/sheets/{sheet_a.pk}/")
    assert page.locator(f"#item-{market.pk}-{m1.pk} form").count() == 0
    block = page.locator(f"#item-{culture.pk}-{c1.pk}")
    block.get_by_label("未发现问题").check()
    block.get_by_label("书面检查").check()
    block.get_by_label("检查日期").fill("2026-11-21")
    block.get_by_role("button", name="保存本事项").click()
    assert "已保存" in messages(page)

    # 3. The leader submits; the second sheet: the registered address cannot be reached.
    login(page, base, "insp_leader")
    page.goto(f"{base}/inspections/sheets/{sheet_a.pk}/")
    page.get_by_role("button", name="组长提交审核").click()
    assert "已提交审核" in messages(page)
    assert page.locator("#state").inner_text() == "待审核"
    page.goto(f"{base}/inspections/sheets/{sheet_b.pk}/")
    notice = page.locator("#notice")
    notice.get_by_label("告知方式").select_option(label="未告知")
    notice.get_by_label("未告知原因").fill("登记电话停机，无法事先告知")
    notice.get_by_role("button", name="保存告知情况").click()
    outcome = page.locator("#outcome")
    outcome.locator("summary").click()
    outcome.get_by_label("检查情况").select_option(label="通过登记的住所（经营场所）无法联系")
    outcome.get_by_label("认定日期").fill("2026-11-24")
    outcome.get_by_label("情况说明").fill("登记住所为空置门面，邻居称已搬离半年")
    outcome.get_by_role("button", name="保存检查情况").click()
    assert "已记录检查情况" in messages(page)
    evidence = page.locator("#evidence")
    evidence.get_by_label("证据文件").set_input_files(
        {"name": "空置门面.png", "mimeType": "image/png", "buffer": tiny_png()}
    )
    evidence.get_by_role("button", name="上传").click()
    page.get_by_role("button", name="组长提交审核").click()
    assert "已提交审核" in messages(page)
    page.screenshot(path=str(SHOTS / "inspections-unreachable-phone.png"), full_page=True)

    # 4. The lead department's reviewer returns the second sheet, approves and publishes the first.
    login(page, base, "market_rev")
    page.goto(f"{base}/inspections/review/")
    page.get_by_role("link", name=sheet_b.entity.name).click()
    review = page.locator("#review")
    review.get_by_label("审核结论").select_option("return")
    review.get_by_label("审核意见").fill("请补充邻居证言的书面记录")
    review.get_by_role("button", name="提交审核结论").click()
    assert "已退回修改" in messages(page)
    assert SheetResult.objects.get(assignment=sheet_b).state == "returned"
    page.goto(f"{base}/inspections/review/")
    page.get_by_role("link", name=sheet_a.entity.name).click()
    page.locator("#review").get_by_label("审核结论").select_option("approve")
    page.locator("#review").get_by_role("button", name="提交审核结论").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="公示检查结果").click()
    assert "检查结果已公示" in messages(page)
    assert page.locator("#state").inner_text() == "已公示"
    published = page.locator("#published").inner_text()
    assert "未按规定公示应当公示的信息" in published and "未发现问题" in published

    # The leader sees the return reason on the second sheet.
    login(page, base, "insp_leader")
    page.goto(f"{base}/inspections/sheets/{sheet_b.pk}/")
    assert "审核退回：请补充邻居证言的书面记录" in messages(page)

    # 5. A correction: proposed by the leader, published by the reviewer, shown side by side.
    page.goto(f"{base}/inspections/sheets/{sheet_a.pk}/")
    block = page.locator(f"#published-{market.pk}-{m1.pk}")
    block.locator("summary", has_text="提出更正").click()
    block.get_by_label("发现问题经责令已改正").check()
    block.get_by_label("更正后的发现问题情况").fill("2025 年度报告未公示，检查当日已补报")
    block.get_by_label("更正原因").fill("企业检查当日已补报年报，原结果未反映")
    block.get_by_role("button", name="提交更正").click()
    assert "更正已提交" in messages(page)
    login(page, base, "market_rev")
    page.goto(f"{base}/inspections/review/")
    page.get_by_role("link", name=sheet_a.entity.name).last.click()
    block = page.locator(f"#published-{market.pk}-{m1.pk}")
    block.get_by_role("button", name="同意更正并公示").click()
    block = page.locator(f"#published-{market.pk}-{m1.pk}")
    text = block.inner_text()
    assert "原公示结果" in text and "更正后结果" in text
    assert "未按规定公示应当公示的信息" in text and "发现问题经责令已改正" in text
    page.screenshot(path=str(SHOTS / "inspections-correction-phone.png"), full_page=True)

    # 6. A follow-up for the problem: opened, documented, closed.
    block.locator("summary", has_text="登记后续处置").click()
    block.get_by_label("处置方式").select_option(label="责令整改跟踪")
    block.get_by_label("处置要求").fill("跟踪企业年报公示情况")
    block.get_by_label("办结期限").fill("2026-12-10")
    block.get_by_role("button", name="登记后续处置").click()
    assert "已登记后续处置" in messages(page)
    page.get_by_role("button", name="办结").click()
    assert "办结须上传处置结果材料" in page.locator("#close").inner_text()
    page.locator("#evidence").get_by_label("证据文件").set_input_files(
        {"name": "整改报告.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%\n"}
    )
    page.locator("#evidence").get_by_role("button", name="上传").click()
    page.locator("#close").get_by_label("办结情况").fill("企业已补报并公示 2025 年度报告")
    page.get_by_role("button", name="办结").click()
    assert "后续处置已办结" in messages(page)
    assert page.locator("#status").inner_text() == "已完结"
    assert FollowUp.objects.get().status == "closed"

    # 7. Another group's inspector finds the sheet closed to them.
    login(page, base, "insp_other")
    response = page.goto(f"{base}/inspections/sheets/{sheet_a.pk}/")
    assert response is not None and response.status == 404
