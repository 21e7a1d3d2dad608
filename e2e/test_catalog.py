"""A department administrator imports its item list through the upload page: a file with errors
is refused with the Chinese error table (row numbers), a good file is previewed, confirmed, and
appears as the department's draft list."""

import os
from pathlib import Path

import pytest
from openpyxl import Workbook

from conftest import PASSWORD

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("SUIJI_E2E_SHOTS", "var/e2e"))
HEADER = ["序号", "抽查类别", "抽查事项", "检查对象", "事项类别", "检查方式", "检查依据"]


def login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("账号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")


def xlsx(path, rows):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return str(path)


def test_import_items_with_errors_then_good(live_server, transactional_db, people, page, tmp_path):
    base = live_server.url
    SHOTS.mkdir(parents=True, exist_ok=True)
    bad = xlsx(
        tmp_path / "bad.xlsx",
        [
            HEADER,
            [
                1,
                "互联网上网服务营业场所的检查",
                "接纳未成年人情况的检查",
                "网吧",
                "重要事项",
                "现场检查",
                "",
            ],
            [2, "娱乐场所的检查", "", "歌舞厅", "一般检查事项", "现场检查", ""],
        ],
    )
    good = xlsx(
        tmp_path / "good.xlsx",
        [
            HEADER,
            [
                1,
                "互联网上网服务营业场所的检查",
                "接纳未成年人情况的检查",
                "网吧",
                "重点检查事项",
                "现场检查、网络检查",
                "《互联网上网服务营业场所管理条例》第二十一条",
            ],
            [None, None, None, None, None, None, "《未成年人保护法》第五十八条"],
            [
                2,
                "娱乐场所的检查",
                "歌舞娱乐场所接纳未成年人情况的检查",
                "歌舞厅",
                "一般检查事项",
                "现场检查",
                "《娱乐场所管理条例》第二十三条",
            ],
        ],
    )
    login(page, base, "kc_culture_admin")
    page.locator("nav.side").get_by_role("link", name="抽查事项清单", exact=True).click()
    assert page.locator("h1").inner_text() == "随机抽查事项清单"
    page.get_by_role("link", name="导入抽查事项").click()
    assert page.locator("h1").inner_text() == "导入抽查事项"

    page.set_input_files("#id_file", bad)
    page.get_by_role("button", name="上传并校验").click()
    page.wait_for_selector("#import-errors")
    assert "校验未通过" in page.locator("main").inner_text()
    rows = page.locator("#import-errors tbody tr").all_inner_texts()
    assert rows == [
        "2\t事项类别\t事项类别“重要事项”无效，应为“重点检查事项”或“一般检查事项”。",
        "3\t抽查事项\t抽查事项不能为空。",
    ]
    page.screenshot(path=str(SHOTS / "catalog-import-errors.png"), full_page=True)

    page.get_by_role("link", name="返回导入页面").click()
    page.set_input_files("#id_file", good)
    page.get_by_role("button", name="上传并校验").click()
    page.wait_for_selector("#import-preview")
    preview = page.locator("#import-preview tbody tr").all_inner_texts()
    assert len(preview) == 2
    assert "接纳未成年人情况的检查" in preview[0] and "2 条" in preview[0]
    page.get_by_role("button", name="确认导入").click()
    page.wait_for_selector("#import-report")
    assert page.locator("#import-report").inner_text() == "新增 2 条，更新 0 条，未变 0 条。"
    page.screenshot(path=str(SHOTS / "catalog-import-done.png"), full_page=True)

    page.goto(f"{base}/catalog/")
    page.get_by_role("link", name="第 1 版草稿").click()
    text = page.locator("main").inner_text()
    assert "互联网上网服务营业场所的检查" in text
    assert "《未成年人保护法》第五十八条" in text
    assert page.locator("table.items tbody tr").count() == 2
    page.get_by_label("版本标题").fill("2025年度随机抽查事项清单")
    page.get_by_label("调整说明").fill("首次发布")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="发布本版本").click()
    page.wait_for_load_state("networkidle")
    assert "现行版本" in page.locator("main").inner_text()
    page.screenshot(path=str(SHOTS / "catalog-published.png"), full_page=True)
