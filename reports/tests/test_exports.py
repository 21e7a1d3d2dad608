"""The exports in the form's layout: .xlsx (title, merged cells, every value, print setup),
.docx (the figures and entered texts, escaped) and the print page."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from reports import exports, layout, services
from reports.selectors import DEFINITIONS, Month

pytestmark = pytest.mark.usefixtures("reporting_day")

D = dt.date
NOV = Month(2026, 11)

SITE = "本平台“一公开”公示专栏（/public/）"
EXPECTED_ROWS = [
    # (row, A, B, C)
    (4, "一、“双随机、一公开”监管工作安排部署情况", None, None),
    (5, "1", "本月召开会议部署随机抽查工作情况",
     "(注明召开会议的名称及时间)\n全县双随机工作部署会（2026年11月5日）"),
    (6, "2", "本月印发双随机工作文件情况",
     "(注明文件名称及文号)\n关于印发<抽查方案> & 细则的通知（宽市监〔2026〕9号，2026年11月6日印发）"),
    (7, "3", "本月组织随机抽查业务培训情况",
     "(培训班名称、培训人员数量、及内容)\n"
     "1. 双随机业务培训班（2026年11月12日），培训 35 人，内容：抽查流程、结果录入\n"
     "2. 平台操作培训（2026年11月30日），培训 8 人，内容：检查表录入"),
    (8, "二、“双随机、一公开”监管工作开展情况", None, None),
    (9, "4", "本月按年度随机抽查工作计划市本级开展随机抽查情况",
     "本月组织随机抽查 1 次，其中按年度抽查计划 0 次，部门联合抽查 1 次（牵头 1 次、参与 0 次）"),
    (10, None, "本月组织随机抽查的文件",
     "130827-2026-0001《2026年网吧联合抽查》（部门联合抽查，牵头，2026年11月10日抽取）"),
    (11, None, "随机抽查抽查对象范围、数量、抽查比例",
     "130827-2026-0001：宽城满族自治县范围内检查对象 60 户，抽取 5 户，抽查比例 8.33%\n"
     "合计：检查对象 60 户，抽取 5 户，抽查比例 8.33%"),
    (12, None, "随机抽查的检查事项", "(多少大项、多少小项)\n1 大项、2 小项"),
    (13, None, "随机抽查结果公示情况",
     f"(注明抽查结果公示的网站及公示数量)\n公示网站：{SITE}\n"
     "本月公示抽查结果 3 户：已实施检查 2 户（未发现问题 1 户，发现问题 1 户），"
     "通过登记的住所（经营场所）无法联系 1 户，不予配合检查情节严重 0 户；其中部门联合抽查 3 户\n"
     "后续处置：本月登记 1 件，本月办结 0 件，月末未办结 1 件"),
    (14, "5", "全县本系统开展随机抽查情况", None),
    (15, None, "(开展的单位及抽查检查主体数量及抽查结果公示数量等情况)",
     "本系统 2 个单位，本月开展随机抽查 1 个单位，组织抽查 1 次，抽查检查主体 5 户，"
     "抽查结果公示 3 户\n"
     "宽城县市场监督管理局：组织抽查 1 次，抽查 5 户，公示 3 户\n"
     "宽城镇市场监管所：组织抽查 0 次，抽查 0 户，公示 0 户"),
]  # fmt: skip


@pytest.fixture
def revision(world, people, depts):
    org, market = people["kc_market_org"], depts["kc_market"]

    def add(kind, **kw):
        services.entry_add(actor=org, department=market, month=NOV, kind=kind, **kw)

    add("meeting", title="全县双随机工作部署会", held_on=D(2026, 11, 5))
    add("document", title="关于印发<抽查方案> & 细则的通知", doc_number="宽市监〔2026〕9号",
        held_on=D(2026, 11, 6))  # fmt: skip
    add("training", title="双随机业务培训班", held_on=D(2026, 11, 12), attendees=35,
        content="抽查流程、结果录入")  # fmt: skip
    add("training", title="平台操作培训", held_on=D(2026, 11, 30), attendees="8",
        content="检查表录入")  # fmt: skip
    return services.report_submit(
        actor=org,
        department=market,
        month=NOV,
        contact_name="雷骄",
        contact_phone="0314-6062345",
        contact_mobile="13900001234",
    )


def test_xlsx_layout_and_every_value(revision):
    the_layout = layout.build(revision.data, revision=revision, definitions=DEFINITIONS)
    book = load_workbook(io.BytesIO(exports.report_xlsx(the_layout)))
    assert book.sheetnames == ["月报表", "统计口径"]
    sheet = book["月报表"]
    assert sheet["A1"].value == "县有关部门“双随机、一公开”监管工作月报表"
    assert sheet["A1"].font.bold
    assert sheet["A2"].value == "（2026年11月）"
    assert sheet["A3"].value == "单位名称(盖章): 宽城县市场监督管理局"
    filled = revision.submitted_at.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    assert sheet["C3"].value == (
        f"填表时间: {filled.year} 年 {filled.month:02d} 月 {filled.day:02d} 日"
    )
    assert sorted(str(r) for r in sheet.merged_cells.ranges) == sorted(
        ["A1:C1", "A2:C2", "A3:B3", "A4:C4", "A8:C8", "A9:A13", "A14:A15", "A16:C16", "A17:C17"]
    )
    for row, a, b, c in EXPECTED_ROWS:
        assert (sheet[f"A{row}"].value, sheet[f"B{row}"].value, sheet[f"C{row}"].value) == (
            a,
            b,
            c,
        ), row
    assert sheet["A16"].value == "联系人: 雷骄    联系电话: 0314-6062345    手机: 13900001234"
    assert sheet["A17"].value.startswith("第 1 版 · 报送时间 ")
    assert sheet["A17"].value.endswith(f"SHA-256 {revision.sha256}")
    assert sheet.max_row == 17
    # Every cell of the table is outlined: a cell's own edges, or its merged range's outline.
    ranges = list(sheet.merged_cells.ranges)
    for row in range(4, 16):
        for col in range(1, 4):
            box = next(
                (r.bounds for r in ranges if r.min_row <= row <= r.max_row
                 and r.min_col <= col <= r.max_col),
                (col, row, col, row),
            )  # fmt: skip
            border = sheet.cell(row=row, column=col).border
            edges = {
                "left": col == box[0],
                "top": row == box[1],
                "right": col == box[2],
                "bottom": row == box[3],
            }
            for side, outer in edges.items():
                if outer:
                    assert getattr(border, side).style == "thin", (row, col, side)
    assert sheet["A16"].border.left.style is None
    assert [sheet.column_dimensions[c].width for c in "ABC"] == [7, 40, 90]
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.paperSize == 9  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_area == "'月报表'!$A$1:$C$17"
    notes = book["统计口径"]
    assert notes["A1"].value == "指标"
    assert [notes.cell(row=n + 2, column=1).value for n in range(len(DEFINITIONS))] == [
        label for label, _ in DEFINITIONS
    ]


def test_docx_contains_the_form_and_the_figures(revision):
    the_layout = layout.build(revision.data, revision=revision, definitions=DEFINITIONS)
    doc = Document(io.BytesIO(exports.report_docx(the_layout)))
    paragraphs = "\n".join(p.text for p in doc.paragraphs)
    assert "县有关部门“双随机、一公开”监管工作月报表" in paragraphs
    assert "（2026年11月）" in paragraphs
    assert "单位名称(盖章): 宽城县市场监督管理局" in paragraphs
    assert "联系人: 雷骄    联系电话: 0314-6062345    手机: 13900001234" in paragraphs
    assert f"SHA-256 {revision.sha256}" in paragraphs
    assert "统计口径" in paragraphs and DEFINITIONS[0][1][:30] in paragraphs
    table = doc.tables[0]
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert len(cells) == 12
    assert cells[0] == ["一、“双随机、一公开”监管工作安排部署情况"] * 3  # merged
    by_row = {row: c for row, _a, _b, c in EXPECTED_ROWS}
    for index, row in enumerate(range(4, 16)):
        if by_row[row] is not None:
            assert cells[index][2] == by_row[row], row
    assert cells[5][0] == cells[9][0] == "4"  # the 序号 cell spans the sub-rows
    assert cells[10][0] == cells[11][0] == "5"
    # autoescape: the title with < > & survived as text.
    assert "关于印发<抽查方案> & 细则的通知" in cells[2][2]


def test_print_page_and_downloads(client, revision, people):
    client.force_login(people["kc_supervisor"])
    page = client.get(reverse("reports:revision_print", args=[revision.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "reports/print.css" in html
    assert "本月公示抽查结果 3 户" in html and "草稿" not in html
    xlsx = client.get(reverse("reports:revision_export", args=[revision.pk, "xlsx"]))
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in xlsx["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.content))["月报表"]
    assert sheet["C12"].value == "(多少大项、多少小项)\n1 大项、2 小项"
    docx = client.get(reverse("reports:revision_export", args=[revision.pk, "docx"]))
    assert "1 大项、2 小项" in Document(io.BytesIO(docx.content)).tables[0].rows[8].cells[2].text
    assert (
        client.get(reverse("reports:revision_export", args=[revision.pk, "pdf"])).status_code == 404
    )
    draft = client.get(reverse("reports:draft_print", args=[revision.department_id, 2026, 11]))
    assert "草稿（未报送" in draft.content.decode()


def test_cells_never_start_a_formula(world, people, depts):
    services.entry_add(
        actor=people["kc_market_org"],
        department=depts["kc_market"],
        month=NOV,
        kind="meeting",
        title='=HYPERLINK("x")',
        held_on=D(2026, 11, 5),
    )
    from reports.selectors import report_data

    data = report_data(depts["kc_market"], NOV)
    book = load_workbook(io.BytesIO(exports.report_xlsx(layout.build(data))))
    assert (
        book["月报表"]["C5"].value == '(注明召开会议的名称及时间)\n=HYPERLINK("x")（2026年11月5日）'
    )
    assert book["月报表"]["C5"].data_type == "s"
