"""Two roles log in through the real login page and see (and do not see) what their scope says."""

import os
from pathlib import Path

import pytest

from conftest import PASSWORD

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("SUIJI_E2E_SHOTS", "var/e2e"))


def login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    assert page.locator("h1").inner_text() == "随机 · 双随机一公开监管平台"
    page.get_by_label("账号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")


def test_inspector_and_supervisor_see_their_own_worlds(live_server, transactional_db, people, page):
    base = live_server.url
    SHOTS.mkdir(parents=True, exist_ok=True)

    # An inspector: own workbench, no administration, refused at the door when trying anyway.
    login(page, base, "kc_market_insp")
    assert page.locator("h1").inner_text() == "检查人员工作台"
    nav = page.locator("nav.side")
    assert nav.get_by_role("link", name="部门").is_visible()
    assert nav.get_by_role("link", name="用户管理").count() == 0
    assert nav.get_by_role("link", name="行为日志").count() == 0
    page.screenshot(path=str(SHOTS / "inspector-home.png"), full_page=True)
    page.goto(f"{base}/accounts/users/")
    assert page.locator("h1").inner_text() == "403 无权访问"
    page.goto(f"{base}/audit/")
    assert page.locator("h1").inner_text() == "403 无权访问"
    page.goto(f"{base}/accounts/departments/")
    names = page.locator("table.data tbody td:nth-child(3)").all_inner_texts()
    assert sorted(names) == ["宽城县市场监督管理局", "宽城镇市场监管所"]
    page.get_by_role("button", name="退出").click()
    page.wait_for_url(f"{base}/accounts/login/")

    # A county supervisor: read-only view of the county's accounts and its audit log.
    login(page, base, "kc_supervisor")
    assert page.locator("h1").inner_text() == "监督审计工作台"
    page.locator("nav.side").get_by_role("link", name="用户管理").click()
    usernames = page.locator("table.data tbody td:first-child").all_inner_texts()
    assert "kc_market_insp" in usernames and "kc_culture_admin" in usernames
    assert "cd_market_admin" not in usernames and "xl_market_admin" not in usernames
    page.get_by_role("link", name="kc_market_insp").click()
    assert page.get_by_text("138****1111").is_visible()
    assert page.get_by_role("link", name="编辑").count() == 0
    page.locator("nav.side").get_by_role("link", name="行为日志").click()
    assert page.locator("table.data tbody tr").count() > 0
    assert "auth.login" in page.locator("table.data").inner_text()
    page.get_by_role("link", name="校验日志链").click()
    assert "哈希链完整" in page.locator("main").inner_text()
    page.screenshot(path=str(SHOTS / "supervisor-chain.png"), full_page=True)
    page.goto(f"{base}/accounts/users/{people['cd_market_admin'].pk}/")
    assert page.locator("h1").inner_text() == "404 页面不存在"
