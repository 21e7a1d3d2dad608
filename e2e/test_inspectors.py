"""An organizer of the county 市场监督管理局 imports the inspector roster from Excel (a bad row is
refused with a Chinese error, then the fixed file goes in) and puts one inspector on leave."""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import Workbook

from inspectors.models import Inspector, InspectorStatus
from inspectors.selectors import inspector_status_on
from registry.models import Tag, TagCategory

from .test_roles import login

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("SUIJI_E2E_SHOTS", "var/e2e"))
HEADERS = ["姓名", "执法单位", "职务", "执法证件号", "证件有效期至", "专业特长", "联系电话"]


def roster_file(path: Path, department: str) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    sheet.append(
        [
            "王海燕",
            "宽城县市场监督管理局",
            "副所长",
            13082720190012.0,
            "2028-12-31",
            "食品安全",
            13903141234.0,
        ]
    )
    sheet.append(
        ["李春生", department, "科员", "13082720190013", "2027年6月30日", "特种设备、食品安全", ""]
    )
    sheet.append(
        ["赵文", "", "执法人员", "13082720190014", dt.date(2029, 1, 31), "", "0314-6012345"]
    )
    workbook.save(path)
    return path


def test_organizer_imports_roster_and_records_leave(
    live_server, transactional_db, people, page, tmp_path
):
    base = live_server.url
    SHOTS.mkdir(parents=True, exist_ok=True)
    category = TagCategory.objects.create(
        code="specialty", name="专业领域", applies_to_entities=False, applies_to_inspectors=True
    )
    Tag.objects.create(category=category, code="SP-FOOD", name="食品安全")
    Tag.objects.create(category=category, code="SP-EQUIP", name="特种设备")

    login(page, base, "kc_market_org")
    page.locator("nav.side").get_by_role("link", name="执法检查人员名录库").click()
    assert page.locator("h1").inner_text() == "执法检查人员名录库"
    page.get_by_role("link", name="批量导入").click()
    assert page.locator("h1").inner_text() == "导入执法检查人员"

    # A file with one bad row: nothing is imported and the row is explained in Chinese.
    bad = roster_file(tmp_path / "人员名录.xlsx", "宽城县市场监管局")
    page.set_input_files("#id_file", str(bad))
    page.get_by_role("button", name="上传并校验").click()
    errors = page.locator("#import-errors")
    errors.wait_for()
    assert "校验未通过：发现 1 处错误，整份文件未导入" in page.locator("main").inner_text()
    assert errors.locator("tbody tr").all_inner_texts() == [
        "3\t所属部门\t“宽城县市场监管局”不是本级行政区划内的部门，请填写部门全称或简称"
    ]
    page.screenshot(path=str(SHOTS / "inspectors-import-error.png"), full_page=True)
    assert Inspector.objects.count() == 0

    # Fixed file: validated, previewed, confirmed, imported.
    page.get_by_role("link", name="返回导入页面").click()
    good = roster_file(tmp_path / "人员名录-修正.xlsx", "宽城县市场监督管理局")
    page.set_input_files("#id_file", str(good))
    page.get_by_role("button", name="上传并校验").click()
    page.locator("#import-preview").wait_for()
    assert "校验通过：3 行" in page.locator("main").inner_text()
    page.get_by_role("button", name="确认导入").click()
    page.locator("#import-report").wait_for()
    assert page.locator("#import-report").inner_text() == "新增 3 条，更新 0 条，未变 0 条。"
    assert Inspector.objects.count() == 3

    # The list shows them; open one and put them on leave with a reason.
    page.goto(f"{base}/inspectors/")
    rows = page.locator("#inspector-list tbody tr")
    assert rows.count() == 3
    page.get_by_role("link", name="李春生").click()
    assert page.locator("h1").inner_text() == "李春生"
    page.get_by_role("link", name="变更状态").click()
    page.get_by_label("新状态").select_option(label="休假")
    today = timezone.localdate()
    until = today + dt.timedelta(days=9)
    page.get_by_label("截止日期").fill(until.isoformat())
    page.get_by_label("原因").fill("年休假（已批准）")
    page.get_by_role("button", name="确认变更").click()
    assert (
        f"已将 李春生 的状态变更为“休假”（自 {today:%Y-%m-%d} 起）。"
        in page.locator(".messages").inner_text()
    )
    assert "休假" in page.locator("#current-status").inner_text()
    history = page.locator("#status-history tbody tr").all_inner_texts()
    assert history[0].startswith(f"在岗\t{until + dt.timedelta(days=1):%Y-%m-%d}\t至今\t")
    assert history[1].startswith(f"休假\t{today:%Y-%m-%d}\t{until:%Y-%m-%d}\t年休假（已批准）")
    assert "当日已更正" in history[2]
    assert "变更状态" in page.locator("#audit-history").inner_text()
    page.screenshot(path=str(SHOTS / "inspectors-leave.png"), full_page=True)
    li = Inspector.objects.get(certificate_no="13082720190013")
    assert inspector_status_on(li, today) == InspectorStatus.LEAVE
    assert inspector_status_on(li, until + dt.timedelta(days=1)) == InspectorStatus.ON_DUTY
