"""The pages and the Excel export: grants, denials (403 without the permission, 404 outside
scope), charts embedded as JSON (no inline script), and the workbook's numbers."""

import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from conftest import PASSWORD

pytestmark = pytest.mark.django_db

DASHBOARD = "/stats/"
EXPORT = "/stats/export.xlsx"


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_url_names():
    assert reverse("stats:dashboard") == DASHBOARD
    assert reverse("stats:export") == EXPORT
    assert reverse("stats:task", args=[7]) == "/stats/tasks/7/"


def test_supervisor_dashboard_shows_figures_targets_charts_and_tables(client, world, people):
    login(client, people["kc_supervisor"])
    response = client.get(DASHBOARD, {"year": "2026"})
    assert response.status_code == 200
    html = response.content.decode()
    board = response.context["board"]
    assert board.kpi("joint").numbers["tasks"] == 3
    # every KPI: value, chart data (json_script), a table, its seed next to the target
    for kpi in board.kpis:
        assert f'data-chart="{kpi.chart_id}"' in html
        assert f'<script id="{kpi.chart_id}" type="application/json">' in html
    assert (
        "高阳县文化广电和旅游局" in html
        and "福州市文旅市场" in html
        and "曲阳县市场监督管理局" in html
    )
    assert "seed 0" not in html
    assert "口径说明" in html and "在册检查对象（覆盖率分母）" in html
    assert "vendor/echarts/echarts.min.js" in html and "stats/charts.js" in html
    # no inline executable script (the CSP forbids it)
    assert html.count("<script>") == 0
    chart = json.loads(
        html.split('<script id="chart-publication" type="application/json">')[1].split("</script>")[
            0
        ]
    )
    assert chart["series"][0]["data"] == [3, 2, 1, 1]
    assert "宽城镇" in html  # drill-down to the lower region


def test_drill_down_to_a_department_lists_its_tasks_and_their_sheets(client, world, people, depts):
    login(client, people["kc_supervisor"])
    response = client.get(DASHBOARD, {"year": "2026", "department": depts["kc_culture"].pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("stats:task", args=[world["t3"].pk]) in html
    assert reverse("stats:task", args=[world["t2"].pk]) not in html
    page = client.get(reverse("stats:task", args=[world["t1"].pk]))
    assert page.status_code == 200
    assert page.content.decode().count('<span class="badge ok">按期</span>') == 1
    assert world["d1"].assignments.first().sheet_number in page.content.decode()


def test_bad_period_falls_back_with_a_message(client, world, people):
    login(client, people["kc_supervisor"])
    response = client.get(DASHBOARD, {"period": "quarter", "quarter": "9"})
    assert response.status_code == 200
    assert "应在 1 到 4 之间" in response.content.decode()


def test_export_is_one_workbook_with_a_sheet_per_kpi(client, world, people):
    login(client, people["kc_supervisor"])
    response = client.get(EXPORT, {"year": "2026"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames[0] == "说明"
    assert len(workbook.sheetnames) == 10
    coverage = workbook[workbook.sheetnames[1]]
    rows = [[c.value for c in r] for r in coverage.iter_rows()]
    assert rows[1] == ["指标值", "15.00%", None, None, None]
    assert ["在册检查对象数（分母）", 60, None, None, None] in rows
    assert rows[4][:1] == ["≥ 5%（每年）"] and rows[4][3] == "达标"
    publication = workbook[workbook.sheetnames[6]]
    values = [[c.value for c in r][:2] for r in publication.iter_rows()]
    assert ["应公示", 3] in values and ["按期公示", 1] in values


def test_export_respects_scope(client, world, people, make_user, depts):
    login(client, people["kc_market_admin"])
    response = client.get(EXPORT, {"year": "2026"})
    workbook = load_workbook(io.BytesIO(response.content))
    joint = workbook[workbook.sheetnames[4]]
    values = [[c.value for c in r][:4] for r in joint.iter_rows()]
    assert ["抽查次数（任务数）", 2, 1, "50.00%"] in values
    assert client.get(EXPORT, {"department": depts["kc_culture"].pk}).status_code == 404
    client.logout()
    login(client, make_user("xl_supervisor", "xl_market", "supervisor"))
    assert client.get(EXPORT, {"region": "130827"}).status_code == 404
    assert client.get(DASHBOARD, {"region": "130827"}).status_code == 404
    assert client.get(reverse("stats:task", args=[world["t1"].pk])).status_code == 404
    own = client.get(DASHBOARD, {"year": "2026"})
    assert own.status_code == 200 and own.context["board"].tasks == []
    assert "2026年网吧联合抽查" not in own.content.decode()


def test_inspector_is_refused(client, world, people):
    login(client, people["kc_market_insp"])
    assert client.get(DASHBOARD).status_code == 403
    assert client.get(EXPORT).status_code == 403
    assert client.get(reverse("stats:task", args=[world["t1"].pk])).status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and "/login" in response["Location"]
