"""The county's 司法局 supervisor opens the statistics, sees the charts drawn beside their tables,
drills down to a department, a task and its sheets, and downloads the Excel workbook."""

import os
from pathlib import Path

import pytest
from openpyxl import load_workbook

from e2e.test_roles import login
from stats.tests.conftest import world  # noqa: F401  (the fixture: a county with known figures)

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("SUIJI_E2E_SHOTS", "var/e2e"))


def test_supervisor_dashboard_drill_down_and_export(
    live_server,
    transactional_db,
    people,
    world,  # noqa: F811
    page,
    tmp_path,
):
    base = live_server.url
    SHOTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))  # script errors (charts.js, CSP)
    login(page, base, "kc_supervisor")
    page.goto(f"{base}/stats/?period=year&year=2026")
    assert page.locator("h1").inner_text() == "统计分析"

    # Each KPI: its figure, a badge, a chart drawn by ECharts (SVG) and the table beside it.
    kpis = page.locator("section.kpi")
    assert kpis.count() == 9
    page.wait_for_selector("#kpi-coverage .chart svg")
    for n in range(kpis.count()):
        section = kpis.nth(n)
        assert section.locator(".chart svg, .chart canvas").count() >= 1
        assert section.locator("table.data").count() >= 1
    assert page.locator('[data-kpi-value="coverage"]').inner_text() == "15.00%"
    coverage = page.locator("#kpi-coverage")
    assert coverage.locator(".badge.ok").count() == 2
    assert "高阳县" in coverage.inner_text() and "福州市" in coverage.inner_text()
    publication = page.locator("#kpi-publication")
    assert "公示率 66.67%，按期公示率 33.33%" in publication.inner_text()
    assert publication.locator(".badge.danger").count() == 2
    assert "口径说明" in page.locator("main").inner_text()
    page.screenshot(path=str(SHOTS / "stats-dashboard.png"), full_page=True)

    # Drill down: the lower region, then a department, its tasks, one task's sheets.
    page.locator("#drill-region-table").get_by_role("link", name="宽城镇").click()
    page.wait_for_load_state("networkidle")
    assert "宽城镇（130827100）" in page.locator("main").inner_text()
    page.locator("nav.crumbs").get_by_role("link", name="宽城满族自治县").click()
    page.wait_for_load_state("networkidle")
    page.locator("#drill-department-table").get_by_role(
        "link", name="宽城县旅游和文化广电局"
    ).click()
    page.wait_for_load_state("networkidle")
    tasks = page.locator("#drill-task-table")
    assert tasks.locator("tbody tr").count() == 2
    assert page.locator('[data-kpi-value="coverage"]').inner_text() == "10.00%"
    tasks.get_by_role("link", name="2026年网吧联合抽查").click()
    page.wait_for_load_state("networkidle")
    sheets = page.locator("#sheet-table tbody tr")
    assert sheets.count() == 5
    assert page.locator("#sheet-table .badge.ok").count() == 1
    page.wait_for_selector("#kpi-publication .chart svg")
    page.screenshot(path=str(SHOTS / "stats-task.png"), full_page=True)

    # Export the county's workbook and check a number in it.
    page.goto(f"{base}/stats/?period=year&year=2026")
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    path = tmp_path / "stats.xlsx"
    download.value.save_as(path)
    workbook = load_workbook(path)
    joint = workbook[workbook.sheetnames[4]]
    rows = [[c.value for c in r][:4] for r in joint.iter_rows()]
    assert ["抽查次数（任务数）", 3, 1, "33.33%"] in rows
    assert errors == []
