"""月报表 end to end: the market bureau's organiser enters November's meeting, document and
training (one mistake corrected on the page) and submits; the county supervisor finds the report
in the summary, opens the frozen revision and downloads it as .xlsx and .docx, checking a figure
in each."""

import io
import os
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from conftest import PASSWORD
from inspections.tests.conftest import joint, media  # noqa: F401  (fixtures world needs)
from reports.tests.conftest import world  # noqa: F401  (the fixture: November's records)

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("SUIJI_E2E_SHOTS", "var/e2e"))


def login(page, base, username):
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("账号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")


def test_organiser_submits_and_supervisor_downloads(
    live_server,
    transactional_db,
    world,  # noqa: F811
    depts,
    page,
):
    from reports.models import ReportRevision

    base = live_server.url
    SHOTS.mkdir(parents=True, exist_ok=True)
    market = depts["kc_market"]

    # 1. The organiser opens November's report: computed figures are already there.
    login(page, base, "kc_market_org")
    page.goto(f"{base}/reports/{market.pk}/2026/11/")
    assert "本月尚未报送" in page.locator("#revisions").inner_text()
    table = page.locator(".report-table")
    assert "本月公示抽查结果 3 户" in table.inner_text()
    assert "1 大项、2 小项" in table.inner_text()

    # 2. Meeting, document, training; a negative number of trainees is refused first.
    meeting = page.locator("#form-meeting")
    meeting.get_by_label("会议名称").fill("全县双随机工作部署会")
    meeting.get_by_label("召开时间").fill("2026-11-05")
    meeting.get_by_role("button", name="添加会议").click()
    document = page.locator("#form-document")
    document.get_by_label("文件名称").fill("关于开展2026年联合抽查的通知")
    document.get_by_label("文号").fill("宽市监〔2026〕9号")
    document.get_by_label("印发日期").fill("2026-11-06")
    document.get_by_role("button", name="添加文件").click()
    training = page.locator("#form-training")
    training.get_by_label("培训班名称").fill("双随机业务培训班")
    training.get_by_label("培训时间").fill("2026-11-12")
    training.get_by_label("培训人员数量").fill("-35")
    training.get_by_label("培训内容").fill("抽查流程、结果录入")
    training.get_by_role("button", name="添加培训").click()
    assert "培训人员数量不能为负数" in page.locator("#form-training").inner_text()
    page.locator("#form-training").get_by_label("培训人员数量").fill("35")
    page.locator("#form-training").get_by_role("button", name="添加培训").click()
    table = page.locator(".report-table").inner_text()
    assert "全县双随机工作部署会（2026年11月5日）" in table
    assert "宽市监〔2026〕9号" in table
    assert "培训 35 人" in table

    # 3. Submit with the contact details.
    submit = page.locator("#submit")
    submit.get_by_label("联系人").fill("雷骄")
    submit.get_by_label("联系电话").fill("0314-6062345")
    submit.get_by_label("手机").fill("13900001234")
    submit.get_by_role("button", name="报送2026年11月月报表").click()
    page.wait_for_load_state("networkidle")
    revision = ReportRevision.objects.get()
    assert page.url.endswith(f"/reports/revisions/{revision.pk}/")
    assert "内容与摘要一致" in page.locator("main").inner_text()
    page.screenshot(path=str(SHOTS / "report-submitted.png"), full_page=True)

    # 4. The supervisor: the summary shows who has submitted, then the report and downloads.
    login(page, base, "kc_supervisor")
    page.goto(f"{base}/reports/summary/?month=2026-11")
    row = page.locator("#summary tr", has_text="宽城县市场监督管理局")
    assert "已报送" in row.inner_text()
    assert "未报送" in page.locator("#summary tr", has_text="宽城县司法局").inner_text()
    row.get_by_role("link", name="第 1 版").click()
    page.wait_for_url(f"**/reports/revisions/{revision.pk}/")
    assert "雷骄" in page.locator(".report-contact").inner_text()
    with page.expect_download() as info:
        page.locator("#download-xlsx").click()
    xlsx = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))["月报表"]
    assert xlsx["A1"].value == "县有关部门“双随机、一公开”监管工作月报表"
    assert xlsx["C12"].value == "(多少大项、多少小项)\n1 大项、2 小项"
    assert "培训 35 人" in xlsx["C7"].value
    with page.expect_download() as info:
        page.locator("#download-docx").click()
    doc = Document(io.BytesIO(Path(info.value.path()).read_bytes()))
    texts = [c.text for row in doc.tables[0].rows for c in row.cells]
    assert any("本月公示抽查结果 3 户" in t for t in texts)
    assert any("全县双随机工作部署会（2026年11月5日）" in t for t in texts)
    # The printable page: the form alone, A4 landscape print CSS.
    page.goto(f"{base}/reports/revisions/{revision.pk}/print/")
    assert page.locator(".report-title").inner_text() == "县有关部门“双随机、一公开”监管工作月报表"
    assert page.locator("nav.side").count() == 0
    page.emulate_media(media="print")
    assert not page.locator(".screen-only").is_visible()
    page.screenshot(path=str(SHOTS / "report-print.png"), full_page=True)
    page.emulate_media(media="screen")
    # Read-only for the supervisor: no entry or submission forms.
    page.goto(f"{base}/reports/{market.pk}/2026/11/")
    assert page.locator("#submit").count() == 0
    assert page.locator("#form-meeting").count() == 0
    page.screenshot(path=str(SHOTS / "report-supervisor.png"), full_page=True)
