"""An organiser imports entities: a file with errors is refused with a Chinese error table, a
good one previews, commits, and its entities are found in the registry by USCC."""

import os
from pathlib import Path

import pytest
from openpyxl import Workbook

from conftest import PASSWORD
from regions.models import Region, RegionLevel
from registry.identifiers import org_code_complete, uscc_complete
from registry.models import Entity

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("SUIJI_E2E_SHOTS", "var/e2e"))
HEADERS = [
    "统一社会信用代码",
    "注册号",
    "企业名称",
    "法定代表人",
    "成立日期",
    "所属区域",
    "联系电话",
]


def xlsx(path, rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("账号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")


def test_import_refuses_bad_file_then_imports_and_finds_by_uscc(
    live_server, transactional_db, people, page, tmp_path
):
    Region.objects.create(
        code="130827101", name="龙须门镇", level=RegionLevel.TOWNSHIP, parent_id="130827"
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    good_uscc = uscc_complete("92130827" + org_code_complete("MA0CK5J7"))
    other_uscc = uscc_complete("91130827" + org_code_complete("MA0D2R8N"))
    wrong = good_uscc[:17] + ("0" if good_uscc[17] != "0" else "1")
    base = live_server.url
    login(page, base, "kc_market_org")

    page.goto(f"{base}/registry/entities/")
    page.get_by_role("link", name="批量导入").click()
    bad = xlsx(
        tmp_path / "有错误.xlsx",
        [
            [
                wrong,
                "",
                "宽城县龙须门镇鑫源网吧",
                "王建国",
                "2016-03-18",
                "龙须门镇",
                "13831412345",
            ],
            [other_uscc, "", "", "赵志强", "2019-02-30", "不存在镇", ""],
        ],
    )
    page.set_input_files("#id_file", str(bad))
    page.get_by_role("button", name="上传并校验").click()
    page.wait_for_selector("#import-errors")
    assert "校验未通过：发现 4 处错误，整份文件未导入" in page.locator("main").inner_text()
    cells = [
        row.locator("td").all_inner_texts() for row in page.locator("#import-errors tbody tr").all()
    ]
    assert cells[0] == [
        "2",
        "统一社会信用代码",
        f"“{wrong}”校验位错误：第 18 位应为“{good_uscc[17]}”，实际为“{wrong[17]}”",
    ]
    assert [c[:2] for c in cells[1:]] == [["3", "企业名称"], ["3", "成立日期"], ["3", "所属区域"]]
    page.screenshot(path=str(SHOTS / "registry-import-errors.png"), full_page=True)
    assert Entity.objects.count() == 0

    page.goto(f"{base}/imports/entities/")
    good = xlsx(
        tmp_path / "检查对象.xlsx",
        [
            [
                good_uscc,
                "",
                "宽城县龙须门镇鑫源网吧",
                "王建国",
                "2016-03-18",
                "龙须门镇",
                "13831412345",
            ],
            [
                other_uscc,
                "",
                "宽城满族自治县星光影城有限公司",
                "赵志强",
                "2019-05-01",
                "宽城镇",
                "",
            ],
        ],
    )
    page.set_input_files("#id_file", str(good))
    page.get_by_role("button", name="上传并校验").click()
    page.wait_for_selector("#import-preview")
    preview = page.locator("#import-preview").inner_text()
    assert "宽城县龙须门镇鑫源网吧" in preview and "龙须门镇" in preview
    page.get_by_role("button", name="确认导入").click()
    page.wait_for_selector("#import-report")
    assert page.locator("#import-report").inner_text() == "新增 2 条，更新 0 条，未变 0 条。"

    page.goto(f"{base}/registry/entities/")
    assert page.locator("#entity-list tbody tr").count() == 2
    page.get_by_label("名称 / 信用代码").fill(good_uscc)
    page.get_by_role("button", name="查询").click()
    rows = page.locator("#entity-list tbody tr")
    assert rows.count() == 1
    assert good_uscc in rows.first.inner_text()
    page.get_by_role("link", name="宽城县龙须门镇鑫源网吧").click()
    assert page.locator("h1").inner_text() == "宽城县龙须门镇鑫源网吧"
    assert "检查对象.xlsx" in page.locator("#history").inner_text()
    page.screenshot(path=str(SHOTS / "registry-entity.png"), full_page=True)
