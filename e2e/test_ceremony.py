"""Issue 5 end to end: a joint plan, a task drawn at a witnessed ceremony, a replacement, the
certificate verified with the standalone verifier, departments confirming, a void that stays
visible, and another county's organiser finding every door closed."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import PASSWORD

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("SUIJI_E2E_SHOTS", "var/e2e"))


def login(page, base, username):
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("账号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")


def test_joint_task_from_plan_to_verified_certificate(
    live_server, transactional_db, people, depts, county, make_user, page, tmp_path
):
    from planning.models import Draw, InspectionTask

    base = live_server.url
    SHOTS.mkdir(parents=True, exist_ok=True)
    make_user("kc_culture_org", "kc_culture", "organizer")
    make_user("kc_culture_rev", "kc_culture", "reviewer")

    # 1. The culture bureau's organiser drafts the annual plan with a joint batch.
    login(page, base, "kc_culture_org")
    page.goto(f"{base}/planning/plans/new/")
    page.get_by_label("年度").fill("2026")
    page.get_by_label("计划名称").fill("2026年度文化市场双随机抽查工作计划")
    page.get_by_role("button", name="保存").click()
    page.get_by_role("link", name="新增批次").click()
    page.get_by_label("批次名称").fill("网吧、娱乐场所、电影放映联合抽查")
    page.get_by_label("抽查对象范围").fill("2024年6月1日前登记的经营主体")
    page.get_by_label("抽查比例（%）").fill("5")
    page.get_by_label("开始日期").fill("2026-12-01")
    page.get_by_label("结束日期").fill("2026-12-31")
    page.get_by_label("部门联合抽查").check()
    page.get_by_label("宽城县市场监督管理局").check()
    page.get_by_role("button", name="保存").click()
    page.get_by_role("button", name="提交审核").click()
    assert "已提交审核" in page.locator(".messages").inner_text()

    # 2. The reviewer of the same bureau approves; the plan is published.
    login(page, base, "kc_culture_rev")
    page.goto(f"{base}/planning/plans/")
    page.get_by_role("link", name="宽城县旅游和文化广电局").click()
    page.get_by_label("审核结论").select_option("approve")
    page.get_by_role("button", name="提交审核结论").click()
    assert "已公示" in page.locator("h1").inner_text()

    # 3. The organiser creates the joint task from the batch and sets the strata.
    login(page, base, "kc_culture_org")
    page.goto(f"{base}/planning/plans/")
    page.get_by_role("link", name="宽城县旅游和文化广电局").click()
    page.get_by_role("link", name="据此创建任务").click()
    page.get_by_label("任务类型").select_option("joint")
    page.get_by_label("牵头部门").select_option(label="宽城县旅游和文化广电局")
    page.get_by_label("每个部门每组人数").fill("1")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/planning/tasks/*/")
    task = InspectionTask.objects.get()
    page.get_by_role("link", name="修改", exact=True).click()
    page.get_by_label("检查组数（0 为自动）").fill("2")
    page.get_by_role("button", name="保存").click()
    page.get_by_role("link", name="设置", exact=True).first.click()
    for grade, ratio in [("A", "10"), ("B", "10"), ("C", "20"), ("D", "50"), ("E", "100")]:
        page.locator(f'input[name="{grade}_0_ratio"]').fill(ratio)
    page.get_by_role("button", name="保存").click()
    page.get_by_role("button", name="计算预览").click()
    page.wait_for_selector("#preview-result")
    assert "将组成 2 个检查组" in page.locator("#preview-result").inner_text()

    # 4. The ceremony: commit with witnesses, each enters digits, draw.
    page.get_by_role("link", name="进入抽取（冻结并公布承诺）").click()
    page.locator('input[name="name_0"]').fill("王公证")
    page.locator('select[name="role_0"]').select_option("notary")
    page.locator('input[name="name_1"]').fill("李监督")
    page.locator('select[name="role_1"]').select_option("supervisor")
    page.get_by_role("button", name="冻结并公布承诺").click()
    page.wait_for_selector("#commitment")
    draw = Draw.objects.get()
    assert page.locator("#commitment").inner_text() == draw.manifest_sha256
    for name, digits in [("王公证", "351624"), ("李监督", "624135")]:
        page.get_by_label(f"{name} 的随机数字").fill(digits)
        page.get_by_role("button", name="录入").first.click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="开始抽取").click()
    page.wait_for_selector("#assignments")
    assert page.locator("[data-status]").first.get_attribute("data-status") == "drawn"
    page.screenshot(path=str(SHOTS / "draw-result.png"), full_page=True)

    # 4b. 一企一表 generated and opened: the PDF, rendered to PNG, carries the Chinese text.
    first = draw.assignments.select_related("entity").order_by("sheet_number")[0]
    page.get_by_role("link", name="一企一表与随机抽查通知书（PDF / Word / Excel）").click()
    with page.expect_download() as download:
        page.locator(f'a[href$="/assignments/{first.pk}/sheet.pdf"]').click()
    sheet = tmp_path / "sheet.pdf"
    download.value.save_as(sheet)
    assert sheet.read_bytes()[:4] == b"%PDF"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(sheet), str(SHOTS / "sheet")],
        check=True,
    )
    text = subprocess.run(
        ["pdftotext", "-layout", str(sheet), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert first.entity.name in text and first.entity_key in text
    assert "一企一表" in text or "检查记录表" in text
    page.go_back()

    # 5. One inspector is replaced with a reason, from the reserve order.
    page.get_by_role("link", name="替换人员或对象（按备选顺序）").click()
    page.locator('form:has(input[value="inspector"]) select[name="inspector"]').select_option(
        index=1
    )
    page.locator('form:has(input[value="inspector"]) select[name="reason"]').select_option(
        "illness"
    )
    page.locator('form:has(input[value="inspector"]) input[name="detail"]').fill("住院治疗")
    page.locator('form:has(input[value="inspector"]) button').click()
    assert "已按备选顺序由" in page.locator(".messages").inner_text()
    assert "replace_inspector" in page.locator("main").inner_text()

    # 6. The certificate downloaded from the page verifies with the standalone verifier.
    with page.expect_download() as download:
        page.get_by_role("link", name="下载抽取证书与验证程序").click()
    archive = tmp_path / "certificate.zip"
    download.value.save_as(archive)
    with zipfile.ZipFile(archive) as z:
        z.extractall(tmp_path / "cert")
    result = subprocess.run(
        [sys.executable, "verify.py", "certificate.json", "."],
        cwd=tmp_path / "cert",
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-1500:]
    assert "结论 VERDICT: 通过 PASS" in result.stdout

    # 7. Each department confirms its part.
    for username in ["kc_culture_admin", "kc_market_admin"]:
        login(page, base, username)
        page.goto(f"{base}/planning/dispatch/")
        page.get_by_role("button", name="核对无误，确认").click()
        assert "已确认" in page.locator(".messages").inner_text()
    task.refresh_from_db()
    assert task.status == "dispatched"

    # 8. Another county's organiser sees none of it.
    login(page, base, "xl_market_admin")
    page.goto(f"{base}/planning/tasks/")
    assert page.locator("table.data tbody").inner_text().strip() == "暂无任务。"
    page.goto(f"{base}/planning/draws/{draw.pk}/")
    assert page.locator("h1").inner_text() == "404 页面不存在"
    page.goto(f"{base}/planning/tasks/{task.pk}/")
    assert page.locator("h1").inner_text() == "404 页面不存在"

    # 9. The department's administrator voids the draw; it stays visible with its reason.
    login(page, base, "kc_culture_admin")
    page.goto(f"{base}/planning/draws/{draw.pk}/")
    page.get_by_label("作废原因").select_option("data_error")
    page.get_by_label("具体说明").fill("名录库 2 户已注销未同步")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="作废").click()
    assert page.locator("[data-status]").first.get_attribute("data-status") == "voided"
    assert "名录库 2 户已注销未同步" in page.locator("main").inner_text()
    assert page.locator("#assignments tbody tr").count() > 0
    page.screenshot(path=str(SHOTS / "draw-voided.png"), full_page=True)
